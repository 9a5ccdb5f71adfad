/**
 * Conflicts on a real network explained as on the embedded one: which keys, read by which chaincode
 * functions, were written by which. A peer's Deliver service (through its gateway) streams every
 * committed block in full; each transaction's validation code comes from the block's metadata and its
 * read/write set from the endorsed action. Replaying the valid writes in order gives every key's current
 * version (block, transaction) and the function that wrote it, so for each MVCC_READ_CONFLICT the reads
 * whose versions no longer matched are the conflicting keys (the first, as the embedded validator names
 * it). Only invalid transactions are recorded (in the embedded network's ConflictLog, shared by the
 * channels' observers); the version table holds one entry per key.
 */
import { createPrivateKey } from 'node:crypto';
import { Client, credentials } from '@grpc/grpc-js';
import { type CloseableAsyncIterable, connect, type Gateway, signers } from '@hyperledger/fabric-gateway';
import { common, ledger, peer } from '@hyperledger/fabric-protos';
import { validationCodeName } from '../../connectors/fabric-gateway/errors.ts';
import type { ConflictLog } from '../embedded/conflict-log.ts';
import type { FabricConnectionFile } from './connection.ts';

/** One transaction of a block, as far as conflicts need it. */
interface BlockTx {
  /** Validation code from the block metadata (0 = VALID). */
  code: number;
  /** `<chaincode>:<function>`, or '' for non-endorser transactions (config blocks). */
  fn: string;
  reads: Array<{ key: string; version?: { block: number; tx: number } }>;
  writes: string[];
}

/** Decodes a committed block into its transactions' codes, functions and read/write sets (keys `namespace/key`). */
function decodeBlock(block: common.Block): BlockTx[] {
  const codes = block.getMetadata()?.getMetadataList_asU8()[common.BlockMetadataIndex.TRANSACTIONS_FILTER] ?? new Uint8Array();
  return (block.getData()?.getDataList() ?? []).map((raw, i): BlockTx => {
    const code = codes[i] ?? 0;
    const payload = common.Payload.deserializeBinary(common.Envelope.deserializeBinary(raw as Uint8Array).getPayload_asU8());
    const header = common.ChannelHeader.deserializeBinary(payload.getHeader()?.getChannelHeader_asU8() ?? new Uint8Array());
    if (header.getType() !== common.HeaderType.ENDORSER_TRANSACTION) return { code, fn: '', reads: [], writes: [] };
    const action = peer.Transaction.deserializeBinary(payload.getData_asU8()).getActionsList()[0];
    const cap = peer.ChaincodeActionPayload.deserializeBinary(action.getPayload_asU8());
    const spec = peer.ChaincodeInvocationSpec.deserializeBinary(peer.ChaincodeProposalPayload.deserializeBinary(cap.getChaincodeProposalPayload_asU8()).getInput_asU8()).getChaincodeSpec();
    const fnArg = spec?.getInput()?.getArgsList_asU8()[0];
    const fn = `${spec?.getChaincodeId()?.getName() ?? ''}:${fnArg ? Buffer.from(fnArg).toString() : ''}`;
    const prp = peer.ProposalResponsePayload.deserializeBinary(cap.getAction()?.getProposalResponsePayload_asU8() ?? new Uint8Array());
    const ccAction = peer.ChaincodeAction.deserializeBinary(prp.getExtension_asU8());
    const rwset = ledger.rwset.TxReadWriteSet.deserializeBinary(ccAction.getResults_asU8());
    const reads: BlockTx['reads'] = [];
    const writes: string[] = [];
    for (const ns of rwset.getNsRwsetList()) {
      const kv = ledger.rwset.kvrwset.KVRWSet.deserializeBinary(ns.getRwset_asU8());
      for (const r of kv.getReadsList()) {
        const v = r.getVersion();
        reads.push({ key: `${ns.getNamespace()}/${r.getKey()}`, version: v ? { block: Number(v.getBlockNum()), tx: Number(v.getTxNum()) } : undefined });
      }
      for (const w of kv.getWritesList()) writes.push(`${ns.getNamespace()}/${w.getKey()}`);
    }
    return { code, fn, reads, writes };
  });
}

const MVCC_READ_CONFLICT = 11;
/** Longest wait in since() for the observer to reach the block height the peers report. */
const CATCH_UP_MS = 3000;

/** Follows one channel's blocks and keeps the conflict log; see the module comment. */
export class BlockConflictObserver {
  readonly #log: ConflictLog;
  /** `namespace/key` -> the version of its last valid write (or of a valid read) and its writer. */
  readonly #versions = new Map<string, { block: number; tx: number; writer?: string }>();
  readonly #gateway: Gateway;
  readonly #client: Client;
  readonly #events: CloseableAsyncIterable<common.Block>;
  #height = 0;
  #failed: Error | undefined;

  private constructor(log: ConflictLog, client: Client, gateway: Gateway, events: CloseableAsyncIterable<common.Block>) {
    this.#log = log;
    this.#client = client;
    this.#gateway = gateway;
    this.#events = events;
    void this.#follow();
  }

  /**
   * Follows `channel` from its first block through the first peer's gateway, as an identity of that
   * peer's organization, recording into `log`.
   */
  static async start(conn: FabricConnectionFile, channel: string, log: ConflictLog): Promise<BlockConflictObserver> {
    const p = conn.peers[0];
    const id = conn.identities.find((i) => i.mspId === p.mspId) ?? conn.identities[0];
    const client = new Client(p.endpoint, credentials.createSsl(Buffer.from(p.tlsRootCertPem)), {
      'grpc.ssl_target_name_override': p.hostnameOverride,
      'grpc.default_authority': p.hostnameOverride,
    });
    const gateway = connect({ client, identity: { mspId: id.mspId, credentials: Buffer.from(id.certPem) }, signer: signers.newPrivateKeySigner(createPrivateKey(id.keyPem)) });
    const events = await gateway.getNetwork(channel).getBlockEvents({ startBlock: 0n });
    return new BlockConflictObserver(log, client, gateway, events);
  }

  /** Blocks processed so far (the channel height as this observer has seen it). */
  get height(): number {
    return this.#height;
  }

  /** Resolves once `height` blocks are processed, following failed, or CATCH_UP_MS passed. */
  async catchUp(height: number): Promise<void> {
    const deadline = Date.now() + CATCH_UP_MS;
    while (this.#height < height && !this.#failed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  /** Why following stopped, if it did. */
  get failure(): Error | undefined {
    return this.#failed;
  }

  close(): void {
    this.#events.close();
    this.#gateway.close();
    this.#client.close();
  }

  async #follow(): Promise<void> {
    try {
      for await (const block of this.#events) {
        this.#apply(Number(block.getHeader()?.getNumber() ?? 0), decodeBlock(block));
        this.#height = Number(block.getHeader()?.getNumber() ?? 0) + 1;
      }
    } catch (err) {
      // close() ends the stream with CANCELLED; anything else is kept for since() callers to see.
      if (!/CANCELLED/.test(String(err))) this.#failed = err as Error;
    }
  }

  #apply(blockNum: number, txs: BlockTx[]): void {
    txs.forEach((tx, i) => {
      if (tx.fn === '') return;
      if (tx.code === 0) {
        for (const r of tx.reads) {
          // A key written before this observer's first block: its read version is its version.
          if (!this.#versions.has(r.key) && r.version) this.#versions.set(r.key, { block: r.version.block, tx: r.version.tx });
        }
        for (const w of tx.writes) this.#versions.set(w, { block: blockNum, tx: i, writer: tx.fn });
        return;
      }
      const code = validationCodeName(tx.code);
      if (tx.code !== MVCC_READ_CONFLICT) {
        this.#log.record(code, tx.fn);
        return;
      }
      const stale = tx.reads.filter((r) => {
        const now = this.#versions.get(r.key);
        return now !== undefined && (r.version?.block !== now.block || r.version?.tx !== now.tx);
      });
      const key = stale[0]?.key;
      this.#log.record(code, tx.fn, key, key === undefined ? undefined : this.#versions.get(key)?.writer);
    });
  }
}
