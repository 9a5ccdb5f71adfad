import { readdirSync, readFileSync } from 'node:fs';
export function threads(pid: number | 'self'): Record<string, { u: number; s: number }> {
  const out: Record<string, { u: number; s: number }> = {};
  for (const t of readdirSync(`/proc/${pid}/task`)) {
    const st = readFileSync(`/proc/${pid}/task/${t}/stat`, 'utf8');
    const name = st.slice(st.indexOf('(') + 1, st.lastIndexOf(')'));
    const f = st.slice(st.lastIndexOf(') ') + 2).split(' ');
    const k = name;
    const prev = out[k] ?? { u: 0, s: 0 };
    out[k] = { u: prev.u + Number(f[11]) * 10, s: prev.s + Number(f[12]) * 10 };
  }
  return out;
}
export function diff(a: Record<string, { u: number; s: number }>, b: Record<string, { u: number; s: number }>) {
  const out: Record<string, string> = {};
  for (const k of Object.keys(b)) { const u = b[k].u - (a[k]?.u ?? 0); const s = b[k].s - (a[k]?.s ?? 0); if (u + s > 0) out[k] = `u${u} s${s}`; }
  return out;
}
