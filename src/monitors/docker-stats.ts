/**
 * Figures from one Docker Engine API stats answer (`GET /containers/{id}/stats?stream=false`), as
 * `docker stats` computes them, tolerant of podman's variant of the same API.
 */

/** The parts of a stats answer we read; every field may be missing. */
export interface RawStats {
  cpu_stats?: {
    cpu_usage?: { total_usage?: number; percpu_usage?: number[] };
    system_cpu_usage?: number;
    online_cpus?: number;
  };
  memory_stats?: { usage?: number; stats?: Record<string, number> };
  networks?: Record<string, { rx_bytes?: number; tx_bytes?: number }>;
  network?: { rx_bytes?: number; tx_bytes?: number };
  blkio_stats?: { io_service_bytes_recursive?: Array<{ op?: string; value?: number }> | null };
}

/** The CPU counters of one answer plus when we received it (for the rate's time base). */
export interface CpuPoint {
  /** Container CPU time, ns. */
  total: number;
  /** The daemon's system CPU counter, ns. */
  system: number;
  /** Our monotonic clock when the answer arrived, ns. */
  wallNs: number;
  cpus: number;
}

/** CPU counters of an answer, or undefined when it has none. */
export function cpuPoint(raw: RawStats, wallNs: number): CpuPoint | undefined {
  const total = raw.cpu_stats?.cpu_usage?.total_usage;
  const system = raw.cpu_stats?.system_cpu_usage;
  if (typeof total !== 'number' || typeof system !== 'number') return undefined;
  const cpus = raw.cpu_stats?.online_cpus || raw.cpu_stats?.cpu_usage?.percpu_usage?.length || 1;
  return { total, system, wallNs, cpus };
}

/**
 * CPU % between two answers, 100 = one core, as `docker stats` computes it: container CPU delta over
 * system CPU delta, times online CPUs. Docker's system counter adds up all CPUs (it advances about
 * `cpus` times faster than the clock); podman 4's advances at clock speed, which would double the figure
 * on two cores. When the system counter moved at about clock speed, it is taken as wall time and the
 * CPU count is not applied. null after a restart (counters went back) or with no time between.
 */
export function cpuPercent(prev: CpuPoint, cur: CpuPoint): number | null {
  const cpuDelta = cur.total - prev.total;
  const sysDelta = cur.system - prev.system;
  const wallDelta = cur.wallNs - prev.wallNs;
  if (cpuDelta < 0 || sysDelta <= 0) return null;
  const clockSpeed = cur.cpus > 1 && wallDelta > 0 && sysDelta < wallDelta * cur.cpus * 0.6;
  return clockSpeed ? (cpuDelta / sysDelta) * 100 : (cpuDelta / sysDelta) * cur.cpus * 100;
}

/**
 * Memory in use, minus the page cache the kernel can drop, as `docker stats` shows it:
 * `total_inactive_file` under cgroup v1, `inactive_file` under v2 (podman sends neither: usage as is).
 */
export function memoryBytes(raw: RawStats): number | null {
  const usage = raw.memory_stats?.usage;
  if (typeof usage !== 'number') return null;
  const s = raw.memory_stats?.stats ?? {};
  const inactive = s.total_inactive_file ?? s.inactive_file;
  return typeof inactive === 'number' && inactive < usage ? usage - inactive : usage;
}

/**
 * Bytes received and sent over all interfaces since the container started. Docker keys interfaces
 * under `networks` (eth0, ...); podman 4 reports one entry named `network`, and some versions a
 * top-level `network` object. undefined when there is no network section (e.g. `--network host`).
 */
export function networkTotals(raw: RawStats): { rx: number; tx: number } | undefined {
  const ifaces = raw.networks ? Object.values(raw.networks) : raw.network ? [raw.network] : [];
  if (ifaces.length === 0) return undefined;
  let rx = 0;
  let tx = 0;
  for (const i of ifaces) {
    rx += i.rx_bytes ?? 0;
    tx += i.tx_bytes ?? 0;
  }
  return { rx, tx };
}

/**
 * Bytes read and written by the container's block I/O. undefined when the daemon reports none (podman
 * on VMs without per-cgroup I/O accounting sends an empty list): unknown, not zero.
 */
export function blkioTotals(raw: RawStats): { read: number; write: number } | undefined {
  const list = raw.blkio_stats?.io_service_bytes_recursive;
  if (!Array.isArray(list) || list.length === 0) return undefined;
  let read = 0;
  let write = 0;
  for (const e of list) {
    const op = e.op?.toLowerCase();
    if (op === 'read') read += e.value ?? 0;
    else if (op === 'write') write += e.value ?? 0;
  }
  return { read, write };
}
