#!/usr/bin/env node
// Makes sure the Debian packages the tests need are installed: Chromium (HTML report test), podman,
// runc and busybox-static (a real Docker Engine API for the docker monitor), zookeeperd (distributed
// workers). As root it installs what is missing with apt-get; otherwise it names what is missing and
// fails, because those tests cannot pass without them.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const NEEDED = [
  { pkg: 'chromium', file: '/usr/bin/chromium', why: 'renders the HTML report in a real browser' },
  { pkg: 'podman', file: '/usr/bin/podman', why: 'serves a real Docker Engine API for the docker monitor' },
  { pkg: 'runc', file: '/usr/sbin/runc', why: 'the container runtime podman uses here' },
  { pkg: 'busybox-static', file: '/bin/busybox', why: 'the root filesystem of the test containers' },
  { pkg: 'zookeeperd', file: '/usr/share/java/zookeeper.jar', why: 'a real ZooKeeper server for distributed workers' },
];

const missing = NEEDED.filter((n) => !existsSync(n.file) && !existsSync(n.file.replace('/usr/sbin/', '/usr/bin/')));
if (missing.length === 0) process.exit(0);

const isRoot = process.getuid?.() === 0;
if (!isRoot) {
  process.stderr.write(`Missing Debian packages the tests need:\n${missing.map((m) => `  ${m.pkg}: ${m.why}`).join('\n')}\nInstall them with: sudo apt-get install -y ${missing.map((m) => m.pkg).join(' ')}\n`);
  process.exit(1);
}
process.stderr.write(`Installing Debian packages the tests need: ${missing.map((m) => m.pkg).join(' ')}\n`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env });
const install = spawnSync('apt-get', ['install', '-y', '-qq', ...missing.map((m) => m.pkg)], { stdio: 'inherit', env });
if (install.status !== 0) {
  process.stderr.write(`apt-get install failed (exit ${install.status}); the tests that need ${missing.map((m) => m.pkg).join(', ')} cannot run\n`);
  process.exit(1);
}
