import { ConfigError } from '../config/errors.ts';
import { validateDelayOptions } from './delay.ts';
import type { Connector, ConnectorContext, ConnectorFactory, NetworkRef } from './types.ts';

/** Loaded lazily so a noop run never pays for gRPC and the Fabric SDKs. */
const FACTORIES: Record<string, () => Promise<ConnectorFactory>> = {
  noop: async () => (await import('./noop.ts')).createNoopConnector,
  delay: async () => (await import('./delay.ts')).createDelayConnector,
  'fabric-gateway': async () => (await import('./fabric-gateway/index.ts')).createFabricGatewayConnector,
  'fabric-legacy': async () => (await import('./fabric-legacy/index.ts')).createFabricLegacyConnector,
};

/** Names of the connectors ledgerbench knows. */
function knownConnectors(): string[] {
  return Object.keys(FACTORIES).sort();
}

/** Checks a NetworkRef before any worker starts. */
export function validateNetworkRef(ref: NetworkRef, file: string, field: string): void {
  if (!FACTORIES[ref.connector]) {
    throw new ConfigError(file, field, `unknown connector ${JSON.stringify(ref.connector)}`, `use one of: ${knownConnectors().join(', ')}`);
  }
  if (ref.connector === 'delay') validateDelayOptions(ref.options ?? {}, file, `${field}.options`);
}

/** Builds the connector a worker uses. */
export async function createConnector(ctx: ConnectorContext): Promise<Connector> {
  const load = FACTORIES[ctx.network.connector];
  if (!load) throw new Error(`unknown connector ${JSON.stringify(ctx.network.connector)}; known: ${knownConnectors().join(', ')}`);
  return (await load())(ctx);
}
