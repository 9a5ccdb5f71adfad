/**
 * Key-level endorsement policies on the embedded network: fabric-shim's KeyEndorsementPolicy bytes
 * decoded, and through the real fabric-gateway client, the validator checking each written key's own
 * policy instead of the chaincode's (public and private keys), including a change of the policy in
 * the same block.
 */
import * as protos from '@hyperledger/fabric-protos';
import { KeyEndorsementPolicy } from 'fabric-shim';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { decodeKeyPolicy } from '../../src/network/embedded/key-policy.ts';
import { chaincodePath, type FixedAssetNet, startFixedAssetNet } from './fixed-asset-net.ts';
import { removeTempDirs, text } from './helpers.ts';

const CODES = protos.peer.TxValidationCode;

test("KeyEndorsementPolicy's bytes decode to the AND of its organizations' principals", () => {
  const kep = new KeyEndorsementPolicy();
  kep.addOrgs('PEER', 'Org1MSP', 'Org2MSP');
  kep.addOrgs('MEMBER', 'Org3MSP');
  expect(decodeKeyPolicy(kep.getPolicy())).toEqual({
    type: 'outOf',
    n: 3,
    rules: [
      { type: 'principal', mspId: 'Org1MSP', role: 'peer' },
      { type: 'principal', mspId: 'Org2MSP', role: 'peer' },
      { type: 'principal', mspId: 'Org3MSP', role: 'member' },
    ],
  });
  expect(() => decodeKeyPolicy(new protos.common.SignaturePolicyEnvelope().serializeBinary())).toThrow(/no rule/);
});

describe('key-level endorsement through the fabric-gateway client', () => {
  let n: FixedAssetNet;
  const ORG1 = { endorsingOrganizations: ['Org1MSP'] };
  const ORG2 = { endorsingOrganizations: ['Org2MSP'] };
  const status = async (fn: string, args: string[], opts: { endorsingOrganizations: string[] }, transientData?: Record<string, Uint8Array>) => {
    const tx = await n.contract('fixed-asset').newProposal(fn, { arguments: args, transientData, ...opts }).endorse();
    return (await (await tx.submit()).getStatus()).code;
  };

  beforeAll(async () => {
    n = await startFixedAssetNet([
      `{ name: fixed-asset, path: ${chaincodePath('fixed-asset')}, endorsementPolicy: "OR('Org1MSP.peer','Org2MSP.peer')", collections: ${chaincodePath('fixed-asset')}/collections_config.json }`,
    ]);
  });

  afterAll(async () => {
    await n?.stop();
    removeTempDirs();
  });

  test("a key's own policy replaces the chaincode policy for writes, and for changing the policy", async () => {
    expect(await status('createAsset', ['k1', '5', 'tom'], ORG1)).toBe(CODES.VALID);
    // No key policy yet: the chaincode policy (either organization) decides.
    expect(await status('setAssetEndorsers', ['k1', 'Org2MSP'], ORG1)).toBe(CODES.VALID);
    expect(JSON.parse(text(await n.contract('fixed-asset').evaluateTransaction('getAssetEndorsers', 'k1')))).toEqual(['Org2MSP']);
    // Org1 alone satisfies the chaincode policy, not the key's.
    expect(await status('updateAsset', ['k1', 'ann'], ORG1)).toBe(CODES.ENDORSEMENT_POLICY_FAILURE);
    expect(await status('updateAsset', ['k1', 'ann'], ORG2)).toBe(CODES.VALID);
    expect(await status('setAssetEndorsers', ['k1', 'Org1MSP'], ORG1)).toBe(CODES.ENDORSEMENT_POLICY_FAILURE);
    expect(await status('setAssetEndorsers', ['k1', 'Org1MSP,Org2MSP'], ORG2)).toBe(CODES.VALID);
    expect(await status('updateAsset', ['k1', 'bob'], ORG2)).toBe(CODES.ENDORSEMENT_POLICY_FAILURE);
    expect(await status('updateAsset', ['k1', 'bob'], { endorsingOrganizations: ['Org1MSP', 'Org2MSP'] })).toBe(CODES.VALID);
    expect(JSON.parse(text(await n.contract('fixed-asset').evaluateTransaction('getAsset', 'k1'))).owner).toBe('bob');
    // Other keys still follow the chaincode policy.
    expect(await status('createAsset', ['k2', '5', 'tom'], ORG1)).toBe(CODES.VALID);
  });

  test('a write to a key whose policy an earlier transaction of the same block changed is invalid', async () => {
    expect(await status('createAsset', ['k3', '5', 'tom'], ORG1)).toBe(CODES.VALID);
    const contract = n.contract('fixed-asset');
    const setPolicy = await contract.newProposal('setAssetEndorsers', { arguments: ['k3', 'Org2MSP'], ...ORG1 }).endorse();
    const update = await contract.newProposal('updateAsset', { arguments: ['k3', 'zoe'], ...ORG2 }).endorse();
    const [first, second] = [await setPolicy.submit(), await update.submit()];
    const [s1, s2] = [await first.getStatus(), await second.getStatus()];
    expect(s2.blockNumber).toBe(s1.blockNumber);
    expect(s1.code).toBe(CODES.VALID);
    expect(s2.code).toBe(CODES.ENDORSEMENT_POLICY_FAILURE);
  });

  test('private keys: the policy sits on the hash, and the value stays readable', async () => {
    const asset = { asset: Buffer.from(JSON.stringify({ uuid: 'pk1', owner: 'tom' })) };
    expect(await status('createPrivateAsset', ['sharedAssets'], ORG1, asset)).toBe(CODES.VALID);
    expect(await status('setPrivateAssetEndorsers', ['sharedAssets', 'pk1', 'Org2MSP'], ORG1)).toBe(CODES.VALID);
    expect(await status('updatePrivateAsset', ['sharedAssets', 'pk1'], ORG1)).toBe(CODES.ENDORSEMENT_POLICY_FAILURE);
    expect(await status('updatePrivateAsset', ['sharedAssets', 'pk1'], ORG2)).toBe(CODES.VALID);
    expect(JSON.parse(text(await n.contract('fixed-asset').evaluateTransaction('getPrivateAsset', 'sharedAssets', 'pk1'))).version).toBe(1);
  });
});
