/**
 * Removes key material and secrets from configuration before it is written into a report. Reports
 * travel (CI artifacts, pull-request comments, pasted into issues), so this errs towards removing:
 * every field whose name says it holds a private key or a secret is replaced whole, whatever its
 * shape (`{ path }`, `{ pem }`, a string, bytes), and PEM private-key blocks are cut out of any string.
 * Certificates are public and stay.
 */

/** What replaces a removed value. */
export const REDACTED = '[REDACTED]';

/** Field names (lower-cased, without `-` and `_`) whose value is always key material or a secret. */
const SECRET_NAME =
  /privatekey|keypem|keybytes|keyfile|keypath|clientkey|tlskey|signingkey|adminkey|secretkey|apikey|accesskey|secret|password|passphrase|passwd|authorization|token/;

/** `sk` is Fabric's keystore name for a private key file; `key` alone needs a look at its value. */
const SECRET_EXACT = new Set(['sk', 'pkcs8', 'pin']);

/** Whole PEM private-key blocks of any kind (PKCS#8, EC, RSA, encrypted, OpenSSH), or a truncated one. */
const PEM_PRIVATE_KEY = /-----BEGIN ([A-Z0-9 ]*)PRIVATE KEY-----[\s\S]*?(?:-----END \1PRIVATE KEY-----|$)/g;

/**
 * The password of a URL such as `https://admin:adminpw@ca.org1:7054`. The match starts at `://`, not at
 * the scheme: a scheme pattern (`[a-z][a-z0-9+.-]*://`) is tried from every letter of a string and
 * runs to the end of each run of letters, which made a multi-MiB argument string take minutes
 * (quadratic). From `://` every scan stops at the next `/`, `@`, `:` or space, so the work is linear.
 */
const URL_PASSWORD = /(:\/\/[^\s:/@]+:)[^\s/@]+@/g;

/** Where a file named by a bare `key:` field holds a private key. */
const KEY_FILE = /(_sk|\.key|\.pem|\.p8|\.der)$|[/\\]keystore[/\\]/i;

function normalized(name: string): string {
  return name.toLowerCase().replace(/[-_\s]/g, '');
}

/**
 * A bare field called `key` is a private key in connection profiles (`tlsCACerts`'s siblings, SDK
 * identity objects) but a business key in workload arguments (`{ key: 'account_7' }`); only values
 * that look like key material are removed, so benchmark arguments keep their meaning.
 */
function bareKeyHoldsSecret(value: unknown): boolean {
  if (value === null || value === undefined) return false;
  if (typeof value === 'string') return value.includes('PRIVATE KEY') || KEY_FILE.test(value.trim());
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return false;
  if (Array.isArray(value)) return value.some(bareKeyHoldsSecret);
  return true;
}

/** Whether a field of this name with this value must be removed whole. */
function isSecretField(name: string, value: unknown): boolean {
  const n = normalized(name);
  if (n === 'key') return bareKeyHoldsSecret(value);
  // Public halves and names of things are not secrets.
  if (/^(public|publickey|tokenurl|tokenendpoint)$/.test(n) || n.includes('publickey')) return false;
  return SECRET_EXACT.has(n) || SECRET_NAME.test(n);
}

function redactString(s: string): string {
  return s.replace(PEM_PRIVATE_KEY, REDACTED).replace(URL_PASSWORD, `$1${REDACTED}@`);
}

function redactBytes(b: Uint8Array): Uint8Array | string {
  // Bytes can carry a PEM file read from disk; latin1 keeps every byte and finds the ASCII armour.
  const text = Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString('latin1');
  if (text.includes('PRIVATE KEY')) return REDACTED;
  return Buffer.isBuffer(b) ? Buffer.from(b) : b.slice();
}

function copy(value: unknown, seen: WeakMap<object, unknown>): unknown {
  if (typeof value === 'string') return redactString(value);
  if (value === null || typeof value !== 'object') return value;
  const known = seen.get(value);
  if (known !== undefined) return known;
  if (value instanceof Uint8Array) return redactBytes(value);
  if (value instanceof Date) return new Date(value.getTime());
  if (Array.isArray(value)) {
    const out: unknown[] = [];
    seen.set(value, out);
    for (const item of value) out.push(copy(item, seen));
    return out;
  }
  if (value instanceof Map) {
    const out = new Map();
    seen.set(value, out);
    for (const [k, v] of value) out.set(k, typeof k === 'string' && isSecretField(k, v) ? REDACTED : copy(v, seen));
    return out;
  }
  if (value instanceof Set) {
    const out = new Set();
    seen.set(value, out);
    for (const v of value) out.add(copy(v, seen));
    return out;
  }
  // Plain objects and class instances alike: own enumerable fields, same prototype.
  const out = Object.create(Object.getPrototypeOf(value)) as Record<string, unknown>;
  seen.set(value, out);
  for (const [k, v] of Object.entries(value)) out[k] = isSecretField(k, v) ? REDACTED : copy(v, seen);
  return out;
}

/**
 * A deep copy of `value` with key material and secrets replaced by `[REDACTED]`:
 * - fields named like a private key or secret (privateKey, clientPrivateKey, adminPrivateKey, keyPem,
 *   privateKeyPem, tlsClientKey, clientKey, sk, enrollSecret, password, token, ...), whatever they hold;
 * - a field named `key` when it holds an object, bytes, a PEM private key or a key file path
 *   (`*_sk`, `*.key`, `*.pem`, `.../keystore/...`), but not a plain business key such as `account_7`;
 * - PEM private-key blocks inside any string (also truncated ones), and passwords in URLs;
 * - byte arrays whose content is a PEM private key.
 * Everything else, certificates included, is copied unchanged. The input is never modified; cycles
 * are preserved in the copy.
 */
export function redact<T>(value: T): T {
  return copy(value, new WeakMap()) as T;
}
