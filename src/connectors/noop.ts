import type { Connector, ConnectorFactory, TxOutcome } from './types.ts';

/** Every call succeeds at once. Shared, frozen: the noop path must not allocate per transaction. */
const OK: TxOutcome = Object.freeze({ ok: true });
const RESOLVED_OK = Promise.resolve(OK);

/** A system under test that does nothing: measures the harness itself. */
export const createNoopConnector: ConnectorFactory = async () => {
  const connector: Connector = {
    type: 'noop',
    bcType: 'noop',
    submit: () => RESOLVED_OK,
    evaluate: () => RESOLVED_OK,
    close: async () => {},
  };
  return connector;
};
