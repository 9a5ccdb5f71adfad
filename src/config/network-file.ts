/**
 * The network file: either `type: embedded` (ledgerbench's own in-process Fabric network) or anything
 * else, which is taken to be a Fabric connection profile and handed to the connectors unchanged.
 * This module only validates and fills defaults; it starts nothing.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { type FabricNetworkFileConfig, parseFabricNetworkFile } from '../network/fabric/config.ts';
import { type CollectionConfig, implicitCollections, readCollectionsFile } from '../network/embedded/private-data-collections.ts';
import { durationOrNaN } from '../stats/format.ts';
import { ConfigError } from './errors.ts';
import { parseYaml } from './yaml.ts';

/** A principal in a signature policy: `'Org1MSP.peer'`. */
export interface PolicyPrincipal {
  type: 'principal';
  mspId: string;
  role: 'member' | 'peer' | 'admin' | 'client' | 'orderer';
}

/** `OutOf(n, ...)`; `AND` is `OutOf(all)`, `OR` is `OutOf(1)`. */
export interface PolicyOutOf {
  type: 'outOf';
  n: number;
  rules: SignaturePolicy[];
}

/** A parsed Fabric signature policy expression. */
export type SignaturePolicy = PolicyPrincipal | PolicyOutOf;

/** One chaincode deployed on a channel of the embedded network. */
export interface EmbeddedChaincode {
  name: string;
  /** Absolute path of the chaincode module (file or folder). */
  path: string;
  /** The policy as written (for messages). */
  endorsementPolicy: string;
  policy: SignaturePolicy;
  /** Private data collections: the `collections:` file's (Fabric's collections_config.json) and the implicit per-organization ones. */
  collections: CollectionConfig[];
}

/** An organization of the embedded network. */
export interface EmbeddedOrganization {
  mspId: string;
  peers: number;
  users: number;
  /**
   * An existing CA to issue this organization's certificates (PEM files, absolute paths); a fresh CA
   * is generated when absent.
   */
  ca?: { certFile: string; keyFile: string };
}

/** A validated `type: embedded` network file with every default filled in. */
export interface EmbeddedNetworkConfig {
  type: 'embedded';
  /** Absolute path of the file it came from. */
  file: string;
  name: string;
  tls: boolean;
  verifySignatures: boolean;
  organizations: EmbeddedOrganization[];
  orderer: {
    batchSize: { maxMessageCount: number; absoluteMaxBytes: number; preferredMaxBytes: number };
    /** Milliseconds. */
    batchTimeoutMs: number;
  };
  channels: Array<{ name: string; chaincodes: EmbeddedChaincode[] }>;
}

/** A network file that is not `type: embedded`: a Fabric connection profile (maybe with Caliper keys). */
export interface ProfileNetworkConfig {
  type: 'profile';
  file: string;
  /** Caliper's `caliper.command.start` / `end`, run before and after the benchmark. */
  commands: { start?: string; end?: string };
  raw: Record<string, unknown>;
}

/** What {@link loadNetworkFile} returns. */
export type NetworkFileConfig = EmbeddedNetworkConfig | ProfileNetworkConfig | FabricNetworkFileConfig;

/** Fabric's test-network values (configtx.yaml): BatchTimeout 2s, MaxMessageCount 10, 99 MB, 512 KB. */
export const FABRIC_BATCH_DEFAULTS = {
  maxMessageCount: 10,
  absoluteMaxBytes: 103_809_024,
  preferredMaxBytes: 524_288,
  batchTimeoutMs: 2000,
} as const;

const TOP_KEYS = ['type', 'name', 'tls', 'verifySignatures', 'organizations', 'orderer', 'channels'];
const ORG_KEYS = ['mspId', 'peers', 'users', 'ca'];
const ROLES = ['member', 'peer', 'admin', 'client', 'orderer'] as const;

/** Read, parse and validate a network file. Throws ConfigError for anything wrong with it. */
export function loadNetworkFile(file: string): NetworkFileConfig {
  const abs = resolve(file);
  let text: string;
  try {
    text = readFileSync(abs, 'utf8');
  } catch (err) {
    throw new ConfigError(abs, '(file)', `cannot be read (${(err as Error).message})`, 'point to an existing network file');
  }
  // YAML as Caliper reads it (merge keys expanded); a syntax error names its line and column.
  if (!abs.endsWith('.json')) return parseNetworkConfig(parseYaml(text, abs), abs);
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(abs, '(file)', `is not valid JSON: ${(err as Error).message.split('\n')[0]}`, 'fix the syntax');
  }
  return parseNetworkConfig(doc, abs);
}

/** Validate an already parsed network document; `file` is used in messages and to resolve paths. */
export function parseNetworkConfig(doc: unknown, file: string): NetworkFileConfig {
  if (!isObject(doc)) {
    throw new ConfigError(file, '(root)', 'must be a mapping', 'write `type: embedded` and the network fields, or a Fabric connection profile');
  }
  if (doc.type === 'fabric') return parseFabricNetworkFile(doc, file);
  if (doc.type !== 'embedded') return parseProfile(doc, file);
  return parseEmbedded(doc, file);
}

function parseProfile(doc: Record<string, unknown>, file: string): ProfileNetworkConfig {
  const commands: { start?: string; end?: string } = {};
  const caliper = doc.caliper;
  if (isObject(caliper) && caliper.command !== undefined) {
    const command = caliper.command;
    if (!isObject(command)) {
      throw new ConfigError(file, 'caliper.command', 'must be a mapping with start/end', 'write `command: { start: "...", end: "..." }`');
    }
    for (const k of ['start', 'end'] as const) {
      const v = command[k];
      if (v === undefined) continue;
      if (typeof v !== 'string' || v.trim() === '') {
        throw new ConfigError(file, `caliper.command.${k}`, 'must be a non-empty shell command', 'write a command string or remove the field');
      }
      commands[k] = v;
    }
  }
  return { type: 'profile', file, commands, raw: doc };
}

function parseEmbedded(doc: Record<string, unknown>, file: string): EmbeddedNetworkConfig {
  unknownKeys(doc, TOP_KEYS, file, '');
  const name = optString(doc, 'name', file, '') ?? 'embedded';
  const tls = optBool(doc, 'tls', file, '') ?? false;
  const verifySignatures = optBool(doc, 'verifySignatures', file, '') ?? true;

  const orgsRaw = doc.organizations ?? [{ mspId: 'Org1MSP' }];
  if (!Array.isArray(orgsRaw) || orgsRaw.length === 0) {
    throw new ConfigError(file, 'organizations', 'must be a non-empty list', 'list organizations, e.g. `- mspId: Org1MSP`');
  }
  const organizations: EmbeddedOrganization[] = orgsRaw.map((o, i) => {
    const at = `organizations[${i}]`;
    if (!isObject(o)) throw new ConfigError(file, at, 'must be a mapping', 'write `- mspId: Org1MSP`');
    unknownKeys(o, ORG_KEYS, file, `${at}.`);
    const mspId = optString(o, 'mspId', file, `${at}.`);
    if (!mspId || !/^[A-Za-z0-9_-]+$/.test(mspId)) {
      throw new ConfigError(file, `${at}.mspId`, 'must be a name of letters, digits, - and _', 'write e.g. `mspId: Org1MSP`');
    }
    const peers = optInt(o, 'peers', file, `${at}.`, 1, 16) ?? 1;
    const users = optInt(o, 'users', file, `${at}.`, 1, 1000) ?? 4;
    let ca: EmbeddedOrganization['ca'];
    if (o.ca !== undefined) {
      if (!isObject(o.ca)) throw new ConfigError(file, `${at}.ca`, 'must be a mapping', 'write `ca: { certFile: ca.pem, keyFile: ca.key }`');
      unknownKeys(o.ca, ['certFile', 'keyFile'], file, `${at}.ca.`);
      const certFile = existingFile(o.ca, 'certFile', file, `${at}.ca.`);
      const keyFile = existingFile(o.ca, 'keyFile', file, `${at}.ca.`);
      ca = { certFile, keyFile };
    }
    return { mspId, peers, users, ca };
  });
  const seen = new Set<string>();
  organizations.forEach((o, i) => {
    if (seen.has(o.mspId)) {
      throw new ConfigError(file, `organizations[${i}].mspId`, `${o.mspId} is listed twice`, 'give every organization its own mspId');
    }
    seen.add(o.mspId);
  });

  const orderer = parseOrderer(doc.orderer, file);

  const chRaw = doc.channels;
  if (!Array.isArray(chRaw) || chRaw.length === 0) {
    throw new ConfigError(file, 'channels', 'must be a non-empty list', 'add `channels: [{ name: mychannel, chaincodes: [...] }]`');
  }
  const chNames = new Set<string>();
  const channels = chRaw.map((c, i) => {
    const at = `channels[${i}]`;
    if (!isObject(c)) throw new ConfigError(file, at, 'must be a mapping', 'write `- name: mychannel`');
    unknownKeys(c, ['name', 'chaincodes'], file, `${at}.`);
    const cname = optString(c, 'name', file, `${at}.`);
    if (!cname || !/^[a-z][a-z0-9.-]*$/.test(cname)) {
      throw new ConfigError(file, `${at}.name`, 'must be a Fabric channel name (lower case letters, digits, dots, dashes)', 'write e.g. `name: mychannel`');
    }
    if (chNames.has(cname)) throw new ConfigError(file, `${at}.name`, `channel ${cname} is listed twice`, 'merge the two entries');
    chNames.add(cname);
    const ccRaw = c.chaincodes ?? [];
    if (!Array.isArray(ccRaw)) throw new ConfigError(file, `${at}.chaincodes`, 'must be a list', 'write `chaincodes: [{ name, path }]`');
    const ccNames = new Set<string>();
    const chaincodes = ccRaw.map((cc, j) => {
      const cat = `${at}.chaincodes[${j}]`;
      if (!isObject(cc)) throw new ConfigError(file, cat, 'must be a mapping', 'write `- name: simple` and `path: ...`');
      unknownKeys(cc, ['name', 'path', 'endorsementPolicy', 'collections'], file, `${cat}.`);
      const ccName = optString(cc, 'name', file, `${cat}.`);
      if (!ccName || !/^[A-Za-z0-9_.+-]+$/.test(ccName)) {
        throw new ConfigError(file, `${cat}.name`, 'must be a chaincode name (letters, digits, _ . + -)', 'write e.g. `name: simple`');
      }
      if (ccNames.has(ccName)) throw new ConfigError(file, `${cat}.name`, `chaincode ${ccName} is listed twice`, 'remove one entry');
      ccNames.add(ccName);
      const rel = optString(cc, 'path', file, `${cat}.`);
      if (!rel) throw new ConfigError(file, `${cat}.path`, 'is required', 'give the chaincode module path, relative to the network file');
      const path = resolve(dirname(file), rel);
      if (!existsSync(path)) {
        throw new ConfigError(file, `${cat}.path`, `${path} does not exist`, 'point to a chaincode module (file or folder) relative to the network file');
      }
      const written = optString(cc, 'endorsementPolicy', file, `${cat}.`) ?? majorityPolicy(organizations.map((o) => o.mspId));
      let policy: SignaturePolicy;
      try {
        policy = parseSignaturePolicy(written);
      } catch (err) {
        throw new ConfigError(file, `${cat}.endorsementPolicy`, (err as Error).message, `write a Fabric signature policy, e.g. "OR('Org1MSP.peer','Org2MSP.peer')"`);
      }
      for (const p of principals(policy)) {
        if (!seen.has(p.mspId)) {
          throw new ConfigError(file, `${cat}.endorsementPolicy`, `names ${p.mspId}, which is not an organization of this network`, `use one of ${[...seen].join(', ')}`);
        }
      }
      const collRel = optString(cc, 'collections', file, `${cat}.`);
      const collections = [...(collRel ? readCollectionsFile(file, `${cat}.collections`, resolve(dirname(file), collRel), organizations) : []), ...implicitCollections(organizations)];
      return { name: ccName, path, endorsementPolicy: written, policy, collections };
    });
    return { name: cname, chaincodes };
  });

  return { type: 'embedded', file, name, tls, verifySignatures, organizations, orderer, channels };
}

function parseOrderer(raw: unknown, file: string): EmbeddedNetworkConfig['orderer'] {
  const d = FABRIC_BATCH_DEFAULTS;
  if (raw === undefined) {
    return {
      batchSize: { maxMessageCount: d.maxMessageCount, absoluteMaxBytes: d.absoluteMaxBytes, preferredMaxBytes: d.preferredMaxBytes },
      batchTimeoutMs: d.batchTimeoutMs,
    };
  }
  if (!isObject(raw)) throw new ConfigError(file, 'orderer', 'must be a mapping', 'write `orderer: { batchSize: {...}, batchTimeout: 2s }`');
  unknownKeys(raw, ['batchSize', 'batchTimeout'], file, 'orderer.');
  const bs = raw.batchSize ?? {};
  if (!isObject(bs)) throw new ConfigError(file, 'orderer.batchSize', 'must be a mapping', 'write `batchSize: { maxMessageCount: 10 }`');
  unknownKeys(bs, ['maxMessageCount', 'absoluteMaxBytes', 'preferredMaxBytes'], file, 'orderer.batchSize.');
  const maxMessageCount = optInt(bs, 'maxMessageCount', file, 'orderer.batchSize.', 1, 100_000) ?? d.maxMessageCount;
  const absoluteMaxBytes = optInt(bs, 'absoluteMaxBytes', file, 'orderer.batchSize.', 1024, 2 ** 31) ?? d.absoluteMaxBytes;
  const preferredMaxBytes = optInt(bs, 'preferredMaxBytes', file, 'orderer.batchSize.', 1024, 2 ** 31) ?? d.preferredMaxBytes;
  if (preferredMaxBytes > absoluteMaxBytes) {
    throw new ConfigError(file, 'orderer.batchSize.preferredMaxBytes', 'is larger than absoluteMaxBytes', 'make preferredMaxBytes <= absoluteMaxBytes');
  }
  let batchTimeoutMs: number = d.batchTimeoutMs;
  if (raw.batchTimeout !== undefined) {
    // Only text, as in Fabric's configtx.yaml: a bare number would leave the unit to guesswork.
    const ms = typeof raw.batchTimeout === 'string' ? durationOrNaN(raw.batchTimeout) : Number.NaN;
    if (!(ms > 0 && ms <= 3_600_000)) {
      throw new ConfigError(file, 'orderer.batchTimeout', `${JSON.stringify(raw.batchTimeout)} is not a duration between 1ms and 1h`, 'write a duration with a unit, e.g. 2s or 250ms');
    }
    batchTimeoutMs = ms;
  }
  return { batchSize: { maxMessageCount, absoluteMaxBytes, preferredMaxBytes }, batchTimeoutMs };
}

/** Fabric's default channel endorsement policy (MAJORITY Endorsement) written as a signature policy. */
export function majorityPolicy(mspIds: string[]): string {
  const n = Math.floor(mspIds.length / 2) + 1;
  return `OutOf(${n}, ${mspIds.map((m) => `'${m}.peer'`).join(', ')})`;
}

/** Every principal named anywhere in a policy. */
export function principals(p: SignaturePolicy): PolicyPrincipal[] {
  return p.type === 'principal' ? [p] : p.rules.flatMap(principals);
}

/**
 * Parse Fabric's signature policy language: `AND(...)`, `OR(...)`, `OutOf(n, ...)` over quoted
 * principals `'MSPID.role'`. Throws an Error saying where the text went wrong.
 */
export function parseSignaturePolicy(text: string): SignaturePolicy {
  let pos = 0;
  const fail = (what: string): never => {
    throw new Error(`bad policy syntax at character ${pos + 1} of ${JSON.stringify(text)}: ${what}`);
  };
  const ws = () => {
    while (pos < text.length && /\s/.test(text[pos])) pos++;
  };
  const expr = (): SignaturePolicy => {
    ws();
    const q = text[pos];
    if (q === "'" || q === '"') {
      const end = text.indexOf(q, pos + 1);
      if (end < 0) fail('unterminated quote');
      const body = text.slice(pos + 1, end);
      const dot = body.lastIndexOf('.');
      const role = body.slice(dot + 1).toLowerCase();
      if (dot <= 0 || !(ROLES as readonly string[]).includes(role)) {
        fail(`principal '${body}' must be 'MSPID.role' with role one of ${ROLES.join(', ')}`);
      }
      pos = end + 1;
      return { type: 'principal', mspId: body.slice(0, dot), role: role as PolicyPrincipal['role'] };
    }
    const m = /^(AND|OR|OutOf)\s*\(/i.exec(text.slice(pos));
    if (!m) fail("expected AND(, OR(, OutOf( or a quoted principal like 'Org1MSP.peer'");
    const op = m![1].toLowerCase();
    pos += m![0].length;
    let n = -1;
    if (op === 'outof') {
      ws();
      const num = /^\d+/.exec(text.slice(pos));
      if (!num) fail('OutOf needs a count first');
      n = Number(num![0]);
      pos += num![0].length;
      ws();
      if (text[pos] !== ',') fail("expected ',' after the OutOf count");
      pos++;
    }
    const rules: SignaturePolicy[] = [expr()];
    ws();
    while (text[pos] === ',') {
      pos++;
      rules.push(expr());
      ws();
    }
    if (text[pos] !== ')') fail("expected ',' or ')'");
    pos++;
    if (op === 'and') n = rules.length;
    if (op === 'or') n = 1;
    if (n < 1 || n > rules.length) fail(`OutOf count ${n} must be between 1 and ${rules.length}`);
    return { type: 'outOf', n, rules };
  };
  const result = expr();
  ws();
  if (pos !== text.length) fail('unexpected text after the policy');
  return result;
}

/** A YAML/JSON mapping (not null, not a list). Shared with the other network kinds' readers. */
export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function unknownKeys(o: Record<string, unknown>, allowed: string[], file: string, at: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) {
      throw new ConfigError(file, `${at}${k}`, 'is not a known field', `remove it; allowed here: ${allowed.join(', ')}`);
    }
  }
}

/** An optional string field; a ConfigError naming the field for anything else. */
export function optString(o: Record<string, unknown>, k: string, file: string, at: string): string | undefined {
  const v = o[k];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ConfigError(file, `${at}${k}`, `must be a string, got ${JSON.stringify(v)}`, 'quote the value');
  return v;
}

function optBool(o: Record<string, unknown>, k: string, file: string, at: string): boolean | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw new ConfigError(file, `${at}${k}`, `must be true or false, got ${JSON.stringify(v)}`, 'write true or false');
  return v;
}

function optInt(o: Record<string, unknown>, k: string, file: string, at: string, min: number, max: number): number | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new ConfigError(file, `${at}${k}`, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`, `write a number between ${min} and ${max}`);
  }
  return v;
}

function existingFile(o: Record<string, unknown>, k: string, file: string, at: string): string {
  const rel = optString(o, k, file, at);
  if (!rel) throw new ConfigError(file, `${at}${k}`, 'is required', 'give a PEM file path relative to the network file');
  const abs = resolve(dirname(file), rel);
  if (!existsSync(abs) || !statSync(abs).isFile()) {
    throw new ConfigError(file, `${at}${k}`, `${abs} does not exist`, 'give a PEM file path relative to the network file');
  }
  return abs;
}
