/**
 * The seeds' steps 2 to 5 on a Fabric 1.4 network someone else started, as Caliper 0.1 ran them,
 * through the real 1.4 `peer` CLI (deploy.ts runs this when the CLI found is 1.x):
 *
 * 2. `created: false`: when no listed peer has joined the channel and the orderer (which boots with a
 *    system channel) does not have it, `peer channel create` with the file's `configBinary` (a channel
 *    creation transaction from configtxgen; ledgerbench does not generate one: the consortium and the
 *    organizations' names in the system channel, which it must match, are not in a profile);
 * 3. every listed peer that `peer channel list` does not show joins with block 0 (the create's output
 *    block, else fetched from the orderer);
 * 4. `peer chaincode install` on every listed peer whose `peer chaincode list --installed` lacks the
 *    name and version;
 * 5. `peer chaincode list --instantiated` decides: the name at this version is reused, at another
 *    version upgraded (`peer chaincode upgrade`), absent instantiated; Init gets Caliper's `function`
 *    and `init` arguments when the file has them, else nothing (a contract's default initializer).
 *
 * 1.4 has no external builders, and without Docker a 1.4 peer runs chaincode only in chaincode dev mode
 * (`peer node start --peer-chaincodedev=true`): ledgerbench starts one chaincode process per peer,
 * which dials the peer's chaincode listener and registers as `<name>:<version>` (v1/network.ts's
 * dev-mode starter), before instantiating and for as long as it runs. The chaincode runs only while
 * ledgerbench does.
 */
import { join } from 'node:path';
import { ConfigError } from '../../config/errors.ts';
import type { ManagedProcess, ProcessSupervisor } from '../fabric/processes.ts';
import { readTail } from '../fabric/processes.ts';
import { waitUntil } from '../fabric/readiness.ts';
import { devChaincodeRegistered, startDevChaincode } from '../fabric/v1/network.ts';
import type { ChaincodeOutcome } from './deploy.ts';
import type { PeerCli } from './peer-cli.ts';
import { type DeployPlan, type PlannedChaincode, type PlannedChannel, type PrebuiltChaincode, prebuiltNotDeployed } from './plan.ts';

const REGISTER_TIMEOUT_MS = 30_000;
const INSTANTIATE_TIMEOUT_MS = 90_000;
const LISTED_TIMEOUT_MS = 60_000;

/** Why a 1.4 chaincode may not start, said wherever instantiation fails or a chaincode never registers. */
export const DEV_MODE_NOTE =
  'On Fabric 1.4 without Docker, chaincode runs only on peers in chaincode dev mode (`peer node start --peer-chaincodedev=true`): ledgerbench starts the Node chaincode itself and it registers with each peer\'s chaincode listener; a peer not in dev mode tries to build and start a Docker container for it, which this machine cannot do';

type Log = (line: string) => void;

/** Runs steps 2 to 5 for every channel of the plan; the chaincode processes run under `procs`. */
export async function setUp14(plan: DeployPlan, cli: PeerCli, procs: ProcessSupervisor, stateDir: string, log: Log): Promise<{ outcomes: ChaincodeOutcome[]; services: ManagedProcess[] }> {
  const outcomes: ChaincodeOutcome[] = [];
  const services: ManagedProcess[] = [];
  for (const ch of plan.channels) {
    if (ch.join) await ensureChannel(plan, ch, cli, stateDir, log);
    for (const cc of ch.chaincodes) {
      const done = await ensureChaincode(ch, cc, cli, procs, log);
      outcomes.push(done.outcome);
      services.push(...done.services);
    }
    for (const cc of ch.prebuilt) outcomes.push(await usePrebuilt(plan.file, ch, cc, cli, log));
  }
  return { outcomes, services };
}

/** Steps 2 and 3: the channel exists on the orderer and every listed peer has joined it. */
async function ensureChannel(plan: DeployPlan, ch: PlannedChannel, cli: PeerCli, stateDir: string, log: Log): Promise<void> {
  const started = performance.now();
  const missing = await cli.notJoined(ch.peers, ch.name);
  if (missing.length === 0) {
    log(`channel ${ch.name}: every listed peer has joined it (created: false, nothing to do)`);
    return;
  }
  const block = join(stateDir, `${ch.name}.block`);
  const orderer = cli.ordererArgs(ch.orderer);
  let created = false;
  try {
    await cli.run('channel-fetch', missing[0], ['channel', 'fetch', '0', block, '-c', ch.name, ...orderer]);
  } catch (err) {
    if (!/NOT_FOUND/.test((err as Error).message)) throw err;
    // The orderer does not have it: create it, as Caliper did for `created: false`.
    if (!ch.configBinary) {
      throw new ConfigError(
        plan.file,
        `channels.${ch.name}.configBinary`,
        `channel ${ch.name} does not exist on orderer ${ch.orderer.endpoint} (created: false), and creating it on Fabric 1.4 takes its channel creation transaction, which the file does not give (ledgerbench does not generate one: it must name the consortium and organizations of the orderer's system channel, which a profile does not describe)`,
        `write the transaction with configtxgen (configtxgen -profile <your channel profile> -channelID ${ch.name} -outputCreateChannelTx channel.tx) and give its path as configBinary: channel.tx, or create the channel yourself`,
      );
    }
    await cli.run('channel-create', missing[0], ['channel', 'create', ...orderer, '-c', ch.name, '-f', ch.configBinary, '--outputBlock', block]);
    created = true;
  }
  for (const p of missing) await cli.run('channel-join', p, ['channel', 'join', '-b', block]);
  log(`channel ${ch.name}: ${created ? `created on orderer ${ch.orderer.name} from ${ch.configBinary}, ` : ''}joined ${missing.map((p) => p.name).join(', ')}${took(started)}`);
}

function took(since: number): string {
  return ` (${((performance.now() - since) / 1000).toFixed(1)} s)`;
}

/** `Name: x, Version: y, ...` lines of `peer chaincode list`. */
export function parseChaincodeList(output: string): Array<{ name: string; version: string }> {
  return output.split('\n').flatMap((l) => {
    const m = /^\s*Name: ([^,]+), Version: ([^,]+)/.exec(l);
    return m ? [{ name: m[1].trim(), version: m[2].trim() }] : [];
  });
}

/** A Go or Java chaincode: used when instantiated at the file's version, else a ConfigError. */
async function usePrebuilt(planFile: string, ch: PlannedChannel, cc: PrebuiltChaincode, cli: PeerCli, log: Log): Promise<ChaincodeOutcome> {
  const current = parseChaincodeList(await cli.run('list-instantiated', ch.peers[0], ['chaincode', 'list', '--instantiated', '-C', ch.name])).find((c) => c.name === cc.name);
  if (current?.version !== cc.version) throw prebuiltNotDeployed(planFile, ch.name, cc, current?.version);
  log(`chaincode ${cc.name} on ${ch.name}: ${cc.language}, instantiated at version ${cc.version}, used as deployed`);
  return { channel: ch.name, chaincode: cc.name, action: 'reused', sequence: 0, packageId: `${cc.name}:${cc.version}`, address: '' };
}

/** Steps 4 and 5 for one chaincode, with its dev-mode processes. */
async function ensureChaincode(ch: PlannedChannel, cc: PlannedChaincode, cli: PeerCli, procs: ProcessSupervisor, log: Log): Promise<{ outcome: ChaincodeOutcome; services: ManagedProcess[] }> {
  const started = performance.now();
  const first = ch.peers[0];
  const current = parseChaincodeList(await cli.run('list-instantiated', first, ['chaincode', 'list', '--instantiated', '-C', ch.name])).find((c) => c.name === cc.name);
  const action: ChaincodeOutcome['action'] = !current ? 'deployed' : current.version === cc.version ? 'reused' : 'upgraded';

  const installed = await Promise.all(
    ch.peers.map(async (p) => {
      const listed = parseChaincodeList(await cli.run('list-installed', p, ['chaincode', 'list', '--installed']));
      if (listed.some((c) => c.name === cc.name && c.version === cc.version)) return false;
      await cli.run('install', p, ['chaincode', 'install', '-n', cc.name, '-v', cc.version, '-l', 'node', '-p', cc.path]);
      return true;
    }),
  );
  const installedOn = ch.peers.filter((_, i) => installed[i]).map((p) => p.name);

  // Dev mode: the chaincode must have registered with a peer before that peer can run it.
  const services = ch.peers.map((p) => startDevChaincode(procs, cc, { name: p.name, chaincodeAddress: p.chaincodeAddress }));
  await Promise.all(
    services.map((s, i) => {
      const p = ch.peers[i];
      return waitUntil(`chaincode ${cc.name}:${cc.version} to register with peer ${p.name} at ${p.chaincodeAddress} (${p.chaincodeAddressField}; the peer must be in chaincode dev mode)`, async () => devChaincodeRegistered(s), REGISTER_TIMEOUT_MS, [s]).catch((err: Error) => {
        // A peer not in dev mode refuses a chaincode it did not launch, without a word to the chaincode.
        // An exit's message carries the log already; a silent wait gets it here.
        const tail = s.exit ? '' : `\nThe chaincode process's log ends with:\n${readTail(s.logFile, 20)}`;
        throw new Error(`${err.message}\n${DEV_MODE_NOTE}.${tail}`, { cause: err });
      });
    }),
  );

  if (action !== 'reused') {
    const verb = action === 'deployed' ? 'instantiate' : 'upgrade';
    const args = ['chaincode', verb, ...cli.ordererArgs(ch.orderer), '-C', ch.name, '-n', cc.name, '-v', cc.version, '-l', 'node', '-c', JSON.stringify({ Args: cc.init ? [cc.init.function, ...cc.init.args] : [] }), ...(cc.endorsementPolicy ? ['-P', cc.endorsementPolicy] : [])];
    try {
      await cli.run(verb, first, args, false, INSTANTIATE_TIMEOUT_MS);
    } catch (err) {
      const tail = readTail(services[0].logFile, 15);
      throw new Error(`chaincode ${cc.name} ${cc.version} on ${ch.name}: \`peer chaincode ${verb}\` on ${first.name} failed. ${DEV_MODE_NOTE}.\n${(err as Error).message}\nchaincode process for ${first.name}, log tail:\n${tail}`, { cause: err });
    }
  }
  // The definition commits with a block: every peer must list it before a round endorses there (a
  // peer that joined a moment ago too, while it catches up with the channel's blocks).
  const instantiated = performance.now();
  const listedAt = await Promise.all(
    ch.peers.map(async (p) => {
      await waitUntil(
        `chaincode ${cc.name} ${cc.version} to be listed as instantiated on ${p.name}`,
        async () => {
          const out = await cli.run('list-instantiated', p, ['chaincode', 'list', '--instantiated', '-C', ch.name]).catch(() => '');
          return parseChaincodeList(out).some((c) => c.name === cc.name && c.version === cc.version);
        },
        LISTED_TIMEOUT_MS,
        services,
      );
      return `${p.name} ${((performance.now() - instantiated) / 1000).toFixed(1)} s`;
    }),
  );
  const listedAfter = action === 'reused' ? '' : ` (listed after the ${action === 'deployed' ? 'instantiate' : 'upgrade'} by ${listedAt.join(', ')})`;
  const installNote = installedOn.length > 0 ? `installed on ${installedOn.join(', ')}` : 'installed on every listed peer already';
  const what =
    action === 'reused'
      ? `instantiated at version ${cc.version} already, reused (nothing instantiated); ${installNote}`
      : action === 'upgraded'
        ? `upgraded from version ${current!.version} to ${cc.version}; ${installNote}`
        : `instantiated at version ${cc.version}; ${installNote}`;
  log(`chaincode ${cc.name} on ${ch.name}: ${what}; dev-mode chaincode processes registered with ${ch.peers.map((p) => p.name).join(', ')}${listedAfter}${took(started)}`);
  return {
    outcome: { channel: ch.name, chaincode: cc.name, action, sequence: 0, packageId: `${cc.name}:${cc.version}`, address: ch.peers.map((p) => p.chaincodeAddress).join(',') },
    services,
  };
}
