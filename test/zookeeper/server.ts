/**
 * A private ZooKeeper server for tests: Debian's zookeeperd jar run directly (its zkServer.sh always
 * reads /etc/zookeeper/conf), on 127.0.0.1 and a free port, with its data in a temporary folder.
 * Missing java or zookeeper.jar is an error that says what to install, never a skip.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../support/ports.ts';
import { stopChild } from '../support/processes.ts';

const ZOOKEEPER_JAR = '/usr/share/java/zookeeper.jar';
const ZOOKEEPER_CONF_DIR = '/etc/zookeeper/conf';
const READY_TIMEOUT_MS = 30_000;

/** A running test server. */
export interface ZooKeeperServer {
  /** `127.0.0.1:<port>`, the connection string clients use. */
  readonly server: string;
  readonly port: number;
  readonly pid: number;
  /** Stops the server (SIGTERM, SIGKILL after 5 s) and removes its data folder. */
  stop(): Promise<void>;
}

/** Starts a server and resolves once it answers `ruok` with `imok`. */
export async function startZooKeeper(): Promise<ZooKeeperServer> {
  const java = spawnSync('java', ['-version'], { stdio: 'ignore' });
  if (java.error) throw new Error(`java is missing (${java.error.message}); install Debian's zookeeperd (apt-get install -y zookeeperd), which brings a JRE`);
  if (!existsSync(ZOOKEEPER_JAR)) throw new Error(`${ZOOKEEPER_JAR} is missing; install Debian's zookeeperd (apt-get install -y zookeeperd)`);

  const dir = mkdtempSync(join(tmpdir(), 'ledgerbench-zk-'));
  const port = await freePort();
  const cfg = join(dir, 'zoo.cfg');
  writeFileSync(
    cfg,
    [
      'tickTime=2000',
      `dataDir=${join(dir, 'data')}`,
      `clientPort=${port}`,
      'clientPortAddress=127.0.0.1',
      'admin.enableServer=false',
      '4lw.commands.whitelist=ruok,srvr,stat,mntr',
      // Lets tests ask for short sessions (2 ticks), so a killed agent is noticed within seconds.
      'minSessionTimeout=4000',
      '',
    ].join('\n'),
  );
  const child = spawn(
    'java',
    [
      '-Xmx128m',
      '-XX:+UseSerialGC',
      '-XX:TieredStopAtLevel=1',
      `-Dzookeeper.log.dir=${dir}`,
      '-Dzookeeper.root.logger=WARN,CONSOLE',
      '-cp',
      `${ZOOKEEPER_CONF_DIR}:${ZOOKEEPER_JAR}`,
      'org.apache.zookeeper.server.ZooKeeperServerMain',
      cfg,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const stop = () => stopServer(child, dir);
  try {
    await waitForImok(child, port, () => output);
  } catch (err) {
    await stop();
    throw err;
  }
  return { server: `127.0.0.1:${port}`, port, pid: child.pid as number, stop };
}

/** Sends a four-letter command and resolves with the whole answer. */
export function fourLetter(port: number, command: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    let answer = '';
    socket.setTimeout(2000, () => socket.destroy(new Error(`no answer to ${command}`)));
    socket.on('connect', () => socket.write(command));
    socket.on('data', (d) => {
      answer += d.toString();
    });
    socket.on('end', () => resolve(answer));
    socket.on('error', reject);
  });
}

async function waitForImok(child: ChildProcess, port: number, output: () => string): Promise<void> {
  let exited: string | undefined;
  child.once('exit', (code, signal) => {
    exited = `code ${code} signal ${signal}`;
  });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited) throw new Error(`ZooKeeper exited (${exited}) before it was ready:\n${output()}`);
    if ((await fourLetter(port, 'ruok').catch(() => '')) === 'imok') return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`ZooKeeper did not answer ruok within ${READY_TIMEOUT_MS / 1000}s:\n${output()}`);
}

async function stopServer(child: ChildProcess, dir: string): Promise<void> {
  await stopChild(child, 5000);
  rmSync(dir, { recursive: true, force: true });
}
