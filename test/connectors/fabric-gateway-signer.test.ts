import { createHash, generateKeyPairSync, sign as nodeSign, verify } from 'node:crypto';
import { hash } from '@hyperledger/fabric-gateway';
import { describe, expect, test } from 'vitest';
import { newNodeCryptoSigner, newSigner } from '../../src/connectors/fabric-gateway/index.ts';
import { p1363ToLowSDer } from '../../src/connectors/fabric-gateway/signer.ts';

const N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

/** Independent DER reader: SEQUENCE { INTEGER r, INTEGER s } -> [r, s], checking strict DER. */
function parseDer(sig: Uint8Array): [bigint, bigint] {
  expect(sig[0]).toBe(0x30);
  expect(sig[1]).toBe(sig.length - 2);
  const ints: bigint[] = [];
  let o = 2;
  for (let k = 0; k < 2; k++) {
    expect(sig[o]).toBe(0x02);
    const len = sig[o + 1];
    const bytes = sig.subarray(o + 2, o + 2 + len);
    expect(bytes[0] & 0x80).toBe(0); // not negative
    if (bytes.length > 1 && bytes[0] === 0) expect(bytes[1] & 0x80).not.toBe(0); // minimal
    ints.push(BigInt(`0x${Buffer.from(bytes).toString('hex') || '0'}`));
    o += 2 + len;
  }
  expect(o).toBe(sig.length);
  return [ints[0], ints[1]];
}

function toScalar(x: bigint): Buffer {
  return Buffer.from(x.toString(16).padStart(64, '0'), 'hex');
}

describe('node-crypto signer', () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const sign = newNodeCryptoSigner(privateKey);

  test('signatures verify with node:crypto (ECDSA/SHA-256 over the message) and are always low-S', async () => {
    for (let i = 0; i < 400; i++) {
      const message = createHash('sha512').update(`message ${i}`).digest();
      const sig = await sign(message);
      expect(verify('sha256', message, { key: publicKey, dsaEncoding: 'der' }, sig)).toBe(true);
      const [r, s] = parseDer(sig);
      expect(r > 0n && r < N).toBe(true);
      expect(s > 0n && s <= N / 2n).toBe(true);
      // A signature for another message does not verify: the check can fail.
      expect(verify('sha256', Buffer.from(`other ${i}`), { key: publicKey, dsaEncoding: 'der' }, sig)).toBe(false);
    }
  });

  test('OpenSSL returns high-S about half the time; normalizing keeps the signature valid', () => {
    let high = 0;
    for (let i = 0; i < 200; i++) {
      const message = Buffer.from(`m${i}`);
      const raw = nodeSign('sha256', message, { key: privateKey, dsaEncoding: 'ieee-p1363' });
      const s = BigInt(`0x${raw.subarray(32).toString('hex')}`);
      if (s > N / 2n) high++;
      const der = p1363ToLowSDer(raw);
      expect(parseDer(der)[1]).toBe(s > N / 2n ? N - s : s);
      expect(verify('sha256', message, { key: publicKey, dsaEncoding: 'der' }, der)).toBe(true);
    }
    expect(high).toBeGreaterThan(40);
    expect(high).toBeLessThan(160);
  });

  test('DER encoding handles short r and s and the high bit', () => {
    const cases: Array<[bigint, bigint]> = [
      [1n, 1n],
      [0x80n, 0x7fn],
      [BigInt(`0x80${'00'.repeat(31)}`), 5n],
      [BigInt(`0x00ff${'11'.repeat(30)}`), N / 2n],
      [7n, N / 2n + 1n], // high: becomes n - s
      [7n, N - 1n], // high: becomes 1
    ];
    for (const [r, s] of cases) {
      const der = p1363ToLowSDer(Buffer.concat([toScalar(r), toScalar(s)]));
      const [r2, s2] = parseDer(der);
      expect(r2).toBe(r);
      expect(s2).toBe(s > N / 2n ? N - s : s);
    }
    expect(() => p1363ToLowSDer(new Uint8Array(63))).toThrow(/64-byte/);
  });

  test('rejects keys it cannot sign with', () => {
    const ed = generateKeyPairSync('ed25519');
    expect(() => newNodeCryptoSigner(ed.privateKey)).toThrow(/P-256/);
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    expect(() => newNodeCryptoSigner(p384.privateKey)).toThrow(/P-256/);
    expect(() => newNodeCryptoSigner(publicKey)).toThrow(/private key/);
  });

  test('newSigner pairs each signer with the hash fabric-gateway must apply', async () => {
    const fast = newSigner('node-crypto', privateKey);
    expect(fast.hash).toBe(hash.none);
    const sdk = newSigner('sdk-default', privateKey);
    expect(sdk.hash).toBe(hash.sha256);
    // Both paths, as fabric-gateway drives them (hash, then sign), verify against the same message.
    const message = Buffer.from('proposal bytes');
    for (const s of [fast, sdk]) {
      const sig = await s.signer(s.hash(message));
      expect(verify('sha256', message, { key: publicKey, dsaEncoding: 'der' }, sig)).toBe(true);
      expect(parseDer(sig)[1] <= N / 2n).toBe(true);
    }
  });
});
