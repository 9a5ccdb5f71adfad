/**
 * Which Fabric connector serves a connection profile. A profile says it in its `ledgerbench:` section
 * (`connector: fabric-legacy | fabric-gateway`, and optionally `fabricVersion: "1.4"`); otherwise the
 * file's shape decides: a Caliper fabric-ccp file (a `clients:` section, or `caliper.blockchain:
 * fabric-ccp`) and a Caliper 0.1 `fabric` adapter file (a `fabric:` section) were written for Fabric
 * 1.x clients and go to fabric-legacy, anything else (a Fabric
 * 2.4+ test-network profile, a Caliper 0.4+ network configuration, a ledgerbench connection file) to
 * fabric-gateway. A choice the network cannot serve fails here, before anything starts, saying why.
 */
import { ConfigError } from '../../config/errors.ts';
import { loadFabricNetwork } from '../fabric-gateway/profile.ts';
import { loadLegacyNetwork } from './profile.ts';

/** The two Fabric connectors. */
export type FabricConnectorType = 'fabric-legacy' | 'fabric-gateway';
const FABRIC_CONNECTORS: readonly FabricConnectorType[] = ['fabric-legacy', 'fabric-gateway'];

type Obj = Record<string, unknown>;

/** The first Fabric release whose peers serve the Gateway API. */
const GATEWAY_SINCE = [2, 4] as const;

/**
 * The connector for the profile `doc` read from `file`, from `ledgerbench.connector`, else
 * `ledgerbench.fabricVersion`, else the file's shape (see the module comment).
 *
 * @throws ConfigError for an unknown connector or version, or a connector the version cannot serve.
 */
export function chooseFabricConnector(file: string, doc: Obj): FabricConnectorType {
  const section = isObj(doc.ledgerbench) ? doc.ledgerbench : {};
  const version = fabricVersion(file, section.fabricVersion);
  const chosen = section.connector;
  if (chosen !== undefined && !(FABRIC_CONNECTORS as readonly unknown[]).includes(chosen)) {
    throw new ConfigError(file, 'ledgerbench.connector', `unknown Fabric connector ${JSON.stringify(chosen)}`, `write fabric-legacy (fabric-network 2.2: Fabric 1.4 to 2.x peers) or fabric-gateway (Gateway API: Fabric 2.4+), or leave it out`);
  }
  if (isObj(doc.fabric)) {
    if (chosen === 'fabric-gateway') {
      throw new ConfigError(
        file,
        'ledgerbench.connector',
        "this is a network file of Caliper 0.1's `fabric` adapter (a `fabric:` section), which only fabric-legacy reads",
        'write `connector: fabric-legacy` or leave connector out; for fabric-gateway, write a connection profile of the network',
      );
    }
    return 'fabric-legacy';
  }
  if (chosen === 'fabric-gateway' && version && !gatewayServes(version)) {
    throw new ConfigError(
      file,
      'ledgerbench.connector',
      `Fabric ${version.join('.')} peers have no Gateway service (it came with Fabric 2.4), so fabric-gateway cannot talk to them`,
      'write `connector: fabric-legacy` (or leave connector out: that is the default for this fabricVersion)',
    );
  }
  if (chosen) return chosen as FabricConnectorType;
  if (version) return gatewayServes(version) ? 'fabric-gateway' : 'fabric-legacy';
  const caliper = isObj(doc.caliper) ? doc.caliper : {};
  return isObj(doc.clients) || caliper.blockchain === 'fabric-ccp' ? 'fabric-legacy' : 'fabric-gateway';
}

/**
 * Picks the connector and checks, with that connector's own reader, everything it will need from the
 * profile (keys, certificates, TLS CAs, orderers for fabric-legacy), so that a bad file fails once,
 * before anything starts, and prints the fields fabric-legacy reads but cannot use, once. Resolves
 * with the connector.
 */
export async function checkFabricProfile(file: string, doc: Obj, workspace: string): Promise<FabricConnectorType> {
  const connector = chooseFabricConnector(file, doc);
  if (connector === 'fabric-legacy') {
    // Said once here, where the network is opened, rather than by every worker that reads the file.
    for (const line of (await loadLegacyNetwork(file, { workspace })).warnings) console.warn(`fabric-legacy: ${line}`);
  } else await loadFabricNetwork(file, { workspace });
  return connector;
}

/** `"1.4"`, `"2.2.1"`, `2.5` -> [major, minor]. */
function fabricVersion(file: string, v: unknown): [number, number] | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+)\.(\d+)(\.\d+)?$/.exec(String(v));
  if (!m || (typeof v !== 'string' && typeof v !== 'number')) {
    throw new ConfigError(file, 'ledgerbench.fabricVersion', `${JSON.stringify(v)} is not a Fabric version`, 'write the version of the peers, e.g. fabricVersion: "1.4" or "2.5"');
  }
  return [Number(m[1]), Number(m[2])];
}

function gatewayServes([major, minor]: [number, number]): boolean {
  return major > GATEWAY_SINCE[0] || (major === GATEWAY_SINCE[0] && minor >= GATEWAY_SINCE[1]);
}

function isObj(x: unknown): x is Obj {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}
