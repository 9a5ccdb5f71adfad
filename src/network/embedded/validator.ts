/**
 * Validate and commit one block, as Fabric's committer does: for each transaction in order, duplicate
 * tx id, endorsement policies (the chaincode's, a collection's, or each written key's own, see
 * key-policy.ts; and endorsement signatures), MVCC read versions (private data by its hashes) against
 * committed state and against writes of earlier valid transactions of the same block, range-query
 * re-execution for phantoms (rich queries are not re-run, as in Fabric); then commit the valid writes
 * with version (block, tx), hand private values to the collections' members, purge what blockToLive
 * expires, and publish statuses and events.
 */
import * as protos from '@hyperledger/fabric-protos';
import type { DeployedChaincode } from './endorser.ts';
import type { ConflictLog } from './conflict-log.ts';
import { type IdentityChecker, type KnownIdentity, verifySignature } from './identities.ts';
import { type ChannelLedger, packVersion, type StoredEvent } from './ledger.ts';
import type { NetworkMetrics } from './metrics.ts';
import { type EndorsementView, endorsementProblem } from './key-policy.ts';
import type { Signer } from './policy.ts';
import { commitPrivateWrites, purgeExpired } from './private-data.ts';
import type { RangeRecord, Simulation } from './stub.ts';

const CODES = protos.peer.TxValidationCode;
/** TxValidationCode number -> name, from the protos' enum. */
export const VALIDATION_CODE_NAMES: Record<number, string> = Object.fromEntries(Object.entries(CODES).map(([name, n]) => [n, name]));

/** An endorsed transaction, as the gateway prepared it and the orderer ordered it. */
export interface PreparedTx {
  txId: string;
  channel: string;
  chaincode: string;
  /** Transaction function, for conflict reports. */
  fn: string;
  /** Envelope.payload bytes as the gateway built them; Submit must bring exactly these. */
  payloadBytes: Uint8Array;
  creator: KnownIdentity;
  sim: Simulation;
  prpBytes: Uint8Array;
  endorsements: Array<{ endorser: Uint8Array; signature: Uint8Array }>;
  event?: { name: string; payload: Uint8Array };
  /** Client timestamp, ms since epoch (for key history). */
  timestampMs: number;
}

/** What validation needs from the network. */
export interface ValidatorContext {
  channel: string;
  ledger: ChannelLedger;
  chaincodes: Map<string, DeployedChaincode>;
  identities: IdentityChecker;
  verifySignatures: boolean;
  metrics: NetworkMetrics;
  conflicts: ConflictLog;
}

interface BlockWrite {
  ns: string;
  key: string;
  value: Buffer | null;
  ver: number;
  fn: string;
  txId: string;
  timestampMs: number;
  /** Key-level endorsement policy set (null = removed); undefined leaves the key's as it is. */
  vp?: Buffer | null;
}

/** Validate and commit a block; returns the validation code of each transaction, in order. */
export function commitBlock(vc: ValidatorContext, blockNumber: number, txs: PreparedTx[]): number[] {
  const started = performance.now();
  const ledger = vc.ledger;
  // ns -> key -> the latest write of an earlier valid transaction in this block.
  const updates = new Map<string, Map<string, BlockWrite>>();
  const writes: BlockWrite[] = [];
  const seen = new Set<string>();
  const codes: number[] = [];
  const events: StoredEvent[] = [];
  const privateCommits: Array<[PreparedTx, number]> = [];
  const endorsementView: EndorsementView = { chaincodes: vc.chaincodes, state: (ns) => ledger.ns(ns), inBlock: (ns, key) => updates.get(ns)?.get(key) };

  txs.forEach((tx, txNum) => {
    let code: number = CODES.VALID;
    let conflictKey: string | undefined;
    let writer: string | undefined;
    if (seen.has(tx.txId) || ledger.status(tx.txId)) {
      code = CODES.DUPLICATE_TXID;
    } else if (endorsementProblem(endorsementView, tx, signersOf(vc, tx))) {
      code = CODES.ENDORSEMENT_POLICY_FAILURE;
    } else {
      const mvcc = checkReads(vc.ledger, updates, tx.sim);
      if (mvcc) {
        code = CODES.MVCC_READ_CONFLICT;
        conflictKey = mvcc.key;
        writer = mvcc.writer;
      } else {
        const phantom = checkRanges(vc.ledger, updates, tx.sim.ranges);
        if (phantom) {
          code = CODES.PHANTOM_READ_CONFLICT;
          conflictKey = phantom.key;
          writer = phantom.writer;
        }
      }
    }
    seen.add(tx.txId);
    codes.push(code);
    if (code !== CODES.VALID) {
      vc.conflicts.record(VALIDATION_CODE_NAMES[code], `${tx.chaincode}:${tx.fn}`, conflictKey, writer);
      return;
    }
    const ver = packVersion(blockNumber, txNum);
    for (const [ns, m] of tx.sim.writes) {
      let nsUpdates = updates.get(ns);
      if (!nsUpdates) {
        nsUpdates = new Map();
        updates.set(ns, nsUpdates);
      }
      for (const [key, value] of m) {
        const w: BlockWrite = { ns, key, value, ver, fn: `${tx.chaincode}:${tx.fn}`, txId: tx.txId, timestampMs: tx.timestampMs, vp: tx.sim.meta.get(ns)?.get(key) };
        nsUpdates.set(key, w);
        writes.push(w);
      }
    }
    for (const [ns, m] of tx.sim.meta) {
      for (const [key, vp] of m) {
        if (tx.sim.writes.get(ns)?.has(key)) continue;
        // A validation parameter alone rewrites the key with its current value (Fabric ignores it on an absent key).
        const value = updates.get(ns)?.has(key) ? updates.get(ns)!.get(key)!.value : (ledger.ns(ns).get(key)?.value ?? null);
        if (value === null) continue;
        const w: BlockWrite = { ns, key, value, ver, fn: `${tx.chaincode}:${tx.fn}`, txId: tx.txId, timestampMs: tx.timestampMs, vp };
        if (!updates.has(ns)) updates.set(ns, new Map());
        updates.get(ns)!.set(key, w);
        writes.push(w);
      }
    }
    if (tx.sim.pvt.size) privateCommits.push([tx, ver]);
    if (tx.event) events.push({ chaincodeId: tx.chaincode, txId: tx.txId, eventName: tx.event.name, payload: tx.event.payload });
  });

  for (const w of writes) ledger.ns(w.ns).apply(w.key, w.value, w.ver, w.fn, w.txId, w.timestampMs, true, w.vp);
  for (const [tx, ver] of privateCommits) {
    commitPrivateWrites(ledger, tx.sim, (ns, c) => vc.chaincodes.get(ns)?.collections?.get(c), ver, blockNumber, tx.txId, `${tx.chaincode}:${tx.fn}`);
  }
  purgeExpired(ledger, blockNumber);

  const byCode = new Map<number, number>();
  txs.forEach((tx, i) => {
    ledger.recordStatus(tx.txId, { code: codes[i], blockNumber });
    byCode.set(codes[i], (byCode.get(codes[i]) ?? 0) + 1);
  });
  ledger.finishBlock(blockNumber, events);

  const m = vc.metrics;
  for (const [code, n] of byCode) m.transactionCount.inc({ channel: vc.channel, validation_code: VALIDATION_CODE_NAMES[code] }, n);
  m.blockchainHeight.set({ channel: vc.channel }, ledger.height);
  m.blockProcessingTime.observe({ channel: vc.channel }, (performance.now() - started) / 1000);
  return codes;
}

/** The endorsers whose endorsements count (a signature that does not verify does not). */
function signersOf(vc: ValidatorContext, tx: PreparedTx): Signer[] {
  const signers: Signer[] = [];
  for (const e of tx.endorsements) {
    const id = vc.identities.lookup(e.endorser);
    if (vc.verifySignatures) {
      // An endorsement that does not verify simply does not count, as in Fabric.
      if (id.problem) continue;
      if (!verifySignature(id.publicKey, Buffer.concat([tx.prpBytes, e.endorser]), e.signature)) continue;
    }
    signers.push({ mspId: id.mspId, role: id.role });
  }
  return signers;
}

function checkReads(ledger: ChannelLedger, updates: Map<string, Map<string, BlockWrite>>, sim: Simulation): { key: string; writer?: string } | undefined {
  for (const [ns, reads] of sim.reads) {
    const state = ledger.ns(ns);
    const nsUpdates = updates.get(ns);
    for (const [key, ver] of reads) {
      const inBlock = nsUpdates?.get(key);
      if (inBlock) return { key: `${ns}/${key}`, writer: inBlock.fn };
      const committed = state.get(key);
      if ((committed ? committed.ver : 0) !== ver) return { key: `${ns}/${key}`, writer: committed?.writerFn };
    }
  }
  return undefined;
}

function checkRanges(ledger: ChannelLedger, updates: Map<string, Map<string, BlockWrite>>, ranges: RangeRecord[]): { key: string; writer?: string } | undefined {
  for (const r of ranges) {
    // Re-run the part of the range the chaincode looked at: all of it when exhausted, else up to
    // and including the last key it read.
    const last = r.reads.length ? r.reads[r.reads.length - 1][0] : undefined;
    if (!r.exhausted && last === undefined) continue;
    const inRange = (k: string) => k >= r.start && (r.exhausted ? r.end === '' || k < r.end : k <= last!);
    const now = new Map<string, number>();
    for (const [k, v] of ledger.ns(r.ns).range(r.start, r.exhausted ? r.end : '')) {
      if (!inRange(k)) break;
      now.set(k, v.ver);
    }
    const nsUpdates = updates.get(r.ns);
    const touched = new Map<string, string>();
    if (nsUpdates) {
      for (const [k, w] of nsUpdates) {
        if (!inRange(k)) continue;
        touched.set(k, w.fn);
        if (w.value === null) now.delete(k);
        else now.set(k, -1); // written in this block: any earlier read of it is stale
      }
    }
    const expected = new Map(r.reads);
    const changed = (k: string) => ({ key: `${r.ns}/${k}`, writer: touched.get(k) ?? ledger.ns(r.ns).get(k)?.writerFn });
    if (now.size !== expected.size) {
      for (const k of now.keys()) if (!expected.has(k)) return changed(k);
      for (const k of expected.keys()) if (!now.has(k)) return changed(k);
    }
    for (const [k, v] of now) if (expected.get(k) !== v) return changed(k);
  }
  return undefined;
}
