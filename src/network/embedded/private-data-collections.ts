/**
 * Private data collection definitions of a chaincode, read from a file of the shape Fabric's
 * `peer lifecycle chaincode approveformyorg --collections-config` takes (collections_config.json):
 * a JSON list of { name, policy, requiredPeerCount, maxPeerCount, blockToLive, memberOnlyRead,
 * memberOnlyWrite, endorsementPolicy: { signaturePolicy } }.
 */
import { existsSync, readFileSync } from 'node:fs';
import { ConfigError } from '../../config/errors.ts';
import { parseSignaturePolicy, principals, type SignaturePolicy } from '../../config/network-file.ts';

/** One collection as the network enforces it. */
export interface CollectionConfig {
  name: string;
  /** The member policy as written (for messages). */
  policyText: string;
  /** MSP ids of the member organizations: the ones that keep the private values. */
  members: Set<string>;
  requiredPeerCount: number;
  maxPeerCount: number;
  /** Blocks the values are kept after the block that wrote them; 0 = forever. */
  blockToLive: number;
  memberOnlyRead: boolean;
  memberOnlyWrite: boolean;
  /** Collection-level endorsement policy: replaces the chaincode's for writes to this collection. */
  endorsementPolicy?: SignaturePolicy;
  /** Peers of the member organizations in this network (private data can reach only these). */
  memberPeers: number;
}

const KEYS = ['name', 'policy', 'requiredPeerCount', 'maxPeerCount', 'blockToLive', 'memberOnlyRead', 'memberOnlyWrite', 'endorsementPolicy'];
const EXAMPLE = `[{"name": "privateAssets", "policy": "OR('Org1MSP.member')", "requiredPeerCount": 0, "maxPeerCount": 1, "blockToLive": 0, "memberOnlyRead": true, "memberOnlyWrite": true}]`;

/**
 * Read and validate a collections file (absolute path) against the network's organizations.
 * Errors name the file and the field, or the network file's field when the file is missing.
 */
export function readCollectionsFile(networkFile: string, field: string, path: string, orgs: Array<{ mspId: string; peers: number }>): CollectionConfig[] {
  if (!existsSync(path)) throw new ConfigError(networkFile, field, `${path} does not exist`, 'give the path of a collections_config.json, relative to the network file');
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(path, '(file)', `is not valid JSON: ${(err as Error).message}`, `write a JSON list, e.g. ${EXAMPLE}`);
  }
  if (!Array.isArray(doc)) throw new ConfigError(path, '(file)', 'must be a JSON list of collections', `write e.g. ${EXAMPLE}`);
  const peersOf = new Map(orgs.map((o) => [o.mspId, o.peers]));
  const names = new Set<string>();
  return doc.map((c: unknown, i) => {
    const at = `[${i}]`;
    if (typeof c !== 'object' || c === null || Array.isArray(c)) throw new ConfigError(path, at, 'must be an object', `write e.g. ${EXAMPLE}`);
    const o = c as Record<string, unknown>;
    for (const k of Object.keys(o)) if (!KEYS.includes(k)) throw new ConfigError(path, `${at}.${k}`, 'is not a field of a collection definition', `remove it; allowed: ${KEYS.join(', ')}`);
    const name = o.name;
    // Fabric's rule for collection names.
    if (typeof name !== 'string' || !/^[A-Za-z0-9-]+$/.test(name)) throw new ConfigError(path, `${at}.name`, 'must be letters, digits and dashes', 'write e.g. "name": "privateAssets"');
    if (names.has(name)) throw new ConfigError(path, `${at}.name`, `collection ${name} is defined twice`, 'give each collection its own name');
    names.add(name);
    const policyText = o.policy;
    if (typeof policyText !== 'string') throw new ConfigError(path, `${at}.policy`, 'is required: the member organizations as a signature policy', `write e.g. "policy": "OR('Org1MSP.member','Org2MSP.member')"`);
    const members = new Set(principals(parsePolicy(path, `${at}.policy`, policyText)).map((p) => p.mspId));
    for (const m of members) if (!peersOf.has(m)) throw new ConfigError(path, `${at}.policy`, `names ${m}, which is not an organization of this network`, `use one of ${[...peersOf.keys()].join(', ')}`);
    const count = (k: string, dflt: number): number => {
      const v = o[k] ?? dflt;
      if (!Number.isInteger(v) || (v as number) < 0) throw new ConfigError(path, `${at}.${k}`, `must be a whole number >= 0, got ${JSON.stringify(o[k])}`, `write e.g. "${k}": ${dflt}`);
      return v as number;
    };
    const flag = (k: string): boolean => {
      if (o[k] === undefined) return false;
      if (typeof o[k] !== 'boolean') throw new ConfigError(path, `${at}.${k}`, `must be true or false, got ${JSON.stringify(o[k])}`, `write "${k}": true`);
      return o[k] as boolean;
    };
    const requiredPeerCount = count('requiredPeerCount', 0);
    const maxPeerCount = count('maxPeerCount', 1);
    if (maxPeerCount < requiredPeerCount) throw new ConfigError(path, `${at}.maxPeerCount`, `is ${maxPeerCount}, less than requiredPeerCount ${requiredPeerCount}`, 'make maxPeerCount >= requiredPeerCount');
    let endorsementPolicy: SignaturePolicy | undefined;
    const ep = o.endorsementPolicy;
    if (ep !== undefined) {
      const e = ep as Record<string, unknown>;
      if (typeof e?.signaturePolicy !== 'string') {
        throw new ConfigError(
          path,
          `${at}.endorsementPolicy`,
          'takes a signaturePolicy here (the embedded network has no channel configuration policies)',
          `write "endorsementPolicy": {"signaturePolicy": "OR('Org1MSP.peer')"}`,
        );
      }
      endorsementPolicy = parsePolicy(path, `${at}.endorsementPolicy.signaturePolicy`, e.signaturePolicy);
    }
    return {
      name,
      policyText,
      members,
      requiredPeerCount,
      maxPeerCount,
      blockToLive: count('blockToLive', 0),
      memberOnlyRead: flag('memberOnlyRead'),
      memberOnlyWrite: flag('memberOnlyWrite'),
      endorsementPolicy,
      memberPeers: [...members].reduce((n, m) => n + (peersOf.get(m) ?? 0), 0),
    };
  });
}

/**
 * Fabric's implicit collections: `_implicit_org_<MSP id>` for every organization and chaincode, kept by
 * that organization's peers, readable and writable by anyone, whose writes need that organization's
 * endorsement (its default Endorsement policy, as Fabric's test network defines it).
 */
export function implicitCollections(orgs: Array<{ mspId: string; peers: number }>): CollectionConfig[] {
  return orgs.map((o) => ({
    name: `_implicit_org_${o.mspId}`,
    policyText: `OR('${o.mspId}.member')`,
    members: new Set([o.mspId]),
    requiredPeerCount: 0,
    maxPeerCount: 1,
    blockToLive: 0,
    memberOnlyRead: false,
    memberOnlyWrite: false,
    endorsementPolicy: { type: 'principal', mspId: o.mspId, role: 'peer' },
    memberPeers: o.peers,
  }));
}

function parsePolicy(file: string, field: string, text: string): SignaturePolicy {
  try {
    return parseSignaturePolicy(text);
  } catch (err) {
    throw new ConfigError(file, field, (err as Error).message, `write a signature policy, e.g. "OR('Org1MSP.member','Org2MSP.member')"`);
  }
}
