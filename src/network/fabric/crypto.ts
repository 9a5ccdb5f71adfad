/**
 * Crypto material with Fabric's own cryptogen: it writes exactly the MSP and TLS folder layout the
 * peer and orderer expect (NodeOUs config.yaml included), which is the more robust choice over
 * generating certificates here. Every TLS certificate also names localhost and 127.0.0.1, because
 * nodes reach each other at 127.0.0.1 and check the server certificate against that address.
 */
import { chmodSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { dump } from 'js-yaml';
import type { FabricNetworkFileConfig } from './config.ts';
import type { ProcessSupervisor } from './processes.ts';
import { ORDERER_ORG, type Topology } from './topology.ts';

const SANS = ['localhost', '127.0.0.1'];

/** Generates every organization's CA, node and user material into `topology.cryptoDir`. */
export async function generateCrypto(cfg: FabricNetworkFileConfig, topology: Topology, cryptogen: string, procs: ProcessSupervisor): Promise<void> {
  const spec = {
    OrdererOrgs: [
      {
        Name: 'Orderer',
        Domain: ORDERER_ORG.domain,
        EnableNodeOUs: true,
        Specs: topology.orderers.map((o) => ({ Hostname: o.host.split('.')[0], SANS })),
      },
    ],
    PeerOrgs: cfg.organizations.map((o) => ({
      Name: o.mspId.replace(/MSP$/, '') || o.mspId,
      Domain: o.domain,
      EnableNodeOUs: true,
      Template: { Count: o.peers, SANS },
      Users: { Count: o.users },
    })),
  };
  const specFile = join(topology.stateDir, 'crypto-config.yaml');
  writeFileSync(specFile, dump(spec), { mode: 0o600 });
  await procs.run('cryptogen', cryptogen, ['generate', '--config', specFile, '--output', topology.cryptoDir]);
  restrictKeys(topology.cryptoDir);
}

/** Private keys readable by their owner only (cryptogen leaves them as its umask says). */
function restrictKeys(dir: string): void {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) restrictKeys(path);
    else if (entry === 'priv_sk' || entry.endsWith('.key')) chmodSync(path, 0o600);
  }
}
