/**
 * The last readiness check, made the way a benchmark will use the network: through one
 * organization's gateway peer, endorse (never submit) a probe call on the peers of one organization
 * (the gateway's `endorsingOrganizations`). The gateway can only route it once gossip has told it
 * about that organization's peer and the chaincode installed there; the peer can only answer once it
 * reached its chaincode service. Until then Fabric answers "no combination of peers can be derived",
 * UNAVAILABLE, or "could not launch chaincode", which is what a first round would meet.
 *
 * The probe names a function no chaincode has, so it works for any chaincode without changing state:
 * the chaincode's own "no such function" answer (a chaincode response with an error status) is the
 * proof that the call went all the way through. (fabric-contract-api's built-in
 * `org.hyperledger.fabric:GetMetadata` would be nicer, but fails with some class-transformer versions.)
 */
import { createPrivateKey } from 'node:crypto';
import { credentials, Client } from '@grpc/grpc-js';
import { connect, signers, type GatewayError } from '@hyperledger/fabric-gateway';
import type { FabricConnectionFile } from './connection.ts';

/** The function the probe calls. */
const PROBE_FUNCTION = 'ledgerbench:readiness-probe';

/**
 * Endorses the probe once through the gateway of `conn.peers[peerIndex]` as
 * `conn.identities[identityIndex]`, on the peers of `targetMspId`. Resolves true when the chaincode
 * answered; throws the gateway's error (with its details) otherwise.
 */
export async function endorseProbe(conn: FabricConnectionFile, peerIndex: number, identityIndex: number, channel: string, chaincode: string, targetMspId: string): Promise<boolean> {
  const peer = conn.peers[peerIndex];
  const id = conn.identities[identityIndex];
  const client = new Client(peer.endpoint, credentials.createSsl(Buffer.from(peer.tlsRootCertPem)), {
    'grpc.ssl_target_name_override': peer.hostnameOverride,
    'grpc.default_authority': peer.hostnameOverride,
  });
  const gateway = connect({
    client,
    identity: { mspId: id.mspId, credentials: Buffer.from(id.certPem) },
    signer: signers.newPrivateKeySigner(createPrivateKey(id.keyPem)),
    endorseOptions: () => ({ deadline: Date.now() + 10_000 }),
  });
  try {
    const contract = gateway.getNetwork(channel).getContract(chaincode);
    await contract.newProposal(PROBE_FUNCTION, { endorsingOrganizations: [targetMspId] }).endorse();
    return true;
  } catch (err) {
    const e = err as GatewayError;
    const details = e.details ?? [];
    if (details.length > 0 && details.every((d) => d.mspId === targetMspId && chaincodeAnswered(d.message))) return true;
    const text = details.map((d) => `${d.address} (${d.mspId}): ${d.message}`).join('; ');
    throw new Error(`${peer.name} -> ${targetMspId}: ${e.message}${text ? ` (${text})` : ''}`, { cause: err });
  } finally {
    gateway.close();
    client.close();
  }
}

/**
 * Whether an endorsement error is the chaincode's own answer. The peer wraps its own failures (chaincode
 * not reachable, not installed) the same way, as a response with status 500, but names them.
 */
export function chaincodeAnswered(message: string): boolean {
  return /^chaincode response \d+,/.test(message) && !/error in simulation|could not launch|not installed|failed to invoke|chaincode definition/i.test(message);
}
