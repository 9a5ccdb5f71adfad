/**
 * Bringing a network up and down. `type: embedded` network files run in a child process (the
 * embedded Fabric network); any other network file is a Fabric connection profile, for which
 * Caliper's `caliper.command.start` / `end` are run and, when the profile asks for it (chaincodes with
 * a `path`, `created: false`), the channel and lifecycle steps through the peer CLI (existing/; Fabric
 * 1.4's steps with a 1.4 peer CLI). `network up` with such a profile runs them in a detached owner that
 * keeps the chaincode processes until `network down`; runs meanwhile use what it serves.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../config/errors.ts';
import { siblingModule } from '../module-path.ts';
import { loadNetworkFile, type ProfileNetworkConfig } from '../config/network-file.ts';
import { caliperWorkspace } from '../connectors/fabric-gateway/profile.ts';
import { checkFabricProfile } from '../connectors/fabric-legacy/choose-connector.ts';
import type { NetworkProcessMessage } from './embedded/main.ts';
import { type ExistingNetworkSetup, setUpExistingNetwork } from './existing/deploy.ts';
import { readDeployPlan } from './existing/plan.ts';
import { servedBy } from './existing/served.ts';
import { profileNetworkUp } from './existing/up.ts';
import { startFabricNetwork } from './fabric/network.ts';
import { startFabric14Network } from './fabric/v1/network.ts';
import { fabricNetworkUp } from './fabric/up.ts';
import type { NetworkHandle } from './types.ts';

const MAIN = siblingModule(import.meta.url, './embedded/main');
const TSX = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;

/** Options of {@link startNetwork}. */
export interface StartNetworkOptions {
  /** Receives the network process's output, line by line. */
  log?: (line: string) => void;
}

/**
 * Start the network a network file describes and resolve with its handle. For `type: embedded` this
 * runs the embedded network in a child process that exits when its parent goes away; the handle's
 * ref.file is the connection file (mode 0600, in a fresh temp folder). For a Fabric connection
 * profile nothing is started (Caliper's start command aside) and ref.file is the profile.
 */
export async function startNetwork(file: string, opts: StartNetworkOptions = {}): Promise<NetworkHandle> {
  const cfg = loadNetworkFile(file);
  if (cfg.type === 'profile') return startProfile(cfg, opts);
  if (cfg.type === 'fabric') return cfg.version === '1.4' ? startFabric14Network(cfg, { log: opts.log }) : startFabricNetwork(cfg, { log: opts.log });
  const dir = mkdtempSync(join(tmpdir(), 'ledgerbench-network-'));
  const child = spawnNetwork(cfg.file, dir, 'owned', ['ignore', 'pipe', 'pipe', 'ipc']);
  const tail: string[] = [];
  const onLine = (line: string) => {
    tail.push(line);
    if (tail.length > 40) tail.shift();
    opts.log?.(line);
  };
  pipeLines(child, onLine);
  let ready: Extract<NetworkProcessMessage, { type: 'ready' }>;
  try {
    ready = await waitReady(child, () => tail.join('\n'));
  } catch (err) {
    await killAndWait(child);
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let stopped: Promise<void> | undefined;
  return {
    ref: { connector: 'fabric-gateway', file: ready.connectionFile, operationsUrl: ready.operationsUrl },
    pids: [{ pid: ready.pid, name: `embedded-network:${cfg.name}` }],
    metricsUrls: [{ url: `${ready.operationsUrl}/metrics`, name: `embedded-network:${cfg.name}` }],
    stop: () => {
      stopped ??= killAndWait(child).finally(() => rmSync(dir, { recursive: true, force: true }));
      return stopped;
    },
  };
}

/**
 * `ledgerbench network up`: start the network detached from this process and record its pid and
 * connection file under `stateDir` (network.json). Its output goes to `stateDir/network.log`. A
 * connection profile that asks for a deployment gets the one startProfile runs, in a detached owner
 * (existing/up.ts); one that asks for none, its Caliper start command only (pid 0).
 */
export async function networkUp(file: string, stateFolder: string): Promise<{ connectionFile: string; pid: number }> {
  // Absolute before anything uses it: the network process runs in another folder.
  const stateDir = resolve(stateFolder);
  const cfg = loadNetworkFile(file);
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const statePath = join(stateDir, 'network.json');
  if (existsSync(statePath)) {
    const old = readState(statePath);
    if (old && (old.pid === 0 || alive(old.pid))) {
      throw new ConfigError(statePath, 'pid', `a network is already up (pid ${old.pid})`, 'run `ledgerbench network down` first');
    }
  }
  if (cfg.type === 'fabric') {
    if (cfg.version === '1.4') throw new ConfigError(cfg.file, 'version', '`network up` does not bring up Fabric 1.4 networks yet', 'run the benchmark with this file as its network (the run brings it up and down), or use a Fabric 2.x network');
    const up = await fabricNetworkUp(cfg, stateDir);
    writeFileSync(statePath, JSON.stringify({ pid: up.pid, connectionFile: up.connectionFile, networkFile: cfg.file }), { mode: 0o600 });
    return up;
  }
  if (cfg.type === 'profile') {
    const { workspace } = await checkProfile(cfg);
    // A deployment (chaincodes with a path, created: false) runs as in startProfile, in an owner
    // process that keeps the chaincode processes it starts until `network down`.
    if (await readDeployPlan(cfg.file, cfg.raw, workspace)) {
      const { pid } = await profileNetworkUp(cfg.file, stateDir, workspace);
      writeFileSync(statePath, JSON.stringify({ pid, connectionFile: cfg.file, networkFile: cfg.file, workspace }), { mode: 0o600 });
      return { connectionFile: cfg.file, pid };
    }
    if (cfg.commands.start) await runCommand(cfg.commands.start, workspace, 'caliper.command.start', cfg.file);
    writeFileSync(statePath, JSON.stringify({ pid: 0, connectionFile: cfg.file, networkFile: cfg.file, workspace }), { mode: 0o600 });
    return { connectionFile: cfg.file, pid: 0 };
  }
  const logFd = openSync(join(stateDir, 'network.log'), 'a', 0o600);
  let child: ChildProcess;
  try {
    child = spawnNetwork(cfg.file, stateDir, 'up', ['ignore', logFd, logFd, 'ipc']);
  } finally {
    closeSync(logFd);
  }
  let ready: Extract<NetworkProcessMessage, { type: 'ready' }>;
  try {
    ready = await waitReady(child, () => safeRead(join(stateDir, 'network.log')).split('\n').slice(-40).join('\n'));
  } catch (err) {
    await killAndWait(child);
    throw err;
  }
  writeFileSync(statePath, JSON.stringify({ pid: ready.pid, connectionFile: ready.connectionFile, operationsUrl: ready.operationsUrl, networkFile: cfg.file }), {
    mode: 0o600,
  });
  child.disconnect();
  child.unref();
  return { connectionFile: ready.connectionFile, pid: ready.pid };
}

/** `ledgerbench network down`: stop what networkUp started. Resolves false when nothing was up. */
export async function networkDown(stateDir: string): Promise<boolean> {
  const statePath = join(stateDir, 'network.json');
  const state = existsSync(statePath) ? readState(statePath) : undefined;
  if (!state) return false;
  if (state.pid === 0) {
    const cfg = existsSync(state.networkFile) ? loadNetworkFile(state.networkFile) : undefined;
    if (cfg?.type === 'profile' && cfg.commands.end) await runCommand(cfg.commands.end, state.workspace ?? caliperWorkspace(), 'caliper.command.end', cfg.file);
  } else if (alive(state.pid)) {
    process.kill(state.pid, 'SIGTERM');
    const deadline = Date.now() + STOP_TIMEOUT_MS;
    while (alive(state.pid) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    if (alive(state.pid)) process.kill(state.pid, 'SIGKILL');
  }
  rmSync(statePath, { force: true });
  // A profile's owner (pid set, connection file = the profile) ran Caliper's end command itself; the
  // profile is the user's file, never removed.
  if (state.pid !== 0 && state.connectionFile !== state.networkFile) rmSync(state.connectionFile, { force: true });
  return true;
}

interface UpState {
  pid: number;
  connectionFile: string;
  networkFile: string;
  /** Where a profile's Caliper commands run (Caliper's workspace when it came up). */
  workspace?: string;
}

function readState(path: string): UpState | undefined {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as UpState;
  } catch {
    return undefined;
  }
}

function safeRead(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Starts the network process. Either way it runs in a process group of its own, so a terminal's
 * Ctrl-C (SIGINT to the foreground group) reaches only its owner, which stops it once the workers'
 * last transactions have completed; otherwise it would stop at the same instant as the workers and
 * turn their in-flight transactions into failures. `owned` (startNetwork): it still exits when its
 * parent goes away (the IPC channel closes, also on kill -9), so it is never orphaned. `up`
 * (`ledgerbench network up`): it outlives this process until `network down`.
 */
function spawnNetwork(file: string, outDir: string, lifetime: 'owned' | 'up', stdio: Parameters<typeof spawn>[2]['stdio']): ChildProcess {
  const args = ['--import', TSX, MAIN, file, outDir, ...(lifetime === 'up' ? ['--detached'] : [])];
  return spawn(process.execPath, args, { stdio, detached: true, cwd: dirname(MAIN), env: process.env });
}

function pipeLines(child: ChildProcess, onLine: (line: string) => void): void {
  for (const stream of [child.stdout, child.stderr]) {
    let buf = '';
    stream?.setEncoding('utf8');
    stream?.on('data', (chunk: string) => {
      buf += chunk;
      let i = buf.indexOf('\n');
      while (i >= 0) {
        onLine(buf.slice(0, i));
        buf = buf.slice(i + 1);
        i = buf.indexOf('\n');
      }
    });
  }
}

function waitReady(child: ChildProcess, output: () => string): Promise<Extract<NetworkProcessMessage, { type: 'ready' }>> {
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => finish(new Error(`the embedded network did not start within ${START_TIMEOUT_MS / 1000}s\n${output()}`)), START_TIMEOUT_MS);
    let done = false;
    const finish = (err: Error | null, msg?: Extract<NetworkProcessMessage, { type: 'ready' }>) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolvePromise(msg!);
    };
    const onMessage = (m: NetworkProcessMessage) => {
      if (m.type === 'ready') finish(null, m);
      else if (m.config) finish(new ConfigError(m.config.file, m.config.field, m.config.problem, m.config.fix));
      else finish(new Error(`the embedded network failed to start: ${m.message}`));
    };
    const onExit = (code: number | null, signal: string | null) => {
      // An error message may still be in flight; give it a moment.
      setTimeout(() => finish(new Error(`the embedded network exited during start (code ${code}, signal ${signal})\n${output()}`)), 100);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

async function killAndWait(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
  await exited;
  clearTimeout(timer);
}

/**
 * Checks everything the connector will need from a connection profile (files found and parsed: keys,
 * certificates, TLS CAs, connection profiles; channel and contract names) before anything starts, so
 * that a bad profile fails here, once, rather than in every worker after the round has begun, and
 * before Caliper's start command has brought anything up. Resolves with the workspace its relative
 * paths were resolved against, which is also where Caliper runs its commands, and the connector.
 */
async function checkProfile(cfg: ProfileNetworkConfig): Promise<{ workspace: string; connector: string }> {
  const workspace = caliperWorkspace();
  // The profile's ledgerbench.connector, else its shape, picks fabric-legacy or fabric-gateway.
  const connector = await checkFabricProfile(cfg.file, cfg.raw, workspace);
  return { workspace, connector };
}

async function startProfile(cfg: ProfileNetworkConfig, opts: StartNetworkOptions): Promise<NetworkHandle> {
  // Caliper runs its commands in the workspace (`cd <workspace>; <command>`).
  const { workspace, connector } = await checkProfile(cfg);
  // What the file asks to deploy (chaincodes with a path, created: false) is checked before anything runs.
  const plan = await readDeployPlan(cfg.file, cfg.raw, workspace);
  const owner = plan ? servedBy(cfg.file) : undefined;
  if (owner) {
    // `network up` deployed it and keeps its chaincode processes (and ran Caliper's start command; it
    // runs the end command at `network down`): deploying again would start a second set.
    opts.log?.(`existing network ${cfg.file}: set up by \`ledgerbench network up\` (pid ${owner.pid}), whose chaincode processes serve it; nothing deployed, no Caliper command run (\`ledgerbench network down\` ends it; deploy a change after that)`);
    // Its chaincode processes are the ones this run's process monitor reports.
    return { ref: { connector, file: cfg.file, workspace }, pids: owner.processes, metricsUrls: [], stop: async () => {} };
  }
  if (cfg.commands.start) await runCommand(cfg.commands.start, workspace, 'caliper.command.start', cfg.file);
  const end = () => (cfg.commands.end ? runCommand(cfg.commands.end, workspace, 'caliper.command.end', cfg.file) : Promise.resolve());
  let setup: ExistingNetworkSetup | undefined;
  if (plan) {
    try {
      setup = await setUpExistingNetwork(plan, { log: opts.log });
    } catch (err) {
      // What the start command brought up goes down again, as after a run.
      await end().catch(() => {});
      throw err;
    }
  }
  let stopped: Promise<void> | undefined;
  return {
    ref: { connector, file: cfg.file, workspace },
    pids: setup?.services.map((p) => ({ pid: p.pid, name: p.name })) ?? [],
    metricsUrls: [],
    stop: () => {
      stopped ??= (setup?.stop() ?? Promise.resolve()).then(end);
      return stopped;
    },
  };
}

function runCommand(command: string, cwd: string, field: string, file: string): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('/bin/sh', ['-c', command], { cwd, stdio: ['ignore', 'inherit', 'inherit'] });
    child.on('error', (err) => reject(new ConfigError(file, field, `could not run ${JSON.stringify(command)}: ${err.message}`, 'fix the command')));
    child.on('exit', (code) =>
      code === 0
        ? resolvePromise()
        : reject(new ConfigError(file, field, `${JSON.stringify(command)} exited with code ${code}`, 'fix the command or remove it')),
    );
  });
}
