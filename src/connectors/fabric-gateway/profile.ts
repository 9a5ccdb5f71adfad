/**
 * Reads the description of a Fabric network that the fabric-gateway connector talks to. Three shapes are
 * accepted, told apart by content:
 *
 * 1. the JSON connection file the embedded network writes (`kind: ledgerbench-connection`), with peers,
 *    identities (PEM inline) and chaincodes;
 * 2. a Fabric connection profile (YAML or JSON) as fabric-samples' test-network writes it, with the
 *    client identity either in a `ledgerbench:` section or in Caliper's fabric-ccp `clients:` section;
 * 3. a Caliper 0.4+ network configuration (`version: "2.0.0"`, organizations as a list with
 *    identities.certificates and a connectionProfile path per organization).
 *
 * Everything is validated here: when the network is opened (src/network, before any command, network or
 * worker starts) and again when each worker creates its connector; problems are ConfigErrors naming the
 * file, the field and the fix. Private
 * keys are parsed into KeyObjects straight away: a KeyObject prints and serializes without its key
 * material, so the parsed config can be logged by mistake without leaking anything.
 */
import { createPrivateKey, type KeyObject, X509Certificate } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '../../config/errors.ts';
import { parseYaml } from '../../config/yaml.ts';

/** A gateway peer the connector can connect to. */
export interface FabricPeerConfig {
  name: string;
  /** MSP id of the organization that lists this peer; empty when no organization does. */
  mspId: string;
  /** `host:port` for gRPC. */
  endpoint: string;
  tls: boolean;
  /** PEM of the CA that signed the peer's TLS certificate (TLS only). */
  tlsRootCertPem?: string;
  /** Host name to expect in the peer's TLS certificate when it differs from the endpoint's host. */
  hostnameOverride?: string;
  /** Extra gRPC channel options from the profile's `grpcOptions` (`grpc.*` keys only). */
  grpcOptions: Record<string, string | number>;
}

/** A client identity: enrollment certificate plus private key. */
export interface FabricIdentityConfig {
  name: string;
  mspId: string;
  certPem: string;
  /** Parsed private key; a KeyObject never prints or serializes its material. */
  privateKey: KeyObject;
}

/** A chaincode the network file names (informational: requests may name any chaincode). */
export interface FabricChaincodeRef {
  name: string;
  channel: string;
}

/** What a report may print about the network: no key material, no certificates. */
export interface RedactedFabricNetwork {
  file: string;
  format: FabricNetworkConfig['format'];
  channel: string;
  channels: string[];
  peers: Array<{ name: string; mspId: string; endpoint: string; tls: boolean; hostnameOverride?: string }>;
  identities: Array<{ name: string; mspId: string; subject: string; validTo: string }>;
  chaincodes: FabricChaincodeRef[];
  operationsUrl?: string;
}

/** A parsed, validated network description with every path resolved. */
export interface FabricNetworkConfig {
  /** Absolute path of the file it was read from. */
  file: string;
  /** Which of the accepted shapes the file has. */
  format: 'ledgerbench-connection' | 'connection-profile' | 'caliper-network-config' | 'caliper-fabric-json';
  /** Default channel for requests that do not name one. */
  channel: string;
  channels: string[];
  peers: FabricPeerConfig[];
  identities: FabricIdentityConfig[];
  chaincodes: FabricChaincodeRef[];
  operationsUrl?: string;
  /**
   * Caliper 0.1's round label -> channel mapping (the file's `context:`, `fabric.context` in the old
   * fabric adapter's JSON), every channel checked; empty when the file has none.
   */
  contexts: Readonly<Record<string, string>>;
  /** Where the file keeps that mapping, for messages: `context` or `fabric.context`. */
  contextField: string;
  /** A view for reports and logs, without private keys or certificates. */
  redacted(): RedactedFabricNetwork;
}

type Obj = Record<string, unknown>;

/** Options of {@link loadFabricNetwork}. */
export interface LoadFabricNetworkOptions {
  /** Caliper's workspace, for relative paths in Caliper-shaped files; default {@link caliperWorkspace}(). */
  workspace?: string;
}

/**
 * Caliper's workspace: `$CALIPER_WORKSPACE` (Caliper's `caliper-workspace` setting as an environment
 * variable) resolved against the current folder, or the current folder, i.e. where `ledgerbench run`
 * or Vitest was started.
 */
export function caliperWorkspace(): string {
  return resolve(process.env.CALIPER_WORKSPACE ?? '.');
}

/**
 * Loads and validates a ledgerbench connection file or a Fabric connection profile.
 *
 * Relative paths inside it are looked for in two folders. Caliper's shapes (a fabric-ccp profile with
 * `clients:`, a 0.4+ network configuration and the connection profiles it names) put them where
 * Caliper does, in the workspace, and then in the file's folder; a profile with a `ledgerbench:`
 * section puts them in the file's folder first, then in the workspace. So a Caliper file works
 * unchanged from the folder Caliper ran in, and files written for ledgerbench keep working.
 *
 * @param file Path of the file.
 * @throws ConfigError naming the file, the field and the fix for anything unusable; a path that is in
 *   neither folder names both.
 */
export async function loadFabricNetwork(file: string, options: LoadFabricNetworkOptions = {}): Promise<FabricNetworkConfig> {
  const path = resolve(file);
  const workspace = resolve(options.workspace ?? caliperWorkspace());
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(
      path,
      '(file)',
      `cannot read the network file (${errCode(err)})`,
      'check the path given as the network file',
    );
  }
  const doc = parseDocument(path, text);
  const net = await parseByShape(path, doc, workspace);
  net.contexts = readRoundContexts(path, doc.context, 'context', net.channels);
  return net;
}

/** Reads `doc` as the shape its content shows (see {@link loadFabricNetwork}). */
async function parseByShape(path: string, doc: Obj, workspace: string): Promise<FabricNetworkConfig> {
  if (doc.kind === 'ledgerbench-connection') return parseConnectionFile(path, doc);
  if (isObj(doc.fabric)) {
    throw new ConfigError(
      path,
      'fabric',
      "this is a network file of Caliper 0.1's `fabric` adapter, which only the fabric-legacy connector reads",
      'leave `ledgerbench.connector` out (this shape picks fabric-legacy) or write `connector: fabric-legacy`; for a Fabric 2.4+ Gateway, write a connection profile',
    );
  }
  if (doc.type === 'embedded') {
    throw new ConfigError(
      path,
      'type',
      'this is an embedded network file, not a connection file',
      'start it with startNetwork() (or `ledgerbench network up`) and give the connector the connection file it writes',
    );
  }
  if (Array.isArray(doc.organizations)) return parseCaliperNetworkConfig(path, doc, workspace);
  if (isObj(doc.peers) || isObj(doc.organizations)) {
    const order = isObj(doc.ledgerbench) ? 'file folder first' : 'workspace first';
    return parseConnectionProfile(path, doc, searchPath(path, workspace, order));
  }
  throw new ConfigError(
    path,
    '(file)',
    'neither a ledgerbench connection file (kind: ledgerbench-connection) nor a Fabric connection profile (peers:, organizations:)',
    'point the connector at a connection profile such as fabric-samples test-network connection-org1.yaml',
  );
}

function parseDocument(path: string, text: string): Obj {
  let doc: unknown;
  try {
    // YAML as Caliper reads it (merge keys expanded); its syntax errors name line and column.
    doc = extname(path) === '.json' || text.trimStart().startsWith('{') ? JSON.parse(text) : parseYaml(text, path);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    const detail = err instanceof Error ? err.message.split('\n')[0] : String(err);
    throw new ConfigError(path, '(file)', `not valid JSON/YAML: ${detail}`, 'fix the syntax of the file');
  }
  if (!isObj(doc)) {
    throw new ConfigError(path, '(file)', 'the file does not hold a mapping', 'write the network as a YAML/JSON object');
  }
  return doc;
}

// ---------------------------------------------------------------------------------------------------
// 1. The embedded network's connection file

function parseConnectionFile(path: string, doc: Obj): FabricNetworkConfig {
  if (doc.version !== 1) {
    throw new ConfigError(
      path,
      'version',
      `unsupported connection file version ${JSON.stringify(doc.version)}`,
      'regenerate the file with this version of ledgerbench (version: 1)',
    );
  }
  const channel = reqString(path, doc, 'channel', 'name the default channel, e.g. "mychannel"');
  const channels = optStringArray(path, doc, 'channels') ?? [channel];
  if (!channels.includes(channel)) channels.unshift(channel);

  const peers = reqArray(path, doc, 'peers', 'list at least one peer').map((p, i): FabricPeerConfig => {
    const field = `peers[${i}]`;
    const peer = reqObj(path, p, field);
    const endpoint = reqString(path, peer, 'endpoint', 'give host:port, e.g. 127.0.0.1:7051', field);
    checkEndpoint(path, `${field}.endpoint`, endpoint);
    const tlsRootCertPem = optString(path, peer, 'tlsRootCertPem', field);
    if (tlsRootCertPem !== undefined) checkCertificate(path, `${field}.tlsRootCertPem`, tlsRootCertPem);
    return {
      name: reqString(path, peer, 'name', 'give the peer a name', field),
      mspId: reqString(path, peer, 'mspId', "give the peer's organization MSP id", field),
      endpoint,
      tls: tlsRootCertPem !== undefined,
      tlsRootCertPem,
      hostnameOverride: optString(path, peer, 'hostnameOverride', field),
      grpcOptions: {},
    };
  });

  const identities = reqArray(path, doc, 'identities', 'list at least one client identity').map((x, i) => {
    const field = `identities[${i}]`;
    const id = reqObj(path, x, field);
    const mspId = reqString(path, id, 'mspId', "give the identity's MSP id", field);
    return makeIdentity(path, field, {
      name: optString(path, id, 'name', field) ?? `${mspId}#${i}`,
      mspId,
      certPem: reqString(path, id, 'certPem', 'give the PEM enrollment certificate', field),
      certField: `${field}.certPem`,
      keyPem: reqString(path, id, 'keyPem', 'give the PEM private key', field),
      keyField: `${field}.keyPem`,
    });
  });

  const chaincodes = (optArray(path, doc, 'chaincodes') ?? []).map((x, i) => {
    const cc = reqObj(path, x, `chaincodes[${i}]`);
    return {
      name: reqString(path, cc, 'name', 'give the chaincode name', `chaincodes[${i}]`),
      channel: optString(path, cc, 'channel', `chaincodes[${i}]`) ?? channel,
    };
  });

  const operationsUrl = optString(path, doc, 'operationsUrl');
  return buildFabricNetwork({ file: path, format: 'ledgerbench-connection', channel, channels, peers, identities, chaincodes, operationsUrl });
}

// ---------------------------------------------------------------------------------------------------
// 2. Fabric connection profiles (test-network and Caliper fabric-ccp)

async function parseConnectionProfile(path: string, doc: Obj, search: SearchPath): Promise<FabricNetworkConfig> {
  if (doc['mutual-tls'] === true) {
    throw new ConfigError(
      path,
      'mutual-tls',
      'mutual TLS (client certificates) is not supported by the fabric-gateway connector yet',
      'turn off client authentication on the peers, or set mutual-tls: false',
    );
  }
  const orgs = isObj(doc.organizations) ? doc.organizations : {};
  const peers = await profilePeers(path, doc, search);
  const section = isObj(doc.ledgerbench) ? doc.ledgerbench : undefined;
  const channelDefs = isObj(doc.channels) ? doc.channels : {};
  const channel = (section && optString(path, section, 'channel', 'ledgerbench')) ?? Object.keys(channelDefs)[0];
  if (!channel) {
    throw new ConfigError(
      path,
      'ledgerbench.channel',
      'no channel is named (the profile has neither ledgerbench.channel nor a channels: section)',
      'add `ledgerbench: { channel: mychannel }` to the profile',
    );
  }
  const channels = [channel, ...Object.keys(channelDefs).filter((c) => c !== channel)];
  checkChannelName(path, section?.channel !== undefined ? 'ledgerbench.channel' : `channels.${channel}`, channel);
  for (const c of channels) checkChannelName(path, `channels.${c}`, c);

  const identities = section?.identities !== undefined
    ? await ledgerbenchIdentities(path, search, section)
    : await caliperClientIdentities(path, search, doc, orgs);
  if (identities.length === 0) {
    throw new ConfigError(
      path,
      'ledgerbench.identities',
      'no client identity is given',
      'add `ledgerbench: { identities: [{ mspId: Org1MSP, certPath: ..., keyPath: ... }] }` (or Caliper clients: with clientSignedCert/clientPrivateKey)',
    );
  }

  return buildFabricNetwork({
    file: path,
    format: 'connection-profile',
    channel,
    channels,
    peers,
    identities,
    chaincodes: profileChaincodes(path, channelDefs),
  });
}

/**
 * The peers of a connection profile, each with the MSP id of the organization that lists it
 * (organizations.<Org>.peers).
 */
async function profilePeers(path: string, doc: Obj, search: SearchPath): Promise<FabricPeerConfig[]> {
  const orgs = isObj(doc.organizations) ? doc.organizations : {};
  const peerDefs = doc.peers;
  if (!isObj(peerDefs) || Object.keys(peerDefs).length === 0) {
    throw new ConfigError(path, 'peers', 'no peers are defined', 'add a peers: section with at least one peer and its url');
  }

  const peerOrg = new Map<string, string>();
  for (const [orgName, value] of Object.entries(orgs)) {
    const org = reqObj(path, value, `organizations.${orgName}`);
    const mspId = reqString(path, org, 'mspid', `give organization ${orgName} its MSP id, e.g. Org1MSP`, `organizations.${orgName}`);
    (optStringArray(path, org, 'peers', `organizations.${orgName}`) ?? []).forEach((peerName, i) => {
      if (!(peerName in peerDefs)) {
        throw new ConfigError(
          path,
          `organizations.${orgName}.peers[${i}]`,
          `peer ${peerName} is not defined under peers:`,
          `add peers.${peerName} with its url, or remove it from the organization`,
        );
      }
      peerOrg.set(peerName, mspId);
    });
  }

  const peers: FabricPeerConfig[] = [];
  for (const [name, value] of Object.entries(peerDefs)) {
    const field = `peers.${name}`;
    const def = reqObj(path, value, field);
    const url = reqString(path, def, 'url', 'give the peer url, e.g. grpcs://localhost:7051', field);
    const { endpoint, tls } = parsePeerUrl(path, `${field}.url`, url);
    const grpcOpts = isObj(def.grpcOptions) ? def.grpcOptions : {};
    const override = grpcOpts['ssl-target-name-override'] ?? grpcOpts.hostnameOverride;
    let tlsRootCertPem: string | undefined;
    if (tls) {
      tlsRootCertPem = await readPemSource(path, search, def.tlsCACerts, `${field}.tlsCACerts`, 'the TLS CA certificate');
      checkCertificate(path, `${field}.tlsCACerts`, tlsRootCertPem);
    }
    const grpcOptions = channelOptions(path, `${field}.grpcOptions`, grpcOpts);
    peers.push({
      name,
      mspId: peerOrg.get(name) ?? '',
      endpoint,
      tls,
      tlsRootCertPem,
      hostnameOverride: typeof override === 'string' && override !== '' ? override : undefined,
      grpcOptions,
    });
  }
  return peers;
}

/**
 * The Fabric SDKs' spellings of the two message size limits (fabric-network, Caliper's profiles), with
 * the grpc-js option each stands for.
 */
const MESSAGE_SIZE_OPTIONS: Readonly<Record<string, string>> = {
  'grpc-max-receive-message-length': 'grpc.max_receive_message_length',
  'grpc-max-send-message-length': 'grpc.max_send_message_length',
  'grpc.max_receive_message_length': 'grpc.max_receive_message_length',
  'grpc.max_send_message_length': 'grpc.max_send_message_length',
};

/**
 * gRPC channel options from a peer's `grpcOptions`: every `grpc.*` key as written, and the message size
 * limits in either spelling, checked, since a wrong value there fails every large response later.
 */
function channelOptions(path: string, field: string, grpcOpts: Obj): Record<string, string | number> {
  const out: Record<string, string | number> = {};
  for (const [k, v] of Object.entries(grpcOpts)) {
    const sizeOption = MESSAGE_SIZE_OPTIONS[k];
    if (sizeOption) {
      const n = typeof v === 'string' && /^-?\d+$/.test(v.trim()) ? Number(v) : v;
      if (typeof n !== 'number' || !Number.isSafeInteger(n) || (n < 1 && n !== -1)) {
        throw new ConfigError(path, `${field}.${k}`, `must be a size in bytes, got ${JSON.stringify(v)}`, 'write a whole number of bytes, e.g. 104857600 (100 MiB), or -1 for no limit');
      }
      out[sizeOption] = n;
    } else if (k.startsWith('grpc.') && (typeof v === 'string' || typeof v === 'number')) {
      out[k] = v;
    }
  }
  return out;
}

async function ledgerbenchIdentities(path: string, search: SearchPath, section: Obj): Promise<FabricIdentityConfig[]> {
  const list = reqArray(path, section, 'identities', 'list client identities', 'ledgerbench');
  const out: FabricIdentityConfig[] = [];
  for (let i = 0; i < list.length; i++) {
    const field = `ledgerbench.identities[${i}]`;
    const id = reqObj(path, list[i], field);
    const mspId = reqString(path, id, 'mspId', "give the identity's MSP id, e.g. Org1MSP", field);
    const certPath = reqString(path, id, 'certPath', 'give the path of the enrollment certificate (signcerts)', field);
    const keyPath = reqString(path, id, 'keyPath', 'give the path of the private key (keystore)', field);
    out.push(
      makeIdentity(path, field, {
        name: optString(path, id, 'name', field) ?? `${mspId}#${i}`,
        mspId,
        certPem: await readPemFile(path, search, certPath, `${field}.certPath`, 'the enrollment certificate'),
        certField: `${field}.certPath`,
        keyPem: await readPemFile(path, search, keyPath, `${field}.keyPath`, 'the private key'),
        keyField: `${field}.keyPath`,
      }),
    );
  }
  return out;
}

/** Caliper fabric-ccp: clients.<name>.client.{organization, clientSignedCert, clientPrivateKey}. */
async function caliperClientIdentities(path: string, search: SearchPath, doc: Obj, orgs: Obj): Promise<FabricIdentityConfig[]> {
  const clients = isObj(doc.clients) ? doc.clients : {};
  const out: FabricIdentityConfig[] = [];
  for (const [name, value] of Object.entries(clients)) {
    const field = `clients.${name}.client`;
    const client = reqObj(path, isObj(value) ? value.client : undefined, field);
    const orgName = reqString(path, client, 'organization', 'name the organization (a key of organizations:)', field);
    const org = orgs[orgName];
    if (!isObj(org) || typeof org.mspid !== 'string') {
      throw new ConfigError(
        path,
        `${field}.organization`,
        `organization ${orgName} is not defined under organizations: with an mspid`,
        `add organizations.${orgName}.mspid or fix the client's organization`,
      );
    }
    out.push(
      makeIdentity(path, field, {
        name,
        mspId: org.mspid,
        certPem: await readPemSource(path, search, client.clientSignedCert, `${field}.clientSignedCert`, 'the client certificate'),
        certField: `${field}.clientSignedCert`,
        keyPem: await readPemSource(path, search, client.clientPrivateKey, `${field}.clientPrivateKey`, 'the client private key'),
        keyField: `${field}.clientPrivateKey`,
      }),
    );
  }
  return out;
}

/** Chaincode names from channels.<ch>.chaincodes (Caliper `{ id }` / `{ contractID }`, or `name:version` strings). */
function profileChaincodes(path: string, channelDefs: Obj): FabricChaincodeRef[] {
  const out: FabricChaincodeRef[] = [];
  for (const [channel, def] of Object.entries(channelDefs)) {
    const list = isObj(def) && Array.isArray(def.chaincodes) ? def.chaincodes : [];
    list.forEach((cc, i) => {
      const name = typeof cc === 'string' ? cc.split(':')[0] : isObj(cc) ? (cc.contractID ?? cc.id ?? cc.name) : undefined;
      if (typeof name !== 'string' || name === '') return;
      checkContractName(path, `channels.${channel}.chaincodes[${i}]`, name);
      out.push({ name, channel });
    });
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------
// 3. Caliper 0.4+ network configuration (version 2.0.0)

async function parseCaliperNetworkConfig(path: string, doc: Obj, workspace: string): Promise<FabricNetworkConfig> {
  const search = searchPath(path, workspace, 'workspace first');
  const channelList = reqArray(
    path,
    doc,
    'channels',
    'list the channels, e.g. channels: [{ channelName: mychannel, contracts: [{ id: basic }] }]',
  );
  const channels: string[] = [];
  const chaincodes: FabricChaincodeRef[] = [];
  channelList.forEach((value, i) => {
    const field = `channels[${i}]`;
    const ch = reqObj(path, value, field);
    const name = reqString(path, ch, 'channelName', 'name the channel', field);
    checkChannelName(path, `${field}.channelName`, name);
    channels.push(name);
    (optArray(path, ch, 'contracts', field) ?? []).forEach((c, j) => {
      const id = reqString(path, reqObj(path, c, `${field}.contracts[${j}]`), 'id', 'give the contract id', `${field}.contracts[${j}]`);
      checkContractName(path, `${field}.contracts[${j}].id`, id);
      chaincodes.push({ name: id, channel: name });
    });
  });

  const peers: FabricPeerConfig[] = [];
  const identities: FabricIdentityConfig[] = [];
  const orgList = reqArray(path, doc, 'organizations', 'list the organizations with their identities and connection profiles');
  for (let i = 0; i < orgList.length; i++) {
    const field = `organizations[${i}]`;
    const org = reqObj(path, orgList[i], field);
    const mspId = reqString(path, org, 'mspid', 'give the organization MSP id, e.g. Org1MSP', field);
    const ids = isObj(org.identities) ? org.identities : {};
    const certificates = optArray(path, ids, 'certificates', `${field}.identities`) ?? [];
    if (certificates.length === 0 && ids.wallet !== undefined) {
      throw new ConfigError(
        path,
        `${field}.identities.wallet`,
        'wallets are not supported by the fabric-gateway connector',
        'list the identity under identities.certificates with clientSignedCert and clientPrivateKey',
      );
    }
    for (let j = 0; j < certificates.length; j++) {
      const idField = `${field}.identities.certificates[${j}]`;
      const cert = reqObj(path, certificates[j], idField);
      identities.push(
        makeIdentity(path, idField, {
          name: reqString(path, cert, 'name', 'give the identity a name', idField),
          mspId,
          certPem: await readPemSource(path, search, cert.clientSignedCert, `${idField}.clientSignedCert`, 'the client certificate'),
          certField: `${idField}.clientSignedCert`,
          keyPem: await readPemSource(path, search, cert.clientPrivateKey, `${idField}.clientPrivateKey`, 'the client private key'),
          keyField: `${idField}.clientPrivateKey`,
        }),
      );
    }
    const cp = reqObj(path, org.connectionProfile, `${field}.connectionProfile`);
    const cpWritten = reqString(path, cp, 'path', "give the path of the organization's connection profile", `${field}.connectionProfile`);
    const cpPath = locate(path, search, cpWritten, `${field}.connectionProfile.path`, 'the connection profile');
    let cpText: string;
    try {
      cpText = await readFile(cpPath, 'utf8');
    } catch (err) {
      throw new ConfigError(path, `${field}.connectionProfile.path`, `cannot read the connection profile ${cpPath} (${errCode(err)})`, 'make the file readable');
    }
    // Its own relative paths (tlsCACerts) are looked for as this file's are: Caliper hands the profile
    // to the Fabric SDK, which resolves them against the folder Caliper runs in.
    for (const p of await profilePeers(cpPath, parseDocument(cpPath, cpText), searchPath(cpPath, workspace, 'workspace first'))) {
      if (!peers.some((q) => q.name === p.name)) peers.push({ ...p, mspId: p.mspId || mspId });
    }
  }
  if (identities.length === 0) {
    throw new ConfigError(
      path,
      'organizations[0].identities.certificates',
      'no client identity is given',
      'add identities.certificates with clientSignedCert and clientPrivateKey to an organization',
    );
  }
  return buildFabricNetwork({ file: path, format: 'caliper-network-config', channel: channels[0], channels, peers, identities, chaincodes });
}

// ---------------------------------------------------------------------------------------------------
// Caliper 0.1 contexts: which channel a round label's transactions go to

/**
 * Reads Caliper 0.1's `context:` mapping (round label -> channel, e.g. `{ open: mychannel, query:
 * mychannel }`) at `field` of `path`. Every channel must be one of `channels`.
 *
 * @throws ConfigError naming `<field>.<label>` and the channels that exist.
 */
export function readRoundContexts(path: string, value: unknown, field: string, channels: readonly string[]): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!isObj(value)) {
    throw new ConfigError(path, field, 'must be a mapping of round labels to channels', `write \`${field}: { open: ${channels[0]}, query: ${channels[0]} }\``);
  }
  const out: Record<string, string> = {};
  for (const [label, channel] of Object.entries(value)) {
    if (typeof channel !== 'string' || !channels.includes(channel)) {
      const what = typeof channel === 'string' ? `channel ${JSON.stringify(channel)} is not a channel of this network` : 'must be a channel name';
      throw new ConfigError(path, `${field}.${label}`, `${what} (its channels: ${channels.join(', ')})`, `write one of ${channels.join(', ')}, or define the channel in the file`);
    }
    out[label] = channel;
  }
  return out;
}

/**
 * The channel a Caliper 0.1 round labelled `label` sends to: the file's context mapping for it, or
 * undefined (the default channel) when the file has no mapping. As in Caliper 0.1, a file that maps
 * some labels but not this one is an error rather than a silent default.
 *
 * @throws ConfigError naming the file, `<contextField>`, the label and the labels it maps.
 */
export function channelForRoundLabel(net: Pick<FabricNetworkConfig, 'file' | 'channels' | 'contexts' | 'contextField'>, label: string): string | undefined {
  const labels = Object.keys(net.contexts);
  if (labels.length === 0) return undefined;
  if (Object.hasOwn(net.contexts, label)) return net.contexts[label];
  throw new ConfigError(
    net.file,
    net.contextField,
    `has no channel for round label ${JSON.stringify(label)} (it maps ${labels.join(', ')})`,
    `add \`${label}: <channel>\` under ${net.contextField} (channels: ${net.channels.join(', ')}), or name the round after a label it maps`,
  );
}

/**
 * Contracts the file lists on exactly one channel, with that channel. A request that names no channel
 * goes to its contract's channel, as Caliper's Fabric adapters resolve a contract id, and only
 * otherwise (a contract on several channels, or one the file does not list) to the default channel.
 */
export function soleChannelOfContracts(net: Pick<FabricNetworkConfig, 'chaincodes'>): ReadonlyMap<string, string> {
  const channels = new Map<string, Set<string>>();
  for (const cc of net.chaincodes) channels.set(cc.name, (channels.get(cc.name) ?? new Set()).add(cc.channel));
  const sole = new Map<string, string>();
  for (const [name, set] of channels) if (set.size === 1) sole.set(name, [...set][0]);
  return sole;
}

// ---------------------------------------------------------------------------------------------------
// Shared pieces

/**
 * A network with its redacted() view; `contexts` empty unless given. Shared with the fabric-legacy
 * connector's reader of Caliper 0.1 fabric JSON files.
 */
export function buildFabricNetwork(cfg: Omit<FabricNetworkConfig, 'redacted' | 'contexts' | 'contextField'> & Partial<Pick<FabricNetworkConfig, 'contexts' | 'contextField'>>): FabricNetworkConfig {
  return {
    contexts: {},
    contextField: 'context',
    ...cfg,
    redacted: () => ({
      file: cfg.file,
      format: cfg.format,
      channel: cfg.channel,
      channels: [...cfg.channels],
      peers: cfg.peers.map((p) => ({
        name: p.name,
        mspId: p.mspId,
        endpoint: p.endpoint,
        tls: p.tls,
        ...(p.hostnameOverride ? { hostnameOverride: p.hostnameOverride } : {}),
      })),
      identities: cfg.identities.map((id) => {
        const cert = new X509Certificate(id.certPem);
        return { name: id.name, mspId: id.mspId, subject: cert.subject.replaceAll('\n', ', '), validTo: cert.validTo };
      }),
      chaincodes: cfg.chaincodes.map((c) => ({ ...c })),
      ...(cfg.operationsUrl ? { operationsUrl: cfg.operationsUrl } : {}),
    }),
  };
}

interface IdentitySource {
  name: string;
  mspId: string;
  certPem: string;
  certField: string;
  keyPem: string;
  keyField: string;
}

/** Parses and cross-checks a certificate and key; messages never quote the key. */
export function makeIdentity(path: string, field: string, src: IdentitySource): FabricIdentityConfig {
  const cert = checkCertificate(path, src.certField, src.certPem);
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey(src.keyPem);
  } catch {
    throw new ConfigError(
      path,
      src.keyField,
      'not a readable PEM private key',
      'point it at the unencrypted PEM key in the MSP keystore folder',
    );
  }
  if (!cert.checkPrivateKey(privateKey)) {
    throw new ConfigError(
      path,
      field,
      "the private key does not belong to the certificate's public key",
      'use the key from the same MSP folder as the certificate',
    );
  }
  return { name: src.name, mspId: src.mspId, certPem: src.certPem, privateKey };
}

export function checkCertificate(path: string, field: string, pem: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch {
    throw new ConfigError(path, field, 'not a readable PEM X.509 certificate', 'give a PEM certificate (-----BEGIN CERTIFICATE-----)');
  }
}

const WORKSPACE = 'the workspace';

/** The folders a file's relative paths are looked for in, in order, each with how messages name it. */
type SearchPath = ReadonlyArray<{ dir: string; label: string }>;

function searchPath(file: string, workspace: string, order: 'workspace first' | 'file folder first'): SearchPath {
  const ws = { dir: workspace, label: WORKSPACE };
  const own = { dir: dirname(file), label: "the network file's folder" };
  const both = order === 'workspace first' ? [ws, own] : [own, ws];
  return both[0].dir === both[1].dir ? [both[0]] : both;
}

/**
 * The absolute path of `p`: itself when absolute, else the first folder of `search` that has it.
 * @throws ConfigError naming every folder tried.
 */
function locate(path: string, search: SearchPath, p: string, field: string, what: string): string {
  if (isAbsolute(p)) return p;
  const tried = search.map((b) => ({ ...b, target: resolve(b.dir, p) }));
  const found = tried.find((t) => existsSync(t.target));
  if (found) return found.target;
  throw new ConfigError(
    path,
    field,
    `cannot find ${what} ${JSON.stringify(p)}: not in ${tried.map((t) => `${t.label} (${t.target})`).join(' nor in ')}`,
    `fix the path; relative paths are looked for in ${search.map((b) => (b.label === WORKSPACE ? `${WORKSPACE} (the folder ledgerbench runs in, or $CALIPER_WORKSPACE)` : b.label)).join(', then in ')}`,
  );
}

/** A `{ pem }` or `{ path }` value as connection profiles write certificates and keys. */
async function readPemSource(path: string, search: SearchPath, value: unknown, field: string, what: string): Promise<string> {
  if (isObj(value) && typeof value.pem === 'string' && value.pem.trim() !== '') return value.pem;
  if (isObj(value) && typeof value.path === 'string' && value.path !== '') {
    return readPemFile(path, search, value.path, `${field}.path`, what);
  }
  throw new ConfigError(path, field, `${what} is missing`, `give ${field}.path (a file) or ${field}.pem (inline PEM)`);
}

/**
 * Reads a PEM file found through `search`. A folder holding exactly one file is accepted too, because
 * MSP keystore folders name the key after its hash (or `priv_sk`).
 */
async function readPemFile(path: string, search: SearchPath, p: string, field: string, what: string): Promise<string> {
  let target = locate(path, search, p, field, what);
  try {
    if ((await stat(target)).isDirectory()) {
      const files = (await readdir(target, { withFileTypes: true })).filter((e) => e.isFile());
      if (files.length !== 1) {
        throw new ConfigError(
          path,
          field,
          `${target} is a folder with ${files.length} files, so ${what} is ambiguous`,
          'point at the file itself',
        );
      }
      target = join(target, files[0].name);
    }
    return await readFile(target, 'utf8');
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(
      path,
      field,
      `cannot read ${what} at ${target} (${errCode(err)})`,
      'make the file readable, or point the path at another copy',
    );
  }
}

export function parsePeerUrl(path: string, field: string, url: string): { endpoint: string; tls: boolean } {
  const m = /^(grpcs?):\/\/([^/:]+|\[[^\]]+\]):(\d{1,5})\/?$/.exec(url.trim());
  if (!m || Number(m[3]) < 1 || Number(m[3]) > 65535) {
    throw new ConfigError(
      path,
      field,
      `bad peer url ${JSON.stringify(url)}`,
      'write grpc://host:port (plain) or grpcs://host:port (TLS), e.g. grpcs://localhost:7051',
    );
  }
  return { endpoint: `${m[2]}:${m[3]}`, tls: m[1] === 'grpcs' };
}

function checkEndpoint(path: string, field: string, endpoint: string): void {
  const m = /^([^/:]+|\[[^\]]+\]):(\d{1,5})$/.exec(endpoint);
  if (!m || Number(m[2]) < 1 || Number(m[2]) > 65535) {
    throw new ConfigError(path, field, `bad endpoint ${JSON.stringify(endpoint)}`, 'write host:port, e.g. 127.0.0.1:7051');
  }
}

/** Fabric's rule for channel names (configtx): lower case letters, digits, dots and dashes, a letter first. */
export function checkChannelName(path: string, field: string, name: string): void {
  if (!/^[a-z][a-z0-9.-]{0,248}$/.test(name)) {
    throw new ConfigError(path, field, `${JSON.stringify(name)} is not a Fabric channel name`, 'use lower case letters, digits, dots and dashes, starting with a letter, e.g. mychannel');
  }
}

/** Fabric's rule for chaincode names (lifecycle): letters and digits, single - or _ between them. */
export function checkContractName(path: string, field: string, name: string): void {
  if (!/^[A-Za-z0-9]+([-_][A-Za-z0-9]+)*$/.test(name)) {
    throw new ConfigError(path, field, `${JSON.stringify(name)} is not a Fabric chaincode name`, 'use letters and digits with single - or _ between them, e.g. basic or fabcar-2');
  }
}

function isObj(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function join2(parent: string | undefined, key: string): string {
  return parent ? `${parent}.${key}` : key;
}

function reqObj(path: string, x: unknown, field: string): Obj {
  if (!isObj(x)) throw new ConfigError(path, field, 'must be a mapping', `write ${field} as an object`);
  return x;
}

function reqString(path: string, o: Obj, key: string, fix: string, parent?: string): string {
  const v = o[key];
  if (typeof v !== 'string' || v === '') {
    throw new ConfigError(path, join2(parent, key), v === undefined ? 'is missing' : 'must be a non-empty string', fix);
  }
  return v;
}

function optString(path: string, o: Obj, key: string, parent?: string): string | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'string') throw new ConfigError(path, join2(parent, key), 'must be a string', `write ${key} as a string or leave it out`);
  return v;
}

function reqArray(path: string, o: Obj, key: string, fix: string, parent?: string): unknown[] {
  const v = o[key];
  if (!Array.isArray(v) || v.length === 0) {
    throw new ConfigError(path, join2(parent, key), v === undefined ? 'is missing' : 'must be a non-empty list', fix);
  }
  return v;
}

function optArray(path: string, o: Obj, key: string, parent?: string): unknown[] | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) throw new ConfigError(path, join2(parent, key), 'must be a list', `write ${key} as a list or leave it out`);
  return v;
}

function optStringArray(path: string, o: Obj, key: string, parent?: string): string[] | undefined {
  const v = optArray(path, o, key, parent);
  if (v?.some((x) => typeof x !== 'string')) {
    throw new ConfigError(path, join2(parent, key), 'must be a list of names', `write ${key} as a list of strings`);
  }
  return v as string[] | undefined;
}

function errCode(err: unknown): string {
  return (err as NodeJS.ErrnoException)?.code ?? (err instanceof Error ? err.message : String(err));
}
