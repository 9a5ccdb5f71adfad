/**
 * What a connection profile asks ledgerbench to set up on a network someone else started, read the
 * way Caliper's v1 (fabric-ccp) network files write it:
 *
 * - `channels.<ch>.chaincodes[i]` with a `path` (a Node chaincode folder): deploy it with Fabric's
 *   lifecycle, or reuse the committed definition when it is this folder's (deploy.ts decides);
 * - `channels.<ch>.created: false`: make sure every listed peer has joined the channel; on Fabric 1.4
 *   create it first, from `channels.<ch>.configBinary`, when the orderer does not have it;
 * - `organizations.<Org>.adminPrivateKey` / `signedCert`: the admin identity the peer CLI acts as for
 *   that organization (install, approve, commit, join);
 * - `orderers.<name>` (`url`, `tlsCACerts`, `grpcOptions.ssl-target-name-override`): where approvals
 *   and commits are ordered;
 * - `ledgerbench.binaries`: the Fabric release folder (else FABRIC_BIN, else PATH),
 *   `ledgerbench.readyTimeout`: how long to wait for every endpoint to answer, and, for Fabric 1.4
 *   peers in chaincode dev mode, `ledgerbench.chaincodeAddresses.<peer>`: their chaincode listeners.
 *
 * Nothing here is asked for when no chaincode has a `path` and no channel says `created: false`:
 * {@link readDeployPlan} returns undefined and the profile is used as it is. Peers (endpoints, TLS CAs,
 * organizations) come from the connector's own reader (`loadFabricNetwork`), so both agree.
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '../../config/errors.ts';
import { isObject } from '../../config/network-file.ts';
import { type FabricIdentityConfig, type FabricPeerConfig, loadFabricNetwork } from '../../connectors/fabric-gateway/profile.ts';
import { serviceKind, START_SCRIPT_SHAPES } from '../fabric/chaincode-service.ts';

/** A chaincode the profile asks to be deployed. */
export interface PlannedChaincode {
  name: string;
  version: string;
  /** Absolute path of the Node chaincode folder. */
  path: string;
  /** `--signature-policy`; the channel's default endorsement policy when undefined. */
  endorsementPolicy?: string;
  /** Dotted field of the entry, for messages. */
  field: string;
  /**
   * Caliper's `init` (the instantiate arguments) and `function` (default `init`, as Caliper's):
   * Fabric 1.4's `peer chaincode instantiate/upgrade -c`. Refused on 2.x/3.x (deploy.ts).
   */
  init?: { function: string; args: string[] };
}

/**
 * A Go or Java chaincode the file lists with a `path`. ledgerbench builds no Go or Java code (no
 * Docker), so it is used only when it is already committed (instantiated on 1.4) at this version;
 * otherwise deploying stops with an error naming the entry's `language`.
 */
export interface PrebuiltChaincode {
  name: string;
  version: string;
  language: string;
  /** The entry's `path`, as written, for messages. */
  path: string;
  /** Dotted field of the entry, for messages. */
  field: string;
}

/** A peer as the peer CLI reaches it. */
export interface PlannedPeer extends FabricPeerConfig {
  /** Key of organizations: that lists the peer. */
  org: string;
  /**
   * Fabric 1.4 only: the peer's chaincode listener (core.yaml `peer.chaincodeListenAddress`), which
   * ledgerbench's chaincode processes dial on a peer in chaincode dev mode. From
   * `ledgerbench.chaincodeAddresses.<peer>`, else the peer's host with its port + 1 (7051 -> 7052, as
   * fabric-samples lay peers out).
   */
  chaincodeAddress: string;
  /** Where chaincodeAddress came from, for messages. */
  chaincodeAddressField: string;
}

/** An orderer as the peer CLI reaches it. */
export interface PlannedOrderer {
  name: string;
  endpoint: string;
  tls: boolean;
  tlsRootCertPem?: string;
  hostnameOverride?: string;
}

/** An organization's admin identity, as files (the MSP folder they sit in gives the CA certificates). */
export interface PlannedAdmin {
  keyFile: string;
  certFile: string;
  /** `organizations.<Org>.adminPrivateKey`, for messages. */
  field: string;
}

/** One channel's part of the plan. */
export interface PlannedChannel {
  name: string;
  /** `created: false` in the file: the listed peers are joined when they have not. */
  join: boolean;
  /**
   * `channels.<ch>.configBinary`, resolved: the channel creation transaction (configtxgen
   * `-outputCreateChannelTx`) that `peer channel create` sends on Fabric 1.4 when the orderer does not
   * have the channel yet.
   */
  configBinary?: string;
  peers: PlannedPeer[];
  orderer: PlannedOrderer;
  chaincodes: PlannedChaincode[];
  /** Go or Java chaincodes, used as deployed; see {@link PrebuiltChaincode}. */
  prebuilt: PrebuiltChaincode[];
}

/** Everything deploy.ts does, resolved and checked. */
export interface DeployPlan {
  file: string;
  /** The `ledgerbench.binaries` folder, resolved against the file's folder. */
  binaries?: string;
  readyTimeoutMs: number;
  channels: PlannedChannel[];
  /** mspId and admin (when the file has one) per organization key. */
  orgs: Map<string, { mspId: string; admin?: PlannedAdmin }>;
  /** The client identities the connector will use (the readiness probe endorses as them). */
  identities: FabricIdentityConfig[];
}

const DEFAULT_READY_TIMEOUT_MS = 60_000;
const GO_OR_JAVA = /^(go|golang|java)$/i;

/**
 * Reads the deployment a profile asks for; undefined when it asks for none. Checks it all before
 * anything runs: every problem is a ConfigError naming the file, the field and the fix.
 */
export async function readDeployPlan(file: string, doc: Record<string, unknown>, workspace: string): Promise<DeployPlan | undefined> {
  const channelDefs = isObject(doc.channels) ? doc.channels : {};
  const wanted = Object.entries(channelDefs).filter(([, def]) => isObject(def) && (def.created === false || chaincodeEntries(def).some((cc) => isObject(cc) && cc.path !== undefined)));
  if (wanted.length === 0) return undefined;

  const section = isObject(doc.ledgerbench) ? doc.ledgerbench : {};
  // Relative paths as the connector reads them: Caliper's files from the workspace first.
  const search = isObject(doc.ledgerbench) ? [dirname(file), workspace] : [workspace, dirname(file)];
  const network = await loadFabricNetwork(file, { workspace });
  const orgDefs = isObject(doc.organizations) ? doc.organizations : {};
  const orgs = new Map<string, { mspId: string; admin?: PlannedAdmin }>();
  const peerOrg = new Map<string, string>();
  for (const [key, def] of Object.entries(orgDefs)) {
    if (!isObject(def) || typeof def.mspid !== 'string') continue;
    orgs.set(key, { mspId: def.mspid, admin: readAdmin(file, key, def, search) });
    for (const p of Array.isArray(def.peers) ? def.peers : []) if (typeof p === 'string') peerOrg.set(p, key);
  }

  const ccAddresses = readChaincodeAddresses(file, section);
  const channels: PlannedChannel[] = [];
  for (const [name, def] of wanted) {
    const at = `channels.${name}`;
    const ch = def as Record<string, unknown>;
    const listed = isObject(ch.peers) ? Object.keys(ch.peers) : Array.isArray(ch.peers) ? ch.peers.filter((p): p is string => typeof p === 'string') : [...peerOrg.keys()];
    const peers = listed.map((peerName) => {
      const peer = network.peers.find((p) => p.name === peerName);
      const org = peerOrg.get(peerName);
      if (!peer) throw new ConfigError(file, `${at}.peers.${peerName}`, `peer ${peerName} is not defined under peers:`, `add peers.${peerName} with its url, or remove it from the channel`);
      if (!org) throw new ConfigError(file, `${at}.peers.${peerName}`, `no organization lists peer ${peerName}, so no admin can install on it or join it`, `add it to organizations.<Org>.peers`);
      return { ...peer, org, ...chaincodeAddressOf(peer, ccAddresses) };
    });
    if (peers.length === 0) throw new ConfigError(file, `${at}.peers`, 'no peer to deploy to', 'list the peers of the channel (channels.<ch>.peers) and their organizations (organizations.<Org>.peers)');
    const entries = chaincodeEntries(ch).flatMap((cc, i) => (isObject(cc) && cc.path !== undefined ? [readChaincode(file, `${at}.chaincodes[${i}]`, cc, search)] : []));
    const chaincodes = entries.filter((cc): cc is PlannedChaincode => !('language' in cc));
    const prebuilt = entries.filter((cc): cc is PrebuiltChaincode => 'language' in cc);
    const orderer = readOrderer(file, doc, at, ch, search);
    const configBinary = ch.configBinary === undefined ? undefined : locate(file, `${at}.configBinary`, String(ch.configBinary), search, 'the channel creation transaction');
    channels.push({ name, join: ch.created === false, configBinary, peers, orderer: await orderer, chaincodes, prebuilt });
    // Installing on a peer, approving for its organization and joining it all take that organization's
    // admin; asking whether a Go chaincode is deployed takes the first peer's.
    const needAdmins = ch.created === false || chaincodes.length > 0 ? peers : peers.slice(0, 1);
    for (const org of new Set(needAdmins.map((p) => p.org))) {
      if (orgs.get(org)?.admin) continue;
      throw new ConfigError(
        file,
        `organizations.${org}.adminPrivateKey`,
        `${org} has peers on channel ${name}, where ${chaincodes.length > 0 ? `chaincode ${chaincodes.map((c) => c.name).join(', ')} is to be deployed` : ch.created === false ? 'peers are to be joined (created: false)' : `chaincode ${prebuilt.map((c) => c.name).join(', ')} is to be looked up`}, and that takes ${org}'s admin identity, which is missing`,
        `add organizations.${org}.adminPrivateKey and signedCert ({ path: ... } to the files in its admin's MSP folder, e.g. users/Admin@<domain>/msp/keystore/priv_sk and signcerts/<cert>.pem), or remove \`path\` from the chaincodes (and created: false) to use what is deployed as it is`,
      );
    }
  }
  return { file, binaries: readBinaries(file, section), readyTimeoutMs: readTimeout(file, section), channels, orgs, identities: network.identities };
}

/**
 * The error for a Go or Java chaincode that is not deployed as the file says: `found` is the version
 * the channel has, if any.
 */
export function prebuiltNotDeployed(file: string, channel: string, cc: PrebuiltChaincode, found: string | undefined): ConfigError {
  const state = found === undefined ? `is not deployed on channel ${channel}` : `is deployed on channel ${channel} at version ${found}, not ${cc.version}`;
  return new ConfigError(
    file,
    found === undefined ? `${cc.field}.language` : `${cc.field}.version`,
    `${cc.language} chaincode ${cc.name} (${cc.path}) ${state}, and ledgerbench cannot deploy it: it runs Node chaincode folders as chaincode-as-a-service and builds no ${cc.language} code (no Docker)`,
    found === undefined
      ? 'deploy it yourself first (ledgerbench then uses what is deployed), or point path at a Node chaincode folder (language: node)'
      : `write version: ${found}, or deploy version ${cc.version} yourself first`,
  );
}

function chaincodeEntries(def: Record<string, unknown>): unknown[] {
  return Array.isArray(def.chaincodes) ? def.chaincodes : [];
}

function readChaincode(file: string, at: string, cc: Record<string, unknown>, search: string[]): PlannedChaincode | PrebuiltChaincode {
  const name = cc.id ?? cc.contractID ?? cc.name;
  if (typeof name !== 'string' || !/^[A-Za-z0-9_-]+$/.test(name)) throw new ConfigError(file, `${at}.id`, 'a chaincode to deploy needs an id (letters, digits, _ and -)', 'write `id: simple`');
  const version = cc.version === undefined ? '1.0' : String(cc.version);
  if (!/^[A-Za-z0-9_.+-]+$/.test(version)) throw new ConfigError(file, `${at}.version`, `${JSON.stringify(version)} cannot be a package label`, 'use letters, digits, _ . + and -, e.g. v0 or 1.0');
  if (typeof cc.path !== 'string' || cc.path === '') throw new ConfigError(file, `${at}.path`, 'must be the path of a Node chaincode folder', 'write `path: chaincode/simple` (a folder with package.json)');
  const language = typeof cc.language === 'string' ? cc.language : 'node';
  // Deployed already or not at all: deploy.ts asks the peers which.
  if (GO_OR_JAVA.test(language)) return { name, version, language, path: cc.path, field: at };
  if (!/^(node|javascript|typescript)$/i.test(language)) throw new ConfigError(file, `${at}.language`, `unknown chaincode language ${JSON.stringify(language)}`, 'write language: node (or leave it out)');
  for (const k of ['endorsement-policy', 'collections-config', 'initArguments']) {
    if (cc[k] !== undefined) throw new ConfigError(file, `${at}.${k}`, 'is not supported when ledgerbench deploys the chaincode', k === 'endorsement-policy' ? `write the policy as a string, endorsementPolicy: "AND('Org1MSP.peer','Org2MSP.peer')", or leave it out for the channel's default` : 'remove it (Fabric 2.x lifecycle without init), or deploy the chaincode yourself and remove `path`');
  }
  const path = locate(file, `${at}.path`, cc.path, search, 'the chaincode folder');
  if (!existsSync(join(path, 'package.json'))) throw new ConfigError(file, `${at}.path`, `${path} has no package.json, so it is not a Node chaincode folder`, 'point path at the folder of the chaincode package.json');
  let kind;
  try {
    kind = serviceKind(path);
  } catch (err) {
    throw new ConfigError(file, `${at}.path`, `${path}/package.json cannot be read: ${(err as Error).message}`, 'fix the package.json');
  }
  if (!kind) throw new ConfigError(file, `${at}.path`, `${path}/package.json: its start script is neither shape ledgerbench can run as a service`, `write ${START_SCRIPT_SHAPES}`);
  const policy = cc.endorsementPolicy;
  if (policy !== undefined && typeof policy !== 'string') throw new ConfigError(file, `${at}.endorsementPolicy`, 'must be a signature policy string', `write e.g. endorsementPolicy: "OR('Org1MSP.peer','Org2MSP.peer')"`);
  return { name, version, path, endorsementPolicy: policy, field: at, init: readInit(file, at, cc) };
}

function readInit(file: string, at: string, cc: Record<string, unknown>): PlannedChaincode['init'] {
  if (cc.init === undefined && cc.function === undefined) return undefined;
  const args = cc.init ?? [];
  if (!Array.isArray(args) || !args.every((a) => typeof a === 'string' || typeof a === 'number')) throw new ConfigError(file, `${at}.init`, 'must be the list of instantiate arguments', 'write e.g. init: [a, "100"]');
  if (cc.function !== undefined && (typeof cc.function !== 'string' || cc.function === '')) throw new ConfigError(file, `${at}.function`, 'must be the name of the init function', 'write e.g. function: init');
  return { function: (cc.function as string | undefined) ?? 'init', args: args.map(String) };
}

async function readOrderer(file: string, doc: Record<string, unknown>, at: string, ch: Record<string, unknown>, search: string[]): Promise<PlannedOrderer> {
  const defs = isObject(doc.orderers) ? doc.orderers : {};
  const listed = Array.isArray(ch.orderers) ? ch.orderers.filter((o): o is string => typeof o === 'string') : [];
  const name = listed[0] ?? Object.keys(defs)[0];
  const field = `orderers.${name}`;
  if (!name) throw new ConfigError(file, `${at}.orderers`, 'no orderer is given, and approving and committing a chaincode definition goes through one', 'add orderers: { orderer.example.com: { url: grpcs://localhost:7050, tlsCACerts: { path: ... } } } and list it in the channel');
  const def = defs[name];
  if (!isObject(def) || typeof def.url !== 'string') throw new ConfigError(file, field, `orderer ${name} has no url`, `add ${field}.url, e.g. grpcs://localhost:7050`);
  const m = /^(grpcs?):\/\/([^/]+:\d{1,5})\/?$/.exec(def.url.trim());
  if (!m) throw new ConfigError(file, `${field}.url`, `${JSON.stringify(def.url)} is not grpc://host:port or grpcs://host:port`, 'write e.g. grpcs://localhost:7050');
  const tls = m[1] === 'grpcs';
  const opts = isObject(def.grpcOptions) ? def.grpcOptions : {};
  const override = opts['ssl-target-name-override'];
  let tlsRootCertPem: string | undefined;
  if (tls) {
    const ca = def.tlsCACerts;
    if (isObject(ca) && typeof ca.pem === 'string') tlsRootCertPem = ca.pem;
    else if (isObject(ca) && typeof ca.path === 'string') tlsRootCertPem = await readFile(locate(file, `${field}.tlsCACerts.path`, ca.path, search, "the orderer's TLS CA certificate"), 'utf8');
    else throw new ConfigError(file, `${field}.tlsCACerts`, "a grpcs orderer needs its TLS CA certificate", `give ${field}.tlsCACerts.path (or .pem)`);
  }
  return { name, endpoint: m[2], tls, tlsRootCertPem, hostnameOverride: typeof override === 'string' && override !== '' ? override : undefined };
}

function readAdmin(file: string, org: string, def: Record<string, unknown>, search: string[]): PlannedAdmin | undefined {
  const key = def.adminPrivateKey;
  const cert = def.signedCert;
  if (key === undefined && cert === undefined) return undefined;
  const at = `organizations.${org}`;
  const pathOf = (v: unknown, field: string, what: string): string => {
    if (isObject(v) && typeof v.path === 'string' && v.path !== '') return locate(file, `${field}.path`, v.path, search, what);
    // The peer CLI needs an MSP folder, whose CA certificates only a folder layout gives.
    throw new ConfigError(file, field, `${what} must be given as { path: ... } inside the admin's MSP folder (inline PEM has no CA certificates beside it, which the peer CLI needs)`, `write ${field}: { path: .../users/Admin@<domain>/msp/${field.endsWith('signedCert') ? 'signcerts/<cert>.pem' : 'keystore/priv_sk'} }`);
  };
  return {
    keyFile: pathOf(key, `${at}.adminPrivateKey`, "the admin's private key"),
    certFile: pathOf(cert, `${at}.signedCert`, "the admin's certificate"),
    field: `${at}.adminPrivateKey`,
  };
}

function readChaincodeAddresses(file: string, section: Record<string, unknown>): Map<string, string> {
  const v = section.chaincodeAddresses;
  const out = new Map<string, string>();
  if (v === undefined) return out;
  if (!isObject(v)) throw new ConfigError(file, 'ledgerbench.chaincodeAddresses', 'must map peer names to their chaincode listener (host:port)', 'write chaincodeAddresses: { peer0.org1.example.com: 127.0.0.1:7052 }');
  for (const [peer, addr] of Object.entries(v)) {
    if (typeof addr !== 'string' || !/^[^\s/:]+:\d{1,5}$/.test(addr)) throw new ConfigError(file, `ledgerbench.chaincodeAddresses.${peer}`, `${JSON.stringify(addr)} is not host:port`, "write the peer's chaincodeListenAddress, e.g. 127.0.0.1:7052");
    out.set(peer, addr);
  }
  return out;
}

function chaincodeAddressOf(peer: FabricPeerConfig, given: Map<string, string>): { chaincodeAddress: string; chaincodeAddressField: string } {
  const set = given.get(peer.name);
  if (set) return { chaincodeAddress: set, chaincodeAddressField: `ledgerbench.chaincodeAddresses.${peer.name}` };
  const i = peer.endpoint.lastIndexOf(':');
  return { chaincodeAddress: `${peer.endpoint.slice(0, i)}:${Number(peer.endpoint.slice(i + 1)) + 1}`, chaincodeAddressField: `ledgerbench.chaincodeAddresses.${peer.name} (not given: peers.${peer.name}.url's port + 1)` };
}

function readBinaries(file: string, section: Record<string, unknown>): string | undefined {
  const v = section.binaries;
  if (v === undefined) return undefined;
  if (typeof v !== 'string' || v === '') throw new ConfigError(file, 'ledgerbench.binaries', 'must be the path of a Fabric release folder', 'write binaries: /opt/fabric-2.5.12 (the folder with bin/ and config/), or leave it out for FABRIC_BIN or PATH');
  return resolve(dirname(file), v);
}

function readTimeout(file: string, section: Record<string, unknown>): number {
  const v = section.readyTimeout;
  if (v === undefined) return DEFAULT_READY_TIMEOUT_MS;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s)?$/.exec(String(v).trim());
  if (!m || (typeof v !== 'string' && typeof v !== 'number')) throw new ConfigError(file, 'ledgerbench.readyTimeout', `${JSON.stringify(v)} is not a duration`, 'write e.g. readyTimeout: 30s');
  return Number(m[1]) * (m[2] === 'ms' ? 1 : 1000);
}

/** The absolute path of `p`: itself when absolute, else the first folder of `search` that has it. */
function locate(file: string, field: string, p: string, search: string[], what: string): string {
  if (isAbsolute(p)) {
    if (existsSync(p)) return p;
    throw new ConfigError(file, field, `cannot find ${what} ${p}`, 'fix the path');
  }
  const tried = search.map((dir) => resolve(dir, p));
  const found = tried.find((t) => existsSync(t));
  if (found) return found;
  throw new ConfigError(file, field, `cannot find ${what} ${JSON.stringify(p)}: not at ${tried.join(' nor at ')}`, 'fix the path (relative paths are looked for in the workspace, the folder ledgerbench runs in or $CALIPER_WORKSPACE, and in the file\'s folder)');
}
