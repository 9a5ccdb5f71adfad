/** Evaluating Fabric signature policies against endorsers, and choosing who must endorse. */
import type { SignaturePolicy } from '../../config/network-file.ts';

/** An identity that signed (an endorser): its MSP and NodeOU role. */
export interface Signer {
  mspId: string;
  role: string;
}

function matches(p: { mspId: string; role: string }, s: Signer): boolean {
  if (p.mspId !== s.mspId) return false;
  // 'member' is any identity of the MSP; the other roles must be the certificate's NodeOU.
  return p.role === 'member' || p.role === s.role;
}

/**
 * True when the signers satisfy the policy. Like Fabric, each signature counts at most once: a
 * principal consumes the first unused signer that matches it.
 */
export function satisfies(policy: SignaturePolicy, signers: Signer[]): boolean {
  return evaluate(policy, signers, new Array<boolean>(signers.length).fill(false));
}

function evaluate(policy: SignaturePolicy, signers: Signer[], used: boolean[]): boolean {
  if (policy.type === 'principal') {
    for (let i = 0; i < signers.length; i++) {
      if (!used[i] && matches(policy, signers[i])) {
        used[i] = true;
        return true;
      }
    }
    return false;
  }
  let ok = 0;
  for (const rule of policy.rules) {
    const trial = used.slice();
    if (evaluate(rule, signers, trial)) {
      for (let i = 0; i < used.length; i++) used[i] = trial[i];
      ok++;
      if (ok >= policy.n) return true;
    }
  }
  return false;
}

/**
 * The smallest set of organizations whose peers satisfy the policy, preferring the gateway's own
 * organization and then the order organizations are listed in. Undefined when none does.
 */
export function chooseEndorsingOrgs(policy: SignaturePolicy, orgs: string[], localOrg: string): string[] | undefined {
  const ordered = [localOrg, ...orgs.filter((o) => o !== localOrg)];
  const n = ordered.length;
  const subsets: string[][] = [];
  for (let mask = 1; mask < 1 << n; mask++) {
    subsets.push(ordered.filter((_, i) => mask & (1 << i)));
  }
  // Fewest organizations first; among equals, the one with the lowest mask (local org first) wins.
  subsets.sort((a, b) => a.length - b.length);
  for (const s of subsets) {
    if (satisfies(policy, s.map((mspId) => ({ mspId, role: 'peer' })))) return s;
  }
  return undefined;
}
