/**
 * The fabric-legacy connector (fabric-network 2.2: Fabric 1.4 and 2.x peers, Caliper fabric-ccp files).
 */
export { checkLegacyOptions, createFabricLegacyConnector } from './connector.ts';
export { classifyLegacyError, classifyLegacyProblems, type LegacyProblem } from './errors.ts';
export { type LegacyDiscovery, type LegacyNetworkConfig, type LegacyOrdererConfig, loadLegacyNetwork } from './profile.ts';
export { type CommonConnectionProfile, toCommonConnectionProfile } from './ccp.ts';
