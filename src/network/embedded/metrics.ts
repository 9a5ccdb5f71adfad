/** The network's Prometheus metrics, named as Fabric's peer and orderer name them. */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** Every metric the embedded network serves at /metrics. */
export interface NetworkMetrics {
  registry: Registry;
  proposalsReceived: Counter<'channel' | 'chaincode'>;
  successfulProposals: Counter<'channel' | 'chaincode'>;
  proposalDuration: Histogram<'channel' | 'chaincode' | 'success'>;
  broadcastProcessed: Counter<'channel' | 'status'>;
  blockchainHeight: Gauge<'channel'>;
  blockProcessingTime: Histogram<'channel'>;
  transactionCount: Counter<'channel' | 'validation_code'>;
}

/** Create a fresh registry with process metrics and the Fabric-named ones. */
export function createMetrics(): NetworkMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const registers = [registry];
  return {
    registry,
    proposalsReceived: new Counter({ name: 'endorser_proposals_received', help: 'The number of proposals received.', labelNames: ['channel', 'chaincode'], registers }),
    successfulProposals: new Counter({ name: 'endorser_successful_proposals', help: 'The number of successful proposals.', labelNames: ['channel', 'chaincode'], registers }),
    proposalDuration: new Histogram({
      name: 'endorser_proposal_duration',
      help: 'The time to complete a proposal, in seconds.',
      labelNames: ['channel', 'chaincode', 'success'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers,
    }),
    broadcastProcessed: new Counter({ name: 'broadcast_processed_count', help: 'The number of transactions processed by broadcast.', labelNames: ['channel', 'status'], registers }),
    blockchainHeight: new Gauge({ name: 'ledger_blockchain_height', help: 'Height of the chain in blocks.', labelNames: ['channel'], registers }),
    blockProcessingTime: new Histogram({
      name: 'ledger_block_processing_time',
      help: 'Time taken in seconds for ledger block processing.',
      labelNames: ['channel'],
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1],
      registers,
    }),
    transactionCount: new Counter({ name: 'ledger_transaction_count', help: 'Number of transactions processed.', labelNames: ['channel', 'validation_code'], registers }),
  };
}
