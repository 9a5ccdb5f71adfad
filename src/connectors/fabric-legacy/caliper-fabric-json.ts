/**
 * Reads the network files of Caliper 0.1's `fabric` adapter (the JSON files of Caliper's
 * network/fabric-v1.x folders): `{ caliper, fabric: { cryptodir, network: { orderer, org1: { mspid, ca,
 * peer1: { requests, events, server-hostname, tls_cacerts } } }, channel: [...], chaincodes: [...],
 * endorsement-policy, context }, info }`. What maps becomes the fabric-legacy connector's network:
 *
 * - peers from each organization's `peer*` entries (`requests` is the peer's gRPC address,
 *   `server-hostname` the name in its TLS certificate, `tls_cacerts` its TLS CA);
 * - the orderer from `network.orderer`;
 * - one identity per organization, the one the old adapter signed with: `network.<org>.user: { key,
 *   cert }` when given, else `Admin@<domain>` of cryptogen's layout under `cryptodir`
 *   (peerOrganizations/<domain>/users/Admin@<domain>/msp/keystore and signcerts), where the domain is
 *   `network.<org>.domain`, else `<org>.example.com`;
 * - channels with the peers of their `organizations`, chaincodes with their channel, and `context`
 *   (round label -> channel).
 *
 * What does not map (the 1.x event hub's `events` ports, the CA, channel creation, chaincode
 * installation, the instantiation policy) is reported once per kind of field as a warning; what cannot
 * work is a ConfigError naming the field and what to write instead. Relative paths are looked for as
 * Caliper resolved them, in the workspace, then in the file's folder.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { ConfigError } from '../../config/errors.ts';
import {
  buildFabricNetwork,
  checkCertificate,
  checkChannelName,
  checkContractName,
  type FabricChaincodeRef,
  type FabricIdentityConfig,
  type FabricNetworkConfig,
  type FabricPeerConfig,
  makeIdentity,
  parsePeerUrl,
  readRoundContexts,
} from '../fabric-gateway/profile.ts';
import type { LegacyChannelMembers, LegacyOrdererConfig } from './profile.ts';

type Obj = Record<string, unknown>;

/** What the old file gives the fabric-legacy connector. */
export interface CaliperFabricNetwork {
  base: FabricNetworkConfig;
  orderers: LegacyOrdererConfig[];
  channelMembers: Record<string, LegacyChannelMembers>;
  /** One line per kind of field that is read but has no effect. */
  warnings: string[];
}

/** Whether `doc` has the old fabric adapter's shape (a `fabric:` mapping). */
export function isCaliperFabricJson(doc: Obj): boolean {
  return isObj(doc.fabric);
}

/**
 * Reads the old fabric adapter's file `path` (already parsed as `doc`); see the module comment.
 *
 * @throws ConfigError naming the file, the field and what to write instead.
 */
export function readCaliperFabricJson(path: string, doc: Obj, workspace: string): CaliperFabricNetwork {
  const r = new Reader(path, workspace);
  return r.read(doc);
}

class Reader {
  readonly #path: string;
  readonly #workspace: string;
  /** Kind of ignored field -> the fields of that kind. */
  readonly #ignored = new Map<string, string[]>();
  /** Other warnings, one line each. */
  readonly #extra: string[] = [];

  constructor(path: string, workspace: string) {
    this.#path = path;
    this.#workspace = workspace;
  }

  read(doc: Obj): CaliperFabricNetwork {
    const path = this.#path;
    this.#checkVersion(doc.info);
    const fabric = doc.fabric as Obj;
    const network = this.#obj(fabric.network, 'fabric.network', 'write `network: { orderer: { url: grpc://host:7050 }, org1: { mspid: Org1MSP, peer1: { requests: grpc://host:7051 } } }`');
    const orgKeys = Object.keys(network).filter((k) => k !== 'orderer');
    if (orgKeys.length === 0) throw new ConfigError(path, 'fabric.network', 'lists no organization besides the orderer', 'add `org1: { mspid: Org1MSP, peer1: { requests: grpc://host:7051 } }`');

    const orderer = this.#orderer(network.orderer);
    const orgs = new Map<string, { mspId: string; domain: string; peers: FabricPeerConfig[]; def: Obj }>();
    const names = new Set<string>();
    for (const key of orgKeys) {
      const field = `fabric.network.${key}`;
      const def = this.#obj(network[key], field, 'give the organization its mspid and peers');
      const mspId = this.#string(def, 'mspid', field, `give the organization's MSP id, e.g. mspid: Org1MSP`);
      const domain = def.domain === undefined ? `${key}.example.com` : this.#string(def, 'domain', field, 'write the domain cryptogen used for the organization, e.g. org1.example.com');
      if (def.ca !== undefined) this.#ignore('ca', `${field}.ca`);
      const peers = Object.keys(def)
        .filter((k) => k.startsWith('peer'))
        .map((k) => this.#peer(def[k], `${field}.${k}`, `${k}.${domain}`, mspId, names));
      if (peers.length === 0) throw new ConfigError(path, field, 'has no peer (Caliper 0.1 reads the keys that start with "peer")', `add \`peer1: { requests: grpc://host:7051, server-hostname: peer0.${domain} }\``);
      orgs.set(key, { mspId, domain, peers, def });
    }

    const { channels, members, used } = this.#channels(fabric.channel, orgs, orderer.name);
    const identities = used.map((key) => this.#identity(fabric.cryptodir, key, orgs.get(key)!));
    const { chaincodes, contextInList } = this.#chaincodes(fabric.chaincodes, channels);
    if (fabric['endorsement-policy'] !== undefined) this.#ignore('endorsement-policy', 'fabric.endorsement-policy');

    let contexts = readRoundContexts(path, fabric.context, 'fabric.context', channels);
    if (contextInList) contexts = { ...readRoundContexts(path, contextInList.value, contextInList.field, channels), ...contexts };

    const base = buildFabricNetwork({
      file: path,
      format: 'caliper-fabric-json',
      channel: channels[0],
      channels,
      peers: [...orgs.values()].flatMap((o) => o.peers),
      identities,
      chaincodes,
      contexts,
      contextField: 'fabric.context',
    });
    if (contextInList) {
      this.#warn(`${contextInList.field}: read as the round label -> channel mapping; Caliper 0.1 reads it at fabric.context, so move it there`);
    }
    return { base, orderers: [orderer], channelMembers: members, warnings: this.#warnings() };
  }

  /** `info.Version`: Fabric 1.0 peers cannot be served (see the message). */
  #checkVersion(info: unknown): void {
    const version = isObj(info) ? info.Version : undefined;
    if (typeof version === 'string' && /^v?1\.0(\.|$)/.test(version.trim())) {
      throw new ConfigError(
        this.#path,
        'info.Version',
        `Fabric ${version} peers have no deliver service, and fabric-network 2.2 waits for commits only through it (the 1.0 event hub at the peers' \`events\` ports is not in the SDK any more)`,
        'benchmark Fabric 1.1 or later (1.4 works); if the peers are newer, write their version here, e.g. "1.4.12"',
      );
    }
  }

  #orderer(value: unknown): LegacyOrdererConfig {
    const field = 'fabric.network.orderer';
    if (value === undefined) throw new ConfigError(this.#path, field, 'is missing: transactions are sent to the orderer by the client', 'write `orderer: { url: grpc://host:7050, server-hostname: orderer.example.com }`');
    const def = this.#obj(value, field, 'give the orderer its url');
    const url = this.#string(def, 'url', field, 'write the orderer address, e.g. url: grpcs://localhost:7050').trim();
    if (!/^grpcs?:\/\/([^/:]+|\[[^\]]+\]):\d{1,5}\/?$/.test(url)) {
      throw new ConfigError(this.#path, `${field}.url`, `bad orderer url ${JSON.stringify(url)}`, 'write grpc://host:port (plain) or grpcs://host:port (TLS), e.g. grpcs://localhost:7050');
    }
    const host = this.#optString(def, 'server-hostname', field);
    let tlsRootCertPem: string | undefined;
    if (url.startsWith('grpcs://')) {
      tlsRootCertPem = this.#tlsCa(def, field);
      checkCertificate(this.#path, `${field}.tls_cacerts`, tlsRootCertPem);
    }
    return {
      name: host ?? 'orderer',
      url,
      tlsRootCertPem,
      grpcOptions: host ? { 'ssl-target-name-override': host } : {},
    };
  }

  #peer(value: unknown, field: string, fallbackName: string, mspId: string, names: Set<string>): FabricPeerConfig {
    const def = this.#obj(value, field, 'give the peer its requests address');
    const requests = this.#string(def, 'requests', field, 'write the peer address, e.g. requests: grpcs://localhost:7051');
    const { endpoint, tls } = parsePeerUrl(this.#path, `${field}.requests`, requests);
    if (def.events !== undefined) this.#ignore('events', `${field}.events`);
    const host = this.#optString(def, 'server-hostname', field);
    const name = host ?? fallbackName;
    if (names.has(name)) throw new ConfigError(this.#path, `${field}.server-hostname`, `${name} names another peer too`, 'give every peer its own server-hostname (the host name in its TLS certificate)');
    names.add(name);
    let tlsRootCertPem: string | undefined;
    if (tls) {
      tlsRootCertPem = this.#tlsCa(def, field);
      checkCertificate(this.#path, `${field}.tls_cacerts`, tlsRootCertPem);
    }
    return { name, mspId, endpoint, tls, tlsRootCertPem, hostnameOverride: host, grpcOptions: {} };
  }

  /** `tls_cacerts` of a grpcs:// node: a PEM file. */
  #tlsCa(def: Obj, field: string): string {
    const written = this.#optString(def, 'tls_cacerts', field);
    if (!written) {
      throw new ConfigError(this.#path, `${field}.tls_cacerts`, 'is missing: the address is grpcs://, so the TLS CA certificate is needed', "give the path of the TLS CA certificate (crypto-config/.../tls/ca.crt), or use a grpc:// address if the node serves no TLS");
    }
    return this.#readFile(written, `${field}.tls_cacerts`, 'the TLS CA certificate');
  }

  #channels(value: unknown, orgs: Map<string, { peers: FabricPeerConfig[] }>, orderer: string) {
    const field = 'fabric.channel';
    if (!Array.isArray(value) || value.length === 0) {
      throw new ConfigError(this.#path, field, value === undefined ? 'is missing' : 'must be a non-empty list', 'write `channel: [{ name: mychannel, organizations: [org1, org2] }]`');
    }
    const channels: string[] = [];
    const members: Record<string, LegacyChannelMembers> = {};
    const used: string[] = [];
    value.forEach((v, i) => {
      const at = `${field}[${i}]`;
      const def = this.#obj(v, at, 'give the channel its name and organizations');
      const name = this.#string(def, 'name', at, 'name the channel, e.g. name: mychannel');
      checkChannelName(this.#path, `${at}.name`, name);
      if (channels.includes(name)) throw new ConfigError(this.#path, `${at}.name`, `channel ${name} is listed twice`, 'list each channel once');
      const list = def.organizations;
      if (!Array.isArray(list) || list.length === 0 || list.some((o) => typeof o !== 'string')) {
        throw new ConfigError(this.#path, `${at}.organizations`, 'must be a non-empty list of organization keys of fabric.network', `write e.g. organizations: [${[...orgs.keys()].join(', ')}]`);
      }
      for (const org of list as string[]) {
        if (!orgs.has(org)) throw new ConfigError(this.#path, `${at}.organizations`, `${org} is not an organization of fabric.network (it has ${[...orgs.keys()].join(', ')})`, 'name organizations by their keys under fabric.network');
        if (!used.includes(org)) used.push(org);
      }
      if (def.deployed === false) this.#ignore('deployed', `${at}.deployed`);
      channels.push(name);
      members[name] = { peers: (list as string[]).flatMap((o) => orgs.get(o)!.peers.map((p) => p.name)), orderers: [orderer] };
    });
    return { channels, members, used };
  }

  /**
   * The identity the old adapter signed with for organization `key`: its `user: { key, cert }`, else
   * Admin@<domain> under cryptodir.
   */
  #identity(cryptodir: unknown, key: string, org: { mspId: string; domain: string; def: Obj }): FabricIdentityConfig {
    const field = `fabric.network.${key}`;
    if (org.def.user !== undefined) {
      const user = this.#obj(org.def.user, `${field}.user`, 'write `user: { key: <private key file>, cert: <certificate file> }`');
      const keyPath = this.#string(user, 'key', `${field}.user`, 'give the private key file');
      const certPath = this.#string(user, 'cert', `${field}.user`, 'give the certificate file');
      return makeIdentity(this.#path, `${field}.user`, {
        name: `${key}.user`,
        mspId: org.mspId,
        certPem: this.#readFile(certPath, `${field}.user.cert`, 'the certificate'),
        certField: `${field}.user.cert`,
        keyPem: this.#readFile(keyPath, `${field}.user.key`, 'the private key'),
        keyField: `${field}.user.key`,
      });
    }
    if (typeof cryptodir !== 'string' || cryptodir === '') {
      throw new ConfigError(
        this.#path,
        'fabric.cryptodir',
        `${cryptodir === undefined ? 'is missing' : 'must be a folder path'}, and ${field} has no user: the organization has no identity to sign with`,
        `write the crypto-config folder cryptogen wrote (it holds peerOrganizations/${org.domain}/users/Admin@${org.domain}/msp), or give ${field}.user: { key, cert }`,
      );
    }
    const root = this.#locate(cryptodir, 'fabric.cryptodir', 'the crypto folder');
    const admin = `Admin@${org.domain}`;
    const userDir = join(root, 'peerOrganizations', org.domain, 'users', admin);
    // cryptogen writes msp/keystore and msp/signcerts; the old adapter also took them one level up.
    const folder = (name: string) => [join(userDir, 'msp', name), join(userDir, name)].find((d) => isDir(d));
    const keystore = folder('keystore');
    const signcerts = folder('signcerts');
    if (!keystore || !signcerts) {
      throw new ConfigError(
        this.#path,
        `${field}${org.def.domain === undefined ? '' : '.domain'}`,
        `no identity for ${key}: ${join(userDir, 'msp')} has no keystore and signcerts (the old fabric adapter signed as ${admin} of fabric.cryptodir; the domain is ${field}.domain, else ${key}.example.com)`,
        `set ${field}.domain to the organization's domain in ${root}, or give ${field}.user: { key, cert }`,
      );
    }
    const keyFile = this.#onlyFile(keystore, (f) => f.endsWith('_sk'), field, 'private key');
    const certFile = this.#onlyFile(signcerts, (f) => f.endsWith('.pem'), field, 'certificate');
    return makeIdentity(this.#path, field, {
      name: `${admin}`,
      mspId: org.mspId,
      certPem: readFileSync(certFile, 'utf8'),
      certField: `${field} (${certFile})`,
      keyPem: readFileSync(keyFile, 'utf8'),
      keyField: `${field} (${keyFile})`,
    });
  }

  /** The one file of an MSP folder (the one matching `prefer` when there are several). */
  #onlyFile(dir: string, prefer: (name: string) => boolean, field: string, what: string): string {
    const files = readdirSync(dir).filter((f) => statSync(join(dir, f)).isFile());
    const picked = files.length === 1 ? files : files.filter(prefer);
    if (picked.length !== 1) {
      throw new ConfigError(this.#path, field, `${dir} holds ${files.length} files, so the ${what} is ambiguous`, `leave one ${what} there, or give ${field}.user: { key, cert }`);
    }
    return join(dir, picked[0]);
  }

  #chaincodes(value: unknown, channels: string[]): { chaincodes: FabricChaincodeRef[]; contextInList?: { value: unknown; field: string } } {
    if (value === undefined) return { chaincodes: [] };
    if (!Array.isArray(value)) throw new ConfigError(this.#path, 'fabric.chaincodes', 'must be a list', 'write `chaincodes: [{ id: simple, version: v0, channel: mychannel }]`');
    const chaincodes: FabricChaincodeRef[] = [];
    let contextInList: { value: unknown; field: string } | undefined;
    let installable = false;
    value.forEach((v, i) => {
      const at = `fabric.chaincodes[${i}]`;
      const def = this.#obj(v, at, 'give the chaincode its id and channel');
      // The seed's section 5.2 writes the context mapping as an element of this list.
      if (Object.keys(def).length === 1 && def.context !== undefined) {
        contextInList = { value: def.context, field: `${at}.context` };
        return;
      }
      const id = this.#string(def, 'id', at, 'give the chaincode name, e.g. id: simple');
      checkContractName(this.#path, `${at}.id`, id);
      const channel = def.channel === undefined ? channels[0] : this.#string(def, 'channel', at, `name its channel, one of ${channels.join(', ')}`);
      if (!channels.includes(channel)) throw new ConfigError(this.#path, `${at}.channel`, `${channel} is not a channel of fabric.channel (it has ${channels.join(', ')})`, `write one of ${channels.join(', ')}`);
      if (def.path !== undefined) installable = true;
      chaincodes.push({ name: id, channel });
    });
    if (installable) this.#ignore('install', 'fabric.chaincodes[].path');
    return { chaincodes, contextInList };
  }

  // -------------------------------------------------------------------------------------------------

  #ignore(kind: string, field: string): void {
    const list = this.#ignored.get(kind) ?? [];
    list.push(field);
    this.#ignored.set(kind, list);
  }

  #warn(line: string): void {
    this.#extra.push(line);
  }

  #warnings(): string[] {
    const why: Record<string, string> = {
      events: "not used: fabric-network 2.2 has no 1.x event hub; commits are waited for on each peer's deliver service at its requests address",
      ca: 'not used: nothing is enrolled at a CA; each organization signs with Admin@<domain> from fabric.cryptodir (or its user: { key, cert }), and no TLS client certificate is sent, so peers that require client authentication refuse the connection',
      deployed: 'ledgerbench does not create channels or join peers (the old adapter did when deployed was false): create them before the run, e.g. in caliper.command.start',
      install: 'not used: ledgerbench does not install or instantiate chaincode; each must be instantiated on its channel before the run',
      'endorsement-policy': "not used (it was the instantiation policy): a transaction is endorsed by every peer of its channel's organizations",
    };
    const out = [...this.#ignored.entries()].map(([kind, fields]) => `${this.#path}: ${fields.join(', ')}: ${why[kind]}`);
    return [...out, ...this.#extra.map((l) => `${this.#path}: ${l}`)];
  }

  #obj(value: unknown, field: string, fix: string): Obj {
    if (!isObj(value)) throw new ConfigError(this.#path, field, value === undefined ? 'is missing' : 'must be a mapping', fix);
    return value;
  }

  #string(o: Obj, key: string, parent: string, fix: string): string {
    const v = o[key];
    if (typeof v !== 'string' || v.trim() === '') throw new ConfigError(this.#path, `${parent}.${key}`, v === undefined ? 'is missing' : 'must be a non-empty string', fix);
    return v;
  }

  #optString(o: Obj, key: string, parent: string): string | undefined {
    const v = o[key];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') throw new ConfigError(this.#path, `${parent}.${key}`, 'must be a string', `write ${key} as a string or leave it out`);
    return v;
  }

  /** Where a relative path is, as Caliper resolved it: the workspace, then the file's folder. */
  #locate(written: string, field: string, what: string): string {
    const candidates = isAbsolute(written) ? [written] : [...new Set([resolve(this.#workspace, written), resolve(dirname(this.#path), written)])];
    const found = candidates.find((c) => existsSync(c));
    if (!found) {
      throw new ConfigError(this.#path, field, `cannot find ${what} ${JSON.stringify(written)}: not at ${candidates.join(' nor at ')}`, "fix the path (relative paths are looked for in the workspace, the folder ledgerbench runs in or $CALIPER_WORKSPACE, then in the file's folder)");
    }
    return found;
  }

  #readFile(written: string, field: string, what: string): string {
    const found = this.#locate(written, field, what);
    try {
      return readFileSync(found, 'utf8');
    } catch (err) {
      throw new ConfigError(this.#path, field, `cannot read ${what} at ${found} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, 'point it at a readable PEM file');
    }
  }
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function isObj(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
