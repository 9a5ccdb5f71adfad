/**
 * The `type: fabric` network file: a real Fabric network that ledgerbench brings up natively from a
 * folder of Fabric release binaries (peer, orderer, configtxgen, cryptogen, osnadmin). This module only
 * validates and fills defaults; it starts nothing. Every problem is a ConfigError naming the file, the
 * field and the fix, as for the embedded network's file.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '../../config/errors.ts';
import { FABRIC_BATCH_DEFAULTS, isObject, majorityPolicy, optString, parseSignaturePolicy, principals } from '../../config/network-file.ts';
import { durationOrNaN } from '../../stats/format.ts';
import { serviceKind, START_SCRIPT_SHAPES } from './chaincode-service.ts';

/** One chaincode deployed with Fabric's lifecycle on a channel, run as a service next to each peer. */
export interface FabricChaincodeConfig {
  name: string;
  /** Absolute path of the Node chaincode folder (its own package.json). */
  path: string;
  version: string;
  sequence: number;
  /** Signature policy as written, handed to `peer lifecycle chaincode approveformyorg/commit`. */
  endorsementPolicy: string;
  /**
   * The definition requires an init transaction (`--init-required`), which ledgerbench sends right
   * after the commit (`--isInit`) with this function and arguments.
   */
  init?: { function: string; args: string[] };
  /** Absolute path of the private data collections config (Fabric's JSON), when the chaincode has one. */
  collections?: string;
}

/** An organization with its peers and client users (cryptogen's PeerOrgs entry). */
export interface FabricOrganizationConfig {
  mspId: string;
  /** DNS domain of the organization's certificates, e.g. `org1.example.com`. */
  domain: string;
  peers: number;
  users: number;
}

/** The consensus of a native network's ordering service, as Fabric's configtx.yaml spells it. */
export type FabricOrdererType = 'etcdraft' | 'BFT';

/** A validated `type: fabric` network file with every default filled in. */
export interface FabricNetworkFileConfig {
  type: 'fabric';
  /** Absolute path of the file it came from. */
  file: string;
  name: string;
  /** The `binaries` field resolved against the file's folder, when given. */
  binaries?: string;
  /** `version: 1.4`: brought up the Fabric 1.4 way (src/network/fabric/v1/); absent: Fabric 2.x/3.x. */
  version?: '1.4';
  /**
   * `stateDir` resolved against the file's folder: where crypto material, node folders, ledgers and
   * logs go, kept after stop for a look at the logs. Absent: a fresh temp folder, removed at stop.
   */
  stateDir?: string;
  organizations: FabricOrganizationConfig[];
  orderer: {
    /**
     * `etcdraft` (the default; 1 to 5 nodes) or `BFT` (SmartBFT, Fabric 3.x only; 4 to 7 nodes, as
     * tolerating f faulty orderers takes 3f+1). Which Fabric the binaries are is known only at start,
     * so the 3.x check is made there (network.ts).
     */
    type: FabricOrdererType;
    nodes: number;
    batchSize: { maxMessageCount: number; absoluteMaxBytes: number; preferredMaxBytes: number };
    /** Milliseconds. */
    batchTimeoutMs: number;
  };
  channels: Array<{ name: string; chaincodes: FabricChaincodeConfig[] }>;
}

const TOP_KEYS = ['type', 'name', 'version', 'binaries', 'stateDir', 'organizations', 'orderer', 'channels'];
const ORG_KEYS = ['mspId', 'domain', 'peers', 'users'];
const ORDERER_KEYS = ['type', 'nodes', 'batchSize', 'batchTimeout'];
const CHAINCODE_KEYS = ['name', 'path', 'version', 'sequence', 'endorsementPolicy', 'init', 'collections'];

type Obj = Record<string, unknown>;

/** Validate a parsed `type: fabric` document; `file` is used in messages and to resolve paths. */
export function parseFabricNetworkFile(doc: Obj, file: string): FabricNetworkFileConfig {
  unknownKeys(doc, TOP_KEYS, file, '');
  const name = optString(doc, 'name', file, '') ?? 'fabric';
  const binariesRel = optString(doc, 'binaries', file, '');
  const binaries = binariesRel === undefined ? undefined : resolve(dirname(file), binariesRel);
  const stateRel = optString(doc, 'stateDir', file, '');
  const stateDir = stateRel === undefined ? undefined : resolve(dirname(file), stateRel);
  if (doc.version !== undefined && String(doc.version) !== '1.4') {
    throw new ConfigError(file, 'version', `${JSON.stringify(doc.version)} is not a network version ledgerbench brings up`, 'write `version: "1.4"` for a Fabric 1.4 network, or leave it out for Fabric 2.x/3.x');
  }
  const version = doc.version === undefined ? undefined : ('1.4' as const);

  const orgsRaw = doc.organizations;
  if (!Array.isArray(orgsRaw) || orgsRaw.length === 0) {
    throw new ConfigError(file, 'organizations', 'must be a non-empty list', 'list organizations, e.g. `- { mspId: Org1MSP, peers: 1, users: 2 }`');
  }
  const mspIds = new Set<string>();
  const domains = new Set<string>();
  const organizations = orgsRaw.map((o, i): FabricOrganizationConfig => {
    const at = `organizations[${i}]`;
    if (!isObject(o)) throw new ConfigError(file, at, 'must be a mapping', 'write `- { mspId: Org1MSP, peers: 1 }`');
    unknownKeys(o, ORG_KEYS, file, `${at}.`);
    const mspId = optString(o, 'mspId', file, `${at}.`);
    if (!mspId || !/^[A-Za-z0-9-]+$/.test(mspId)) {
      throw new ConfigError(file, `${at}.mspId`, 'must be a name of letters, digits and -', 'write e.g. `mspId: Org1MSP`');
    }
    if (mspIds.has(mspId)) throw new ConfigError(file, `${at}.mspId`, `${mspId} is listed twice`, 'give every organization its own mspId');
    mspIds.add(mspId);
    // Org1MSP -> org1.example.com, as in fabric-samples' test-network.
    const domain = optString(o, 'domain', file, `${at}.`) ?? `${mspId.replace(/MSP$/, '').toLowerCase()}.example.com`;
    if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(domain) || domain === 'example.com') {
      throw new ConfigError(file, `${at}.domain`, `${JSON.stringify(domain)} is not a DNS domain of its own`, 'write e.g. `domain: org1.example.com` (example.com is the orderer organization\'s)');
    }
    if (domains.has(domain)) throw new ConfigError(file, `${at}.domain`, `${domain} is used twice`, 'give every organization its own domain');
    domains.add(domain);
    const peers = optInt(o, 'peers', file, `${at}.`, 1, 8) ?? 1;
    const users = optInt(o, 'users', file, `${at}.`, 1, 100) ?? 2;
    return { mspId, domain, peers, users };
  });

  const orderer = parseOrderer(doc.orderer, file);
  if (version === '1.4' && orderer.type === 'BFT') {
    throw new ConfigError(file, 'orderer.type', 'BFT (SmartBFT) exists from Fabric 3.0 on; a Fabric 1.4 network has one solo orderer', 'remove `version: "1.4"` and use Fabric 3.x binaries, or write `type: etcdraft` with `nodes: 1`');
  }

  const chRaw = doc.channels;
  if (!Array.isArray(chRaw) || chRaw.length === 0) {
    throw new ConfigError(file, 'channels', 'must be a non-empty list', 'add `channels: [{ name: mychannel, chaincodes: [...] }]`');
  }
  const channelNames = new Set<string>();
  const channels = chRaw.map((c, i) => {
    const at = `channels[${i}]`;
    if (!isObject(c)) throw new ConfigError(file, at, 'must be a mapping', 'write `- name: mychannel`');
    unknownKeys(c, ['name', 'chaincodes'], file, `${at}.`);
    const cname = optString(c, 'name', file, `${at}.`);
    // Fabric's own rule for channel names (configtx validation): lower case, starts with a letter.
    if (!cname || !/^[a-z][a-z0-9.-]{0,248}$/.test(cname)) {
      throw new ConfigError(file, `${at}.name`, 'must be a Fabric channel name (lower case letters, digits, dots, dashes; a letter first)', 'write e.g. `name: mychannel`');
    }
    if (channelNames.has(cname)) throw new ConfigError(file, `${at}.name`, `channel ${cname} is listed twice`, 'merge the two entries');
    channelNames.add(cname);
    const ccRaw = c.chaincodes ?? [];
    if (!Array.isArray(ccRaw)) throw new ConfigError(file, `${at}.chaincodes`, 'must be a list', 'write `chaincodes: [{ name, path }]`');
    const ccNames = new Set<string>();
    const chaincodes = ccRaw.map((cc, j) => {
      const cat = `${at}.chaincodes[${j}]`;
      const chaincode = parseChaincode(cc, file, cat, [...mspIds]);
      if (ccNames.has(chaincode.name)) throw new ConfigError(file, `${cat}.name`, `chaincode ${chaincode.name} is listed twice`, 'remove one entry');
      ccNames.add(chaincode.name);
      return chaincode;
    });
    return { name: cname, chaincodes };
  });

  return { type: 'fabric', file, name, ...(version ? { version } : {}), binaries, stateDir, organizations, orderer, channels };
}

function parseChaincode(cc: unknown, file: string, at: string, mspIds: string[]): FabricChaincodeConfig {
  if (!isObject(cc)) throw new ConfigError(file, at, 'must be a mapping', 'write `- { name: simple, path: ../chaincode/simple }`');
  unknownKeys(cc, CHAINCODE_KEYS, file, `${at}.`);
  const name = optString(cc, 'name', file, `${at}.`);
  // Fabric's lifecycle accepts chaincode names matching ^[a-zA-Z0-9]+([-_][a-zA-Z0-9]+)*$.
  if (!name || !/^[a-zA-Z0-9]+([-_][a-zA-Z0-9]+)*$/.test(name)) {
    throw new ConfigError(file, `${at}.name`, 'must be a Fabric chaincode name (letters and digits, joined by single - or _)', 'write e.g. `name: simple`');
  }
  const rel = optString(cc, 'path', file, `${at}.`);
  if (!rel) throw new ConfigError(file, `${at}.path`, 'is required', 'give the Node chaincode folder, relative to the network file');
  const path = resolve(dirname(file), rel);
  if (!existsSync(path) || !statSync(path).isDirectory()) {
    throw new ConfigError(file, `${at}.path`, `${path} is not a folder`, 'point to a Node chaincode folder (with its package.json) relative to the network file');
  }
  const pkgFile = join(path, 'package.json');
  if (!existsSync(pkgFile)) {
    throw new ConfigError(file, `${at}.path`, `${path} has no package.json`, 'point to a Node chaincode folder with its own package.json, as `peer lifecycle chaincode package --lang node` expects');
  }
  try {
    JSON.parse(readFileSync(pkgFile, 'utf8'));
  } catch (err) {
    throw new ConfigError(file, `${at}.path`, `${pkgFile} is not valid JSON (${(err as Error).message})`, 'fix the chaincode\'s package.json');
  }
  if (!serviceKind(path)) {
    throw new ConfigError(file, `${at}.path`, `${pkgFile} has no start script ledgerbench can run as a chaincode service`, `write ${START_SCRIPT_SHAPES} in its scripts, as a Fabric peer would need for \`npm start\``);
  }
  const versionRaw = cc.version ?? '1.0';
  if ((typeof versionRaw !== 'string' && typeof versionRaw !== 'number') || !/^[A-Za-z0-9_.+-]+$/.test(String(versionRaw))) {
    throw new ConfigError(file, `${at}.version`, `${JSON.stringify(versionRaw)} is not a chaincode version`, 'write e.g. `version: "1.0"`');
  }
  const sequence = optInt(cc, 'sequence', file, `${at}.`, 1, 1_000_000) ?? 1;
  const endorsementPolicy = optString(cc, 'endorsementPolicy', file, `${at}.`) ?? majorityPolicy(mspIds);
  let policy;
  try {
    policy = parseSignaturePolicy(endorsementPolicy);
  } catch (err) {
    throw new ConfigError(file, `${at}.endorsementPolicy`, (err as Error).message, `write a Fabric signature policy, e.g. "OR('Org1MSP.peer','Org2MSP.peer')"`);
  }
  for (const p of principals(policy)) {
    if (!mspIds.includes(p.mspId)) {
      throw new ConfigError(file, `${at}.endorsementPolicy`, `names ${p.mspId}, which is not an organization of this network`, `use one of ${mspIds.join(', ')}`);
    }
  }
  const collections = parseCollections(cc, file, at);
  return { name, path, version: String(versionRaw), sequence, endorsementPolicy, init: parseInit(cc.init, file, `${at}.init`), collections };
}

/** The collections file must be Fabric's JSON list of collection definitions, each with a name. */
function parseCollections(cc: Obj, file: string, at: string): string | undefined {
  const rel = optString(cc, 'collections', file, `${at}.`);
  if (rel === undefined) return undefined;
  const path = resolve(dirname(file), rel);
  const fix = 'point to a JSON file of collection definitions, e.g. `[{ "name": "shared", "policy": "OR(\'Org1MSP.member\')", "requiredPeerCount": 0, "maxPeerCount": 1, "blockToLive": 0 }]`';
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(file, `${at}.collections`, `${path} cannot be read as JSON (${(err as Error).message})`, fix);
  }
  if (!Array.isArray(doc) || doc.length === 0 || !doc.every((c) => isObject(c) && typeof c.name === 'string' && typeof c.policy === 'string')) {
    throw new ConfigError(file, `${at}.collections`, `${path} is not a list of collections with a name and a policy each`, fix);
  }
  return path;
}

function parseInit(raw: unknown, file: string, at: string): FabricChaincodeConfig['init'] {
  if (raw === undefined) return undefined;
  const fix = 'write `init: { function: InitLedger, args: [] }` (the definition then requires it, and ledgerbench sends it after the commit)';
  if (!isObject(raw)) throw new ConfigError(file, at, 'must be a mapping', fix);
  unknownKeys(raw, ['function', 'args'], file, `${at}.`);
  const fn = optString(raw, 'function', file, `${at}.`);
  if (!fn) throw new ConfigError(file, `${at}.function`, 'is required', fix);
  const args = raw.args ?? [];
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string')) {
    throw new ConfigError(file, `${at}.args`, 'must be a list of strings', 'quote every argument, e.g. `args: ["a", "100"]`');
  }
  return { function: fn, args: args as string[] };
}

function parseOrderer(raw: unknown, file: string): FabricNetworkFileConfig['orderer'] {
  const d = FABRIC_BATCH_DEFAULTS;
  const o = raw ?? {};
  if (!isObject(o)) throw new ConfigError(file, 'orderer', 'must be a mapping', 'write `orderer: { type: etcdraft, nodes: 1, batchTimeout: 2s }`');
  unknownKeys(o, ORDERER_KEYS, file, 'orderer.');
  const type = ordererType(o.type, file);
  const nodes = type === 'BFT' ? bftNodes(o, file) : (optInt(o, 'nodes', file, 'orderer.', 1, 5) ?? 1);
  const bs = o.batchSize ?? {};
  if (!isObject(bs)) throw new ConfigError(file, 'orderer.batchSize', 'must be a mapping', 'write `batchSize: { maxMessageCount: 10 }`');
  unknownKeys(bs, ['maxMessageCount', 'absoluteMaxBytes', 'preferredMaxBytes'], file, 'orderer.batchSize.');
  const maxMessageCount = optInt(bs, 'maxMessageCount', file, 'orderer.batchSize.', 1, 100_000) ?? d.maxMessageCount;
  const absoluteMaxBytes = optInt(bs, 'absoluteMaxBytes', file, 'orderer.batchSize.', 1024, 2 ** 31) ?? d.absoluteMaxBytes;
  const preferredMaxBytes = optInt(bs, 'preferredMaxBytes', file, 'orderer.batchSize.', 1024, 2 ** 31) ?? d.preferredMaxBytes;
  if (preferredMaxBytes > absoluteMaxBytes) {
    throw new ConfigError(file, 'orderer.batchSize.preferredMaxBytes', 'is larger than absoluteMaxBytes', 'make preferredMaxBytes <= absoluteMaxBytes');
  }
  let batchTimeoutMs: number = d.batchTimeoutMs;
  if (o.batchTimeout !== undefined) {
    const ms = typeof o.batchTimeout === 'string' ? durationOrNaN(o.batchTimeout) : Number.NaN;
    if (!(ms >= 1 && ms <= 3_600_000)) {
      throw new ConfigError(file, 'orderer.batchTimeout', `${JSON.stringify(o.batchTimeout)} is not a duration between 1ms and 1h`, 'write a duration with a unit, e.g. 2s or 500ms');
    }
    batchTimeoutMs = ms;
  }
  return { type, nodes, batchSize: { maxMessageCount, absoluteMaxBytes, preferredMaxBytes }, batchTimeoutMs };
}

/** `etcdraft` (default) or `BFT`; SmartBFT's other spellings are accepted for Fabric's one. */
function ordererType(raw: unknown, file: string): FabricOrdererType {
  if (raw === undefined || raw === 'etcdraft') return 'etcdraft';
  if (typeof raw === 'string' && /^(smart)?bft$/i.test(raw)) return 'BFT';
  throw new ConfigError(file, 'orderer.type', `${JSON.stringify(raw)} is not a consensus ledgerbench brings up`, 'write `type: etcdraft` (Raft, 1 to 5 nodes; the default) or `type: BFT` (SmartBFT, Fabric 3.x, 4 to 7 nodes)');
}

/** SmartBFT tolerates f faulty orderers with 3f+1 of them: fewer than 4 tolerate none. */
function bftNodes(o: Obj, file: string): number {
  const v = o.nodes;
  if (v === undefined) return 4;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 4 || v > 7) {
    throw new ConfigError(file, 'orderer.nodes', `must be a whole number from 4 to 7 with type BFT, got ${JSON.stringify(v)}`, 'write `nodes: 4` (SmartBFT needs 3f+1 orderers to tolerate f faulty ones), or use `type: etcdraft` for fewer');
  }
  return v;
}

function unknownKeys(o: Obj, allowed: string[], file: string, at: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) {
      const near = allowed.find((a) => a.toLowerCase() === k.toLowerCase() || editDistance(a, k) <= 2);
      const hint = near ? `did you mean \`${near}\`? ` : '';
      throw new ConfigError(file, `${at}${k}`, 'is not a known field', `${hint}allowed here: ${allowed.join(', ')}`);
    }
  }
}

/** Levenshtein distance, to suggest the field a typo meant. */
function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diag = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, diag + (a[i - 1] === b[j - 1] ? 0 : 1));
      diag = up;
    }
  }
  return row[b.length];
}

function optInt(o: Obj, k: string, file: string, at: string, min: number, max: number): number | undefined {
  const v = o[k];
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    const fix = min === max ? `write ${min} (the only value this version of ledgerbench supports)` : `write a whole number between ${min} and ${max}`;
    throw new ConfigError(file, `${at}${k}`, `must be a whole number from ${min} to ${max}, got ${JSON.stringify(v)}`, fix);
  }
  return v;
}
