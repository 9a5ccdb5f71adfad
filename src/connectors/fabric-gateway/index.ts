/**
 * The fabric-gateway connector (Fabric 2.4+ Gateway API, @hyperledger/fabric-gateway), for the
 * embedded network's connection file and for Fabric connection profiles.
 */
export {
  createFabricGatewayConnector,
  COMMIT_WAIT_MODES,
  type CommitWaitMode,
  type FabricGatewayOptions,
  parseGatewayOptions,
  selectWorkerTarget,
  TRANSPORT_KINDS,
  type TransportKind,
  type WorkerTarget,
} from './connector.ts';
export { classifyError, type GatewayPhase, validationCodeName } from './errors.ts';
export {
  type FabricChaincodeRef,
  type FabricIdentityConfig,
  type FabricNetworkConfig,
  type FabricPeerConfig,
  caliperWorkspace,
  loadFabricNetwork,
  type LoadFabricNetworkOptions,
  type RedactedFabricNetwork,
} from './profile.ts';
export { newNodeCryptoSigner, newSigner, type SignerKind, type SigningSetup } from './signer.ts';
