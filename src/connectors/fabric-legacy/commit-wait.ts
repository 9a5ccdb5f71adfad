/**
 * Waiting for a transaction's commit event, as Fabric 1.4 / 2.2 clients do (the event hub of the 1.4
 * SDK, the deliver service behind fabric-network's commit listeners). The listener is registered before
 * the transaction is sent to the orderer, so its block cannot pass unseen. The first peer to report the
 * transaction decides: every peer validates a transaction alike, so one event carries its validation
 * code (fabric-network's "any for transaction" strategy).
 */
import type { Endorser } from 'fabric-common';
import type { CommitError, CommitEvent, CommitListener, Network } from 'fabric-network';

/** How waiting for a commit ended. */
export type CommitWaitResult =
  | { kind: 'event'; status: string; isValid: boolean; peer: string }
  /** Every event source failed (each peer's error message, joined). */
  | { kind: 'error'; message: string }
  | { kind: 'timeout'; peers: string[] };

/** A registered wait; call wait() once the orderer has accepted the transaction, or cancel(). */
export interface CommitWaiter {
  wait(timeoutMs: number): Promise<CommitWaitResult>;
  cancel(): void;
}

/**
 * Registers a commit listener for `txId` on `peers` (their deliver services start on first use and are
 * shared by every transaction of the worker).
 */
export async function listenForCommit(network: Network, peers: Endorser[], txId: string): Promise<CommitWaiter> {
  let settle: (r: CommitWaitResult) => void = () => {};
  const settled = new Promise<CommitWaitResult>((r) => (settle = r));
  const waiting = new Set(peers.map((p) => p.name));
  const errors: string[] = [];
  const listener: CommitListener = (error?: CommitError, event?: CommitEvent) => {
    if (event) {
      settle({ kind: 'event', status: event.status, isValid: event.isValid, peer: event.peer.name });
      return;
    }
    const peer = error?.peer?.name ?? '?';
    if (!waiting.delete(peer)) return;
    errors.push(`${peer}: ${error?.message ?? 'event service failed'}`);
    if (waiting.size === 0) settle({ kind: 'error', message: errors.join('; ') });
  };
  if (peers.length === 0) settle({ kind: 'error', message: 'no peer to receive commit events from' });
  else await network.addCommitListener(listener, peers, txId);
  const remove = () => network.removeCommitListener(listener);
  return {
    async wait(timeoutMs) {
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<CommitWaitResult>((r) => {
        timer = setTimeout(() => r({ kind: 'timeout', peers: [...waiting] }), Math.max(0, timeoutMs));
      });
      try {
        return await Promise.race([settled, timedOut]);
      } finally {
        clearTimeout(timer);
        remove();
      }
    },
    cancel: remove,
  };
}
