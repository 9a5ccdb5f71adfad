/**
 * Reads the network the fabric-legacy connector talks to. Peers, client identities, channels and
 * chaincodes come from the gateway connector's reader (src/connectors/fabric-gateway/profile.ts), so a
 * file means the same to both connectors and fails with the same messages. What fabric-network needs
 * beyond that is read here: the orderers (a 1.4 / 2.2 client sends the endorsed transaction to an
 * orderer itself), which peers and orderers each channel lists, and the discovery settings.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError } from '../../config/errors.ts';
import { parseYaml } from '../../config/yaml.ts';
import { caliperWorkspace, type FabricNetworkConfig, loadFabricNetwork } from '../fabric-gateway/profile.ts';
import { isCaliperFabricJson, readCaliperFabricJson } from './caliper-fabric-json.ts';

/** An orderer a transaction can be broadcast to. */
export interface LegacyOrdererConfig {
  name: string;
  /** `grpc://host:port` or `grpcs://host:port`, as the profile wrote it. */
  url: string;
  /** PEM of the CA that signed the orderer's TLS certificate (grpcs only). */
  tlsRootCertPem?: string;
  /** The profile's grpcOptions for this orderer, passed to fabric-common unchanged. */
  grpcOptions: Record<string, unknown>;
}

/** Which nodes a channel lists (channels.<name>.peers / orderers). */
export interface LegacyChannelMembers {
  peers: string[];
  orderers: string[];
}

/** fabric-network's service discovery settings. */
export interface LegacyDiscovery {
  /** Ask a peer for the channel's endorsers and orderers instead of using the profile's lists. */
  enabled: boolean;
  /** Map every discovered host to localhost (peers in containers or behind port forwards). */
  asLocalhost: boolean;
}

/** A validated network for the fabric-legacy connector. */
export interface LegacyNetworkConfig {
  /** Peers, identities, channels, chaincodes: the gateway connector's reading of the same file. */
  base: FabricNetworkConfig;
  orderers: LegacyOrdererConfig[];
  /** Per channel; a channel without lists gets every peer and every orderer. */
  channelMembers: Record<string, LegacyChannelMembers>;
  discovery: LegacyDiscovery;
  /**
   * What v0.1 callbacks see as `bc.bcType`: `fabric` for the old fabric adapter's JSON files (whose
   * modules send `{ verb, ... }` requests), `fabric-ccp` otherwise.
   */
  bcType: 'fabric' | 'fabric-ccp';
  /** Fields read but without effect, one line per kind (printed once when the network is opened). */
  warnings: string[];
}

type Obj = Record<string, unknown>;

/** The connector options (NetworkRef.options, or the profile's `ledgerbench:` section) this module reads. */
export const LEGACY_OPTION_KEYS = ['discovery', 'asLocalhost'] as const;

/**
 * Loads `file` for the fabric-legacy connector.
 *
 * Discovery: `options.discovery` / `ledgerbench.discovery` when given; otherwise off when the file lists
 * orderers (what Caliper's fabric-ccp adapter did: endorse on the channel's peers, order on its
 * orderers) and on when it lists none (a connection file or a test-network profile, which name peers
 * only). `asLocalhost` defaults to true, fabric-network's and Caliper's default.
 *
 * A network file of Caliper 0.1's `fabric` adapter (a `fabric:` mapping) is read by
 * caliper-fabric-json.ts; discovery is off for it unless asked for.
 *
 * @throws ConfigError naming the file, the field and the fix.
 */
export async function loadLegacyNetwork(
  file: string,
  opts: { workspace?: string; options?: Record<string, unknown> } = {},
): Promise<LegacyNetworkConfig> {
  const workspace = resolve(opts.workspace ?? caliperWorkspace());
  const early = tryReadDocument(resolve(file));
  if (early && isCaliperFabricJson(early)) {
    const path = resolve(file);
    const old = readCaliperFabricJson(path, early, workspace);
    // The old adapter sent to its peers and orderer: discovery only when asked for.
    const discovery = readDiscovery(path, early, opts.options, false);
    return { ...old, discovery, bcType: 'fabric' };
  }
  const base = await loadFabricNetwork(file, { workspace });
  const path = base.file;
  const doc = readDocument(path);

  const orderers = base.format === 'connection-profile' ? profileOrderers(path, doc, workspace) : [];
  const channelMembers = profileChannelMembers(path, doc, base, orderers);
  const discovery = readDiscovery(path, doc, opts.options, orderers.length === 0);
  if (!discovery.enabled && orderers.length === 0) {
    throw new ConfigError(
      path,
      'orderers',
      'discovery is off and the file lists no orderers, so the fabric-legacy connector has nowhere to send transactions',
      'add an orderers: section (and channels.<channel>.orderers), or turn discovery on with `ledgerbench: { discovery: true }`',
    );
  }
  for (const [channel, members] of Object.entries(channelMembers)) {
    if (!discovery.enabled && members.orderers.length === 0) {
      throw new ConfigError(path, `channels.${channel}.orderers`, 'lists no orderer while discovery is off', 'list at least one orderer of the orderers: section');
    }
  }
  return { base, orderers, channelMembers, discovery, bcType: 'fabric-ccp', warnings: [] };
}

/** Discovery settings: the options, else the file's `ledgerbench:` section, else `enabledByDefault`. */
function readDiscovery(path: string, doc: Obj, options: Record<string, unknown> | undefined, enabledByDefault: boolean): LegacyDiscovery {
  const section = isObj(doc.ledgerbench) ? doc.ledgerbench : {};
  const fromOptions = readDiscoveryFields(path, 'options', options ?? {});
  const fromFile = readDiscoveryFields(path, 'ledgerbench', section);
  return {
    enabled: fromOptions.enabled ?? fromFile.enabled ?? enabledByDefault,
    asLocalhost: fromOptions.asLocalhost ?? fromFile.asLocalhost ?? true,
  };
}

/** The parsed file, or undefined when it cannot be read or parsed (loadFabricNetwork then says why). */
function tryReadDocument(path: string): Obj | undefined {
  try {
    return readDocument(path);
  } catch {
    return undefined;
  }
}

function readDocument(path: string): Obj {
  const text = readFileSync(path, 'utf8');
  // loadFabricNetwork has already parsed this file, so syntax errors were reported there.
  const doc = path.endsWith('.json') || text.trimStart().startsWith('{') ? JSON.parse(text) : parseYaml(text, path);
  return isObj(doc) ? doc : {};
}

function readDiscoveryFields(path: string, at: string, o: Obj): Partial<LegacyDiscovery> {
  const out: Partial<LegacyDiscovery> = {};
  for (const key of LEGACY_OPTION_KEYS) {
    const v = o[key];
    if (v === undefined) continue;
    if (typeof v !== 'boolean') throw new ConfigError(path, `${at}.${key}`, 'must be true or false', `write ${key}: true or ${key}: false`);
    out[key === 'discovery' ? 'enabled' : 'asLocalhost'] = v;
  }
  return out;
}

/** The orderers: section of a connection profile (Caliper fabric-ccp and Fabric CCP spell it alike). */
function profileOrderers(path: string, doc: Obj, workspace: string): LegacyOrdererConfig[] {
  if (doc.orderers === undefined) return [];
  if (!isObj(doc.orderers)) throw new ConfigError(path, 'orderers', 'must be a mapping of orderer names', 'write `orderers: { orderer.example.com: { url: grpcs://host:7050 } }`');
  return Object.entries(doc.orderers).map(([name, value]) => {
    const field = `orderers.${name}`;
    if (!isObj(value)) throw new ConfigError(path, field, 'must be a mapping', 'give the orderer a url');
    const url = value.url;
    if (typeof url !== 'string' || !/^grpcs?:\/\/([^/:]+|\[[^\]]+\]):\d{1,5}\/?$/.test(url.trim())) {
      throw new ConfigError(path, `${field}.url`, `bad orderer url ${JSON.stringify(url)}`, 'write grpc://host:port (plain) or grpcs://host:port (TLS), e.g. grpcs://localhost:7050');
    }
    const grpcOptions = isObj(value.grpcOptions) ? value.grpcOptions : {};
    const tls = url.startsWith('grpcs://');
    const tlsRootCertPem = tls ? readTlsCa(path, workspace, value.tlsCACerts, `${field}.tlsCACerts`) : undefined;
    return { name, url: url.trim(), tlsRootCertPem, grpcOptions };
  });
}

/**
 * A `{ pem }` or `{ path }` TLS CA. Relative paths are looked for as the gateway reader looks for a
 * Caliper file's: in the workspace, then in the file's folder.
 */
function readTlsCa(path: string, workspace: string, value: unknown, field: string): string {
  if (isObj(value) && typeof value.pem === 'string' && value.pem.trim() !== '') return value.pem;
  if (!isObj(value) || typeof value.path !== 'string' || value.path === '') {
    throw new ConfigError(path, field, 'the TLS CA certificate of a grpcs:// orderer is missing', `give ${field}.path (a PEM file) or ${field}.pem`);
  }
  const written = value.path;
  const candidates = isAbsolute(written) ? [written] : [resolve(workspace, written), resolve(dirname(path), written)];
  const found = candidates.find((c) => existsSync(c));
  if (!found) {
    throw new ConfigError(path, `${field}.path`, `cannot find the TLS CA certificate ${JSON.stringify(written)}: not at ${candidates.join(' nor at ')}`, 'fix the path (relative paths are looked for in the workspace, then in the file\'s folder)');
  }
  return readFileSync(found, 'utf8');
}

/** channels.<name>.peers (a mapping with roles, or a list) and .orderers; every node when absent. */
function profileChannelMembers(path: string, doc: Obj, base: FabricNetworkConfig, orderers: LegacyOrdererConfig[]): Record<string, LegacyChannelMembers> {
  const defs = isObj(doc.channels) ? doc.channels : {};
  const peerNames = base.peers.map((p) => p.name);
  const ordererNames = orderers.map((o) => o.name);
  const out: Record<string, LegacyChannelMembers> = {};
  for (const channel of base.channels) {
    const def = isObj(defs[channel]) ? (defs[channel] as Obj) : {};
    const peers = def.peers === undefined ? peerNames : Array.isArray(def.peers) ? def.peers : isObj(def.peers) ? Object.keys(def.peers) : undefined;
    if (!peers || peers.some((p) => typeof p !== 'string')) {
      throw new ConfigError(path, `channels.${channel}.peers`, 'must be a mapping or a list of peer names', 'write `peers: { peer0.org1.example.com: { eventSource: true } }`');
    }
    for (const p of peers as string[]) {
      if (!peerNames.includes(p)) throw new ConfigError(path, `channels.${channel}.peers.${p}`, `peer ${p} is not defined under peers:`, `add peers.${p} with its url, or remove it from the channel`);
    }
    const ords = def.orderers === undefined ? ordererNames : def.orderers;
    if (!Array.isArray(ords) || ords.some((o) => typeof o !== 'string')) {
      throw new ConfigError(path, `channels.${channel}.orderers`, 'must be a list of orderer names', 'write `orderers: [orderer.example.com]`');
    }
    for (const o of ords as string[]) {
      if (!ordererNames.includes(o)) throw new ConfigError(path, `channels.${channel}.orderers`, `orderer ${o} is not defined under orderers:`, `add orderers.${o} with its url, or remove it from the channel`);
    }
    out[channel] = { peers: peers as string[], orderers: ords as string[] };
  }
  return out;
}

function isObj(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
