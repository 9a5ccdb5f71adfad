/**
 * Test helper: a private podman serving the Docker Engine API, with everything (image store, run state,
 * containers.conf) inside one temporary folder, and a teardown that removes it all.
 *
 * What makes podman 4.3 work on these machines (see /work/shared/MACHINE-NOTES.md): runc instead of
 * crun, fixed ulimits (no CAP_SYS_RESOURCE), an image imported from a tarred static busybox because no
 * registry is reachable. Storage uses the vfs driver so no overlay mounts outlive the test.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../support/ports.ts';
import { stopChild } from '../support/processes.ts';

const run = promisify(execFile);

/** A running private podman. */
export interface Podman {
  dir: string;
  /** The unix socket of its Docker API service, as a DOCKER_HOST value. */
  dockerHost: string;
  image: string;
  /** `podman run -d --name <name> <image> sh -c <script>`; resolves to the container ID. */
  runContainer(name: string, script: string): Promise<string>;
  /** Serve the Docker API on tcp://127.0.0.1:<port> as well; resolves to the port. */
  serveTcp(): Promise<number>;
  /** Remove containers, stop services, delete the folder. Safe to call twice. */
  close(): Promise<void>;
}

/** Which of the programs this helper needs are missing (empty when all are there). */
export function missingPrograms(): string[] {
  const need: Array<[string, string[]]> = [
    ['podman', ['/usr/bin/podman']],
    ['runc', ['/usr/sbin/runc', '/usr/bin/runc']],
    ['busybox-static', ['/bin/busybox']],
  ];
  return need.filter(([, paths]) => !paths.some((p) => existsSync(p))).map(([name]) => name);
}

/** Start podman's Docker API service in a fresh temporary folder. Throws, saying what is missing. */
export async function startPodman(): Promise<Podman> {
  const missing = missingPrograms();
  if (missing.length > 0) {
    throw new Error(`podman cannot run here: missing ${missing.join(', ')} (Debian: apt-get install -y podman runc busybox-static)`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'lbmon-podman-'));
  const services: ChildProcess[] = [];
  const env = {
    ...process.env,
    CONTAINERS_CONF: join(dir, 'containers.conf'),
    CONTAINERS_STORAGE_CONF: join(dir, 'storage.conf'),
  };
  const global = [
    '--root', join(dir, 'root'),
    '--runroot', join(dir, 'runroot'),
    '--tmpdir', join(dir, 'libpod'),
    '--storage-driver', 'vfs',
    '--cgroup-manager', 'cgroupfs',
    '--events-backend', 'file',
  ];
  const podman = (...args: string[]) => run('podman', [...global, ...args], { env, timeout: 60_000 });
  const image = 'localhost/lbmon-busybox:latest';

  const close = async () => {
    if (!existsSync(dir)) return;
    await podman('rm', '--all', '--force', '--time', '0').catch(() => undefined);
    await Promise.all(services.map(stopService));
    await unmountUnder(dir);
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await writeFile(
      env.CONTAINERS_CONF,
      '[containers]\ndefault_ulimits=["nofile=20000:20000","nproc=32768:32768"]\n[engine]\nruntime="runc"\n',
    );
    await writeFile(
      env.CONTAINERS_STORAGE_CONF,
      `[storage]\ndriver="vfs"\ngraphroot="${join(dir, 'root')}"\nrunroot="${join(dir, 'runroot')}"\n`,
    );
    // A root filesystem of static busybox and its applets; `busybox --list` includes itself, skip it.
    const rootfs = join(dir, 'rootfs');
    await mkdir(join(rootfs, 'bin'), { recursive: true });
    await copyFile('/bin/busybox', join(rootfs, 'bin/busybox'));
    const { stdout } = await run('/bin/busybox', ['--list']);
    for (const applet of stdout.split('\n')) {
      if (applet && applet !== 'busybox') await symlink('busybox', join(rootfs, 'bin', applet));
    }
    await run('tar', ['-C', rootfs, '-cf', join(dir, 'rootfs.tar'), '.']);
    await podman('import', join(dir, 'rootfs.tar'), image);

    const socket = join(dir, 'podman.sock');
    services.push(await startService(global, env, `unix://${socket}`, { socketPath: socket }, dir));

    return {
      dir,
      dockerHost: `unix://${socket}`,
      image,
      async runContainer(name, script) {
        const { stdout: id } = await podman('run', '-d', '--name', name, image, '/bin/sh', '-c', script);
        return id.trim();
      },
      async serveTcp() {
        // podman takes the published address as text, so it cannot be given port 0.
        const port = await freePort();
        services.push(await startService(global, env, `tcp://127.0.0.1:${port}`, { host: '127.0.0.1', port }, dir));
        return port;
      },
      close,
    };
  } catch (err) {
    await close();
    throw err;
  }
}

async function startService(
  global: string[],
  env: NodeJS.ProcessEnv,
  uri: string,
  target: { socketPath?: string; host?: string; port?: number },
  dir: string,
): Promise<ChildProcess> {
  const logFile = join(dir, `service-${Date.now()}.log`);
  const child = spawn('podman', [...global, 'system', 'service', '--time=0', uri], {
    env,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  child.stderr?.on('data', (b: Buffer) => {
    log = (log + b.toString()).slice(-4000);
  });
  const deadline = Date.now() + 20_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    if (await pings(target)) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  await stopService(child);
  await writeFile(logFile, log).catch(() => undefined);
  throw new Error(`podman system service ${uri} did not answer /_ping within 20 s; its stderr:\n${log}`);
}

function pings(target: { socketPath?: string; host?: string; port?: number }): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ ...target, path: '/_ping', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

const stopService = (child: ChildProcess) => stopChild(child, 5000);

/** Unmount anything podman left mounted inside the folder (e.g. a container's /dev/shm), deepest first. */
async function unmountUnder(dir: string): Promise<void> {
  const mounts = (await readFile('/proc/mounts', 'utf8'))
    .split('\n')
    .map((l) => l.split(' ')[1])
    .filter((m) => m?.startsWith(dir))
    .sort((a, b) => b.length - a.length);
  for (const m of mounts) await run('umount', ['-l', m]).catch(() => undefined);
}
