import { readFileSync } from 'node:fs';
import { load } from 'js-yaml';
import { describe, expect, test } from 'vitest';
import { REDACTED, redact } from '../../src/report/index.ts';

const PKCS8 = '-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgSECRETSECRET\n-----END PRIVATE KEY-----\n';
const EC = '-----BEGIN EC PRIVATE KEY-----\r\nMHcCAQEEIBSECRETSECRETSECRET\r\n-----END EC PRIVATE KEY-----';
const CERT = '-----BEGIN CERTIFICATE-----\nMIICKzCCAdGgAwIBAgIRAPUBLIC\n-----END CERTIFICATE-----\n';

/** Paths in an object whose value differs between a and b (deep). */
function differences(a: unknown, b: unknown, at = '$'): string[] {
  if (a === b) return [];
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return [at];
  const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
  return [...keys].flatMap((k) => differences((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], `${at}.${k}`));
}

describe('redact', () => {
  test('the seed fabric-ccp profile: client and admin private keys go, everything else stays', () => {
    const ccp = load(readFileSync(new URL('../../fixtures/seed-configs/fabric-ccp-2org2peer3orderer.yaml', import.meta.url).pathname, 'utf8'));
    const before = structuredClone(ccp);
    const out = redact(ccp);
    expect(ccp).toEqual(before);
    expect(differences(ccp, out).sort()).toEqual(
      [
        '$.clients.client0.org1.example.com.client.clientPrivateKey',
        '$.clients.client0.org2.example.com.client.clientPrivateKey',
        '$.organizations.Org1.adminPrivateKey',
      ].sort(),
    );
    const o = out as { clients: Record<string, { client: Record<string, unknown> }>; organizations: Record<string, Record<string, unknown>> };
    expect(o.clients['client0.org1.example.com'].client.clientPrivateKey).toBe(REDACTED);
    expect(o.organizations.Org1.adminPrivateKey).toBe(REDACTED);
    // Certificates and stores are not key material.
    expect(o.organizations.Org1.signedCert).toEqual((before as typeof o).organizations.Org1.signedCert);
    expect(o.clients['client0.org1.example.com'].client.credentialStore).toEqual({ path: '/tmp/hfc-kvs/org1' });
    expect(JSON.stringify(out)).not.toMatch(/_sk"/);
  });

  test('fields named like keys and secrets, whatever their shape', () => {
    const input = {
      privateKey: PKCS8,
      keyPem: 'abc',
      privateKeyPem: { pem: PKCS8 },
      clientPrivateKey: { pem: PKCS8 },
      adminPrivateKey: { path: '/crypto/admin/keystore/priv_sk' },
      tlsClientKey: Buffer.from(EC),
      client_key: 'x',
      sk: 'deadbeef',
      registrar: { enrollId: 'admin', enrollSecret: 'adminpw' },
      password: 'hunter2',
      clientTlsIdentity: { key: { path: 'tls/client.key' }, cert: { path: 'tls/client.crt' } },
      identity: { key: PKCS8, certificate: CERT },
      publicKey: 'pub',
    };
    const out = redact(input);
    expect(out).toEqual({
      privateKey: REDACTED,
      keyPem: REDACTED,
      privateKeyPem: REDACTED,
      clientPrivateKey: REDACTED,
      adminPrivateKey: REDACTED,
      tlsClientKey: REDACTED,
      client_key: REDACTED,
      sk: REDACTED,
      registrar: { enrollId: 'admin', enrollSecret: REDACTED },
      password: REDACTED,
      clientTlsIdentity: { key: REDACTED, cert: { path: 'tls/client.crt' } },
      identity: { key: REDACTED, certificate: CERT },
      publicKey: 'pub',
    });
  });

  test('PEM private keys inside any string, also in nested arrays and truncated, certificates kept', () => {
    const input = {
      peers: [{ tlsCACerts: { pem: CERT } }, [{ note: `before\n${EC}\nafter` }]],
      bundle: `${CERT}${PKCS8}`,
      escaped: JSON.stringify({ k: PKCS8 }),
      truncated: 'log line: -----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA',
      rsa: '-----BEGIN RSA PRIVATE KEY-----\nAAA\n-----END RSA PRIVATE KEY-----',
      encrypted: '-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAA\n-----END ENCRYPTED PRIVATE KEY-----',
    };
    const out = redact(input);
    const text = JSON.stringify(out);
    expect(text).not.toContain('SECRET');
    expect(text).not.toContain('PRIVATE KEY');
    expect(text).not.toContain('MIIEowIBAAKCAQEA');
    expect(out.peers[0]).toEqual({ tlsCACerts: { pem: CERT } });
    expect(out.peers[1]).toEqual([{ note: `before\n${REDACTED}\nafter` }]);
    expect(out.bundle).toBe(`${CERT}${REDACTED}\n`);
    expect(out.truncated).toBe(`log line: ${REDACTED}`);
    expect(out.rsa).toBe(REDACTED);
    expect(out.encrypted).toBe(REDACTED);
  });

  test('bytes holding a PEM key, and passwords in URLs', () => {
    const out = redact({ blob: new Uint8Array(Buffer.from(PKCS8)), ca: { url: 'https://admin:adminpw@ca.org1.example.com:7054', caName: 'ca-org1' } });
    expect(out.blob).toBe(REDACTED);
    expect(out.ca.url).toBe(`https://admin:${REDACTED}@ca.org1.example.com:7054`);
    expect(out.ca.caName).toBe('ca-org1');
  });

  test('every URL password in a longer text, whatever the scheme; text without one is unchanged', () => {
    const out = redact({ log: 'dial grpcs://peer:pw1@peer0:7051 failed, retry via http+unix://u:pw2@sock/x; plain a:b@c, ://x' });
    expect(out.log).toBe(`dial grpcs://peer:${REDACTED}@peer0:7051 failed, retry via http+unix://u:${REDACTED}@sock/x; plain a:b@c, ://x`);
    expect(redact({ s: 'https://ca.org1.example.com:7054/api' }).s).toBe('https://ca.org1.example.com:7054/api');
  });

  test('business keys in workload arguments survive; nothing else changes; input untouched', () => {
    const bench = {
      test: {
        name: 'simple',
        rounds: [
          { label: 'open', txNumber: [100, 200], rateControl: [{ type: 'fixed-rate', opts: { tps: 50 } }], arguments: { key: 'account_7', keys: ['a', 'b'], money: 10000 } },
        ],
        workers: { type: 'local', number: 5 },
      },
      monitor: { type: ['docker', 'process'], docker: { name: ['all'] }, interval: 1 },
      when: new Date('2026-11-22T10:00:00Z'),
      nothing: null,
      flag: true,
    };
    const snapshot = structuredClone(bench);
    const out = redact(bench);
    expect(out).toEqual(bench);
    expect(out).not.toBe(bench);
    expect(out.test.rounds[0]).not.toBe(bench.test.rounds[0]);
    expect(out.when).toBeInstanceOf(Date);
    expect(bench).toEqual(snapshot);
  });

  test('cycles are copied, not followed forever', () => {
    const a: Record<string, unknown> = { name: 'a', privateKey: PKCS8 };
    a.self = a;
    const out = redact(a);
    expect(out.self).toBe(out);
    expect(out.privateKey).toBe(REDACTED);
  });
});
