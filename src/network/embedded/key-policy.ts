/**
 * Key-level (state-based) endorsement as Fabric's validator applies it: a written key that carries a
 * validation parameter (a SignaturePolicyEnvelope, as fabric-shim's KeyEndorsementPolicy encodes it)
 * must satisfy that policy instead of the chaincode's; keys without one need the chaincode's policy
 * (or, in a collection with its own endorsementPolicy, the collection's). A key whose parameter an
 * earlier transaction of the same block changed fails, as Fabric's ValidationParameterUpdatedError does.
 */
import * as protos from '@hyperledger/fabric-protos';
import type { PolicyPrincipal, SignaturePolicy } from '../../config/network-file.ts';
import type { DeployedChaincode } from './endorser.ts';
import type { NamespaceState } from './ledger.ts';
import { type Signer, satisfies } from './policy.ts';
import { splitHashedNs } from './private-data.ts';
import type { Simulation } from './stub.ts';

const ROLE_NAMES: Record<number, PolicyPrincipal['role']> = { 0: 'member', 1: 'admin', 2: 'client', 3: 'peer', 4: 'orderer' };

/** Decode SignaturePolicyEnvelope bytes into the policy form policy.ts evaluates; throws when malformed. */
export function decodeKeyPolicy(bytes: Uint8Array): SignaturePolicy {
  const env = protos.common.SignaturePolicyEnvelope.deserializeBinary(bytes);
  const ids = env.getIdentitiesList().map((p, i): PolicyPrincipal => {
    if (p.getPrincipalClassification() !== protos.msp.MSPPrincipal.Classification.ROLE) throw new Error(`identity ${i} is not an MSP role principal`);
    const role = protos.msp.MSPRole.deserializeBinary(p.getPrincipal_asU8());
    const name = ROLE_NAMES[role.getRole()];
    if (!name) throw new Error(`identity ${i} has unknown role ${role.getRole()}`);
    return { type: 'principal', mspId: role.getMspIdentifier(), role: name };
  });
  const convert = (r: InstanceType<typeof protos.common.SignaturePolicy> | undefined): SignaturePolicy => {
    const TC = protos.common.SignaturePolicy.TypeCase;
    if (r?.getTypeCase() === TC.SIGNED_BY) {
      const p = ids[r.getSignedBy()];
      if (!p) throw new Error(`signed_by ${r.getSignedBy()} names no identity`);
      return p;
    }
    if (r?.getTypeCase() === TC.N_OUT_OF) {
      const n = r.getNOutOf()!;
      return { type: 'outOf', n: n.getN(), rules: n.getRulesList().map(convert) };
    }
    throw new Error('policy has no rule');
  };
  return convert(env.getRule());
}

const decoded = new WeakMap<Buffer, SignaturePolicy | Error>();

function policyOf(vp: Buffer): SignaturePolicy | Error {
  let p = decoded.get(vp);
  if (!p) {
    try {
      p = decodeKeyPolicy(vp);
    } catch (err) {
      p = err as Error;
    }
    decoded.set(vp, p);
  }
  return p;
}

/** An earlier valid write of the same block to a key: its value (null = deleted) and whether it set the parameter. */
export interface BlockKeyWrite {
  value: Buffer | null;
  vp?: Buffer | null;
}

/** What endorsement validation reads. */
export interface EndorsementView {
  chaincodes: Map<string, DeployedChaincode>;
  state: (ns: string) => NamespaceState;
  inBlock: (ns: string, key: string) => BlockKeyWrite | undefined;
}

/** Why the transaction's endorsements do not satisfy the policies of what it writes; undefined when they do. */
export function endorsementProblem(view: EndorsementView, tx: { chaincode: string; sim: Simulation }, signers: Signer[]): string | undefined {
  const fallbacks = new Map<string, SignaturePolicy>();
  let checkedInvoked = false;
  const names = new Set([...tx.sim.writes.keys(), ...tx.sim.meta.keys()]);
  for (const name of names) {
    const h = splitHashedNs(name);
    const ccName = h ? h.ns : name;
    const cc = view.chaincodes.get(ccName);
    if (!cc) return `namespace ${ccName} is not a chaincode of this channel`;
    if (ccName === tx.chaincode) checkedInvoked = true;
    const keys = new Set([...(tx.sim.writes.get(name)?.keys() ?? []), ...(tx.sim.meta.get(name)?.keys() ?? [])]);
    for (const key of keys) {
      const earlier = view.inBlock(name, key);
      if (earlier && earlier.vp !== undefined) return `the validation parameter of ${name}/${key} was changed by an earlier transaction of this block`;
      const vp = earlier?.value === null ? undefined : view.state(name).get(key)?.vp;
      if (!vp) {
        const fallback = (h && cc.collections?.get(h.collection)?.endorsementPolicy) || cc.policy;
        fallbacks.set(h && fallback !== cc.policy ? `collection ${h.collection} of ${ccName}` : `chaincode ${ccName}`, fallback);
        continue;
      }
      const policy = policyOf(vp);
      if (policy instanceof Error) return `the validation parameter of ${name}/${key} is not a signature policy: ${policy.message}`;
      if (!satisfies(policy, signers)) return `the endorsements do not satisfy the key-level policy of ${name}/${key}`;
    }
  }
  const invoked = view.chaincodes.get(tx.chaincode);
  if (!invoked) return `chaincode ${tx.chaincode} is not deployed on this channel`;
  if (!checkedInvoked) fallbacks.set(`chaincode ${tx.chaincode}`, invoked.policy);
  for (const [what, policy] of fallbacks) if (!satisfies(policy, signers)) return `the endorsements do not satisfy the endorsement policy of ${what}`;
  return undefined;
}
