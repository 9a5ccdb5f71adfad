/**
 * Fast ECDSA P-256 signing for fabric-gateway with node:crypto (OpenSSL) instead of the SDK's pure-JS
 * signer, so that the load generator is never the bottleneck.
 *
 * fabric-gateway hashes a message and hands the digest to its signer, but node:crypto's sign() insists
 * on hashing its input itself. So this signer is paired with `hash.none`: the "digest" it receives is
 * the whole message, and node:crypto hashes it with SHA-256 while signing, which yields exactly the
 * signature Fabric verifies (ECDSA over SHA-256 of the message bytes).
 */
import { type KeyObject, sign } from 'node:crypto';
import { type Hash, hash, type Signer, signers } from '@hyperledger/fabric-gateway';

/** Which signing implementation a connector uses (connector option `signer`). */
export type SignerKind = 'node-crypto' | 'sdk-default';

/** The names accepted for the connector option `signer`; the first is the default. */
export const SIGNER_KINDS: readonly SignerKind[] = ['node-crypto', 'sdk-default'];

/** A signer together with the hash fabric-gateway must apply before calling it. */
export interface SigningSetup {
  signer: Signer;
  hash: Hash;
}

/** Order n of the P-256 group, big-endian. */
const P256_ORDER = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');
/** floor(n / 2): signatures with s above it are "high-S", which Fabric rejects. */
const P256_HALF_ORDER = Buffer.from('7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8', 'hex');
const SCALAR_BYTES = 32;

/**
 * Builds a signer for `kind` from a private key.
 *
 * - `node-crypto`: node:crypto ECDSA P-256 with SHA-256 and low-S normalization, used with `hash.none`.
 *   Only P-256 keys (what Fabric CAs issue) are supported.
 * - `sdk-default`: fabric-gateway's own `signers.newPrivateKeySigner` with its default SHA-256 hash.
 *
 * @throws Error when the key is not a private key, or (node-crypto) not on curve P-256.
 */
export function newSigner(kind: SignerKind, key: KeyObject): SigningSetup {
  if (kind === 'sdk-default') {
    return { signer: signers.newPrivateKeySigner(key), hash: hash.sha256 };
  }
  return { signer: newNodeCryptoSigner(key), hash: hash.none };
}

/**
 * A fabric-gateway Signer over node:crypto. It expects the full message (use it with `hash.none`) and
 * returns a DER-encoded, low-S ECDSA P-256 / SHA-256 signature.
 *
 * @throws Error when the key is not a P-256 private key.
 */
export function newNodeCryptoSigner(key: KeyObject): Signer {
  if (key.type !== 'private') {
    throw new Error(`node-crypto signer needs a private key, got a ${key.type} key`);
  }
  const curve = key.asymmetricKeyDetails?.namedCurve;
  if (key.asymmetricKeyType !== 'ec' || curve !== 'prime256v1') {
    throw new Error(
      `node-crypto signer supports ECDSA P-256 keys only, got ${key.asymmetricKeyType ?? 'unknown'}${curve ? ` (${curve})` : ''}`,
    );
  }
  // One options object for every call: the hot path allocates only what OpenSSL and the DER need.
  const options = { key, dsaEncoding: 'ieee-p1363' as const };
  return (message: Uint8Array): Promise<Uint8Array> => {
    try {
      return Promise.resolve(p1363ToLowSDer(sign('sha256', message, options)));
    } catch (err) {
      return Promise.reject(err);
    }
  };
}

/**
 * Converts a raw r||s P-256 signature (IEEE P1363, 64 bytes) to DER, replacing s by n - s when s is in
 * the upper half of the group order.
 */
export function p1363ToLowSDer(raw: Uint8Array): Uint8Array {
  if (raw.length !== 2 * SCALAR_BYTES) {
    throw new Error(`expected a ${2 * SCALAR_BYTES}-byte P-256 signature, got ${raw.length} bytes`);
  }
  const r = raw.subarray(0, SCALAR_BYTES);
  let s = raw.subarray(SCALAR_BYTES);
  if (compareBytes(s, P256_HALF_ORDER) > 0) {
    s = subtractFromOrder(s);
  }
  return derSequenceOfTwoIntegers(r, s);
}

/** Compares two equal-length big-endian unsigned integers. */
function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    if (a[i] !== b[i]) return a[i] - b[i];
  }
  return 0;
}

/** n - s for a 32-byte big-endian s < n, by schoolbook subtraction (no BigInt on the hot path). */
function subtractFromOrder(s: Uint8Array): Uint8Array {
  const out = new Uint8Array(SCALAR_BYTES);
  let borrow = 0;
  for (let i = SCALAR_BYTES - 1; i >= 0; i--) {
    let d = P256_ORDER[i] - s[i] - borrow;
    borrow = d < 0 ? 1 : 0;
    if (d < 0) d += 256;
    out[i] = d;
  }
  return out;
}

/** DER `SEQUENCE { INTEGER r, INTEGER s }`; both fit in short-form lengths for P-256. */
function derSequenceOfTwoIntegers(r: Uint8Array, s: Uint8Array): Uint8Array {
  const rStart = firstSignificant(r);
  const sStart = firstSignificant(s);
  // A leading 0x00 keeps an integer whose top bit is set from reading as negative.
  const rPad = r[rStart] & 0x80 ? 1 : 0;
  const sPad = s[sStart] & 0x80 ? 1 : 0;
  const rLen = r.length - rStart + rPad;
  const sLen = s.length - sStart + sPad;
  const out = new Uint8Array(2 + 2 + rLen + 2 + sLen);
  let o = 0;
  out[o++] = 0x30;
  out[o++] = 2 + rLen + 2 + sLen;
  out[o++] = 0x02;
  out[o++] = rLen;
  if (rPad) out[o++] = 0;
  out.set(r.subarray(rStart), o);
  o += r.length - rStart;
  out[o++] = 0x02;
  out[o++] = sLen;
  if (sPad) out[o++] = 0;
  out.set(s.subarray(sStart), o);
  return out;
}

/** Index of the first non-zero byte, keeping at least one byte (zero encodes as a single 0x00). */
function firstSignificant(x: Uint8Array): number {
  let i = 0;
  while (i < x.length - 1 && x[i] === 0) i++;
  return i;
}
