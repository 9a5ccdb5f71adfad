/**
 * Identities of the embedded network: per-organization ECDSA P-256 CAs, the certificates they issue,
 * Fabric-style low-S signatures, and the check of a creator against its organization's CA.
 */
import { createPrivateKey, type KeyObject, sign, verify, webcrypto, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import * as protos from '@hyperledger/fabric-protos';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const EC_ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
/** Order of the P-256 group; Fabric rejects signatures whose S is above half of it. */
const P256_N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');
const P256_HALF_N = P256_N >> 1n;

/** A certificate authority: its certificate and signing key. */
export interface CaMaterial {
  certPem: string;
  /** PKCS#8 PEM. */
  keyPem: string;
  cert: X509Certificate;
  /** WebCrypto key, used to issue certificates. */
  signingKey: CryptoKey;
}

/** A certificate with its private key. */
export interface IssuedIdentity {
  certPem: string;
  /** PKCS#8 PEM; never logged. */
  keyPem: string;
  key: KeyObject;
}

/** What issueCert() is asked for. */
export interface CertRequest {
  commonName: string;
  /** Fabric NodeOU: `peer`, `client`, `admin`, `orderer`. */
  ou: string;
  organization: string;
  notBefore?: Date;
  notAfter?: Date;
  /** Subject alternative names (DNS names and IPs) for TLS server certificates. */
  altNames?: string[];
}

/** Generate a fresh self-signed CA. */
export async function createCa(commonName: string, organization: string): Promise<CaMaterial> {
  const keys = (await webcrypto.subtle.generateKey(EC_ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=${commonName}, O=${organization}`,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 10 * 365 * 86_400_000),
    signingAlgorithm: EC_ALG,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  const keyPem = await exportKeyPem(keys.privateKey);
  const certPem = cert.toString('pem');
  return { certPem, keyPem, cert: new X509Certificate(certPem), signingKey: keys.privateKey };
}

/** Load an existing CA from PEM files (certificate and PKCS#8 or SEC1 EC key). */
export async function loadCa(certFile: string, keyFile: string): Promise<CaMaterial> {
  const certPem = readFileSync(certFile, 'utf8');
  const keyObj = createPrivateKey(readFileSync(keyFile, 'utf8'));
  const pkcs8 = keyObj.export({ type: 'pkcs8', format: 'der' });
  const signingKey = await webcrypto.subtle.importKey('pkcs8', pkcs8, EC_ALG, true, ['sign']);
  return { certPem, keyPem: keyObj.export({ type: 'pkcs8', format: 'pem' }).toString(), cert: new X509Certificate(certPem), signingKey };
}

/** Issue a certificate signed by `ca` for a fresh P-256 key. */
export async function issueCert(ca: CaMaterial, req: CertRequest): Promise<IssuedIdentity> {
  const keys = (await webcrypto.subtle.generateKey(EC_ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
  const now = Date.now();
  const extensions: x509.Extension[] = [
    new x509.BasicConstraintsExtension(false, undefined, true),
    new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment, true),
    await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (req.altNames?.length) {
    const names = req.altNames.map((n) => ({ type: (/^[\d.]+$/.test(n) ? 'ip' : 'dns') as 'ip' | 'dns', value: n }));
    extensions.push(new x509.SubjectAlternativeNameExtension(names));
  }
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: `CN=${req.commonName}, OU=${req.ou}, O=${req.organization}`,
    issuer: new x509.X509Certificate(ca.certPem).subject,
    notBefore: req.notBefore ?? new Date(now - 60_000),
    notAfter: req.notAfter ?? new Date(now + 5 * 365 * 86_400_000),
    signingAlgorithm: EC_ALG,
    publicKey: keys.publicKey,
    signingKey: ca.signingKey,
    extensions,
  });
  const keyPem = await exportKeyPem(keys.privateKey);
  return { certPem: cert.toString('pem'), keyPem, key: createPrivateKey(keyPem) };
}

/** ECDSA-SHA256 signature (DER) with S normalized to the lower half, as Fabric requires. */
export function signLowS(key: KeyObject, data: Uint8Array): Buffer {
  return toLowS(sign('sha256', data, key));
}

const HALF_N_BYTES = Buffer.from(P256_HALF_N.toString(16).padStart(64, '0'), 'hex');

/** True when a DER ECDSA signature's S is in the lower half of the group order. */
export function isLowS(der: Uint8Array): boolean {
  const s = derS(der);
  if (!s) return false;
  // Compare big-endian bytes (leading zeros stripped) with n/2, without BigInt on the hot path.
  if (s.length !== 32) return s.length < 32;
  return Buffer.compare(s, HALF_N_BYTES) <= 0;
}

function toLowS(der: Buffer): Buffer {
  if (isLowS(der)) return der;
  const parsed = parseDerSignature(der);
  if (!parsed) return der;
  return encodeDerSignature(parsed.r, P256_N - parsed.s);
}

function derS(der: Uint8Array): Buffer | undefined {
  if (der.length < 8 || der[0] !== 0x30 || der[2] !== 0x02) return undefined;
  const sAt = 4 + der[3];
  if (der[sAt] !== 0x02) return undefined;
  const sLen = der[sAt + 1];
  if (sAt + 2 + sLen !== der.length) return undefined;
  let from = sAt + 2;
  while (from < der.length - 1 && der[from] === 0) from++;
  return Buffer.from(der.buffer, der.byteOffset + from, der.length - from);
}

function parseDerSignature(der: Uint8Array): { r: bigint; s: bigint } | undefined {
  // SEQUENCE { INTEGER r, INTEGER s }, short-form lengths only (P-256 signatures are < 128 bytes).
  if (der.length < 8 || der[0] !== 0x30 || der[2] !== 0x02) return undefined;
  const rLen = der[3];
  const sAt = 4 + rLen;
  if (der[sAt] !== 0x02) return undefined;
  const sLen = der[sAt + 1];
  if (sAt + 2 + sLen !== der.length) return undefined;
  return { r: toBig(der.subarray(4, 4 + rLen)), s: toBig(der.subarray(sAt + 2, sAt + 2 + sLen)) };
}

function toBig(bytes: Uint8Array): bigint {
  return bytes.length === 0 ? 0n : BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
}

function encodeDerSignature(r: bigint, s: bigint): Buffer {
  const int = (v: bigint) => {
    let hex = v.toString(16);
    if (hex.length % 2) hex = `0${hex}`;
    let b = Buffer.from(hex, 'hex');
    if (b[0] & 0x80) b = Buffer.concat([Buffer.from([0]), b]);
    return Buffer.concat([Buffer.from([0x02, b.length]), b]);
  };
  const body = Buffer.concat([int(r), int(s)]);
  return Buffer.concat([Buffer.from([0x30, body.length]), body]);
}

/** msp.SerializedIdentity bytes, as Fabric puts them in signature headers and endorsements. */
export function serializeIdentity(mspId: string, certPem: string): Uint8Array {
  const id = new protos.msp.SerializedIdentity();
  id.setMspid(mspId);
  id.setIdBytes(Buffer.from(certPem));
  return id.serializeBinary();
}

/** A checked identity, cached by its serialized bytes. */
export interface KnownIdentity {
  mspId: string;
  certPem: string;
  /** NodeOU of the certificate (`peer`, `client`, ...), lower case; '' when absent. */
  role: string;
  publicKey: KeyObject;
  /** ms since epoch after which the certificate has expired. */
  notAfter: number;
  notBefore: number;
  /** Why the certificate is not acceptable (not issued by the org's CA, unknown MSP, bad PEM). */
  problem?: string;
}

/**
 * Checks creators and endorsers against the organizations' CAs. Parsing a certificate is the costly
 * part, so every distinct serialized identity is parsed and chain-checked once.
 */
export class IdentityChecker {
  readonly #cas: Map<string, X509Certificate>;
  readonly #cache = new Map<string, KnownIdentity>();

  constructor(cas: Map<string, X509Certificate>) {
    this.#cas = cas;
  }

  /** Decode and check a serialized identity; throws an Error with a clear message when unacceptable. */
  check(serialized: Uint8Array, now = Date.now()): KnownIdentity {
    const id = this.lookup(serialized);
    if (id.problem) throw new Error(id.problem);
    if (now > id.notAfter) throw new Error(`creator certificate expired at ${new Date(id.notAfter).toISOString()} (${id.mspId})`);
    if (now < id.notBefore) throw new Error(`creator certificate is not valid before ${new Date(id.notBefore).toISOString()} (${id.mspId})`);
    return id;
  }

  /** Decode a serialized identity without judging it (cached). */
  lookup(serialized: Uint8Array): KnownIdentity {
    const cacheKey = Buffer.from(serialized.buffer, serialized.byteOffset, serialized.byteLength).toString('latin1');
    let id = this.#cache.get(cacheKey);
    if (!id) {
      id = this.#parse(serialized);
      if (this.#cache.size > 10_000) this.#cache.clear();
      this.#cache.set(cacheKey, id);
    }
    return id;
  }

  #parse(serialized: Uint8Array): KnownIdentity {
    let mspId = '';
    let certPem: string;
    let cert: X509Certificate;
    try {
      const sid = protos.msp.SerializedIdentity.deserializeBinary(serialized);
      mspId = sid.getMspid();
      certPem = Buffer.from(sid.getIdBytes_asU8()).toString();
      cert = new X509Certificate(certPem);
    } catch (err) {
      throw new Error(`creator identity of ${mspId || 'unknown MSP'} is not a PEM X.509 certificate (${(err as Error).message})`, { cause: err });
    }
    const ouMatch = /(?:^|\n)OU=([^\n]*)/.exec(cert.subject);
    const base = {
      mspId,
      certPem,
      role: (ouMatch?.[1] ?? '').toLowerCase(),
      publicKey: cert.publicKey,
      notAfter: Date.parse(cert.validTo),
      notBefore: Date.parse(cert.validFrom),
    };
    const ca = this.#cas.get(mspId);
    if (!ca) return { ...base, problem: `creator MSP ${mspId} is not an organization of this network` };
    if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey)) {
      return { ...base, problem: `creator certificate not issued by ${mspId}'s CA` };
    }
    return base;
  }
}

/** Verify a DER ECDSA-SHA256 signature, insisting on low S as Fabric's MSP does. */
export function verifySignature(publicKey: KeyObject, data: Uint8Array, signature: Uint8Array): boolean {
  if (!isLowS(signature)) return false;
  try {
    return verify('sha256', data, publicKey, signature);
  } catch {
    return false;
  }
}

async function exportKeyPem(key: CryptoKey): Promise<string> {
  const der = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', key));
  const b64 = der.toString('base64').replace(/(.{64})/g, '$1\n');
  return `-----BEGIN PRIVATE KEY-----\n${b64.trimEnd()}\n-----END PRIVATE KEY-----\n`;
}

function randomSerial(): string {
  // Positive 16-byte serial: clear the top bit so DER does not read it as negative.
  const b = webcrypto.getRandomValues(new Uint8Array(16));
  b[0] &= 0x7f;
  b[0] |= 0x01;
  return Buffer.from(b).toString('hex');
}
