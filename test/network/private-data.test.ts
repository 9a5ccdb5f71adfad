/**
 * Private data collections on the embedded network through the real fabric-gateway client: values
 * passed in transient data, only hashes in the transaction, member-only reads and writes, non-member
 * peers, MVCC on hashed reads, blockToLive purges, dissemination (requiredPeerCount), collection
 * endorsement policies, and the collections file's errors.
 */
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import * as protos from '@hyperledger/fabric-protos';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { loadNetworkFile } from '../../src/config/network-file.ts';
import { chaincodePath, endorseOnly, type FixedAssetNet, startFixedAssetNet, writeCollections } from './fixed-asset-net.ts';
import { removeTempDirs, text, writeNetworkFile } from './helpers.ts';

const CODES = protos.peer.TxValidationCode;
const sha256 = (b: Uint8Array | string) => createHash('sha256').update(b).digest();

/** The read/write set of a prepared transaction (fabric-gateway's Transaction.getBytes()), decoded with the protos. */
function rwsetOf(prepared: Uint8Array): InstanceType<typeof protos.ledger.rwset.TxReadWriteSet> {
  const envelope = protos.gateway.PreparedTransaction.deserializeBinary(prepared).getEnvelope()!;
  const payload = protos.common.Payload.deserializeBinary(envelope.getPayload_asU8());
  const tx = protos.peer.Transaction.deserializeBinary(payload.getData_asU8());
  const cap = protos.peer.ChaincodeActionPayload.deserializeBinary(tx.getActionsList()[0].getPayload_asU8());
  const prp = protos.peer.ProposalResponsePayload.deserializeBinary(cap.getAction()!.getProposalResponsePayload_asU8());
  const action = protos.peer.ChaincodeAction.deserializeBinary(prp.getExtension_asU8());
  return protos.ledger.rwset.TxReadWriteSet.deserializeBinary(action.getResults_asU8());
}

describe('private data through the fabric-gateway client', () => {
  let n: FixedAssetNet;
  const asset = (uuid: string, extra: Record<string, unknown> = {}) => ({ asset: Buffer.from(JSON.stringify({ uuid, owner: 'tom', secret: `s3cret-${uuid}`, ...extra })) });

  beforeAll(async () => {
    const strict = writeCollections([
      { name: 'needsTwo', policy: "OR('Org1MSP.member','Org2MSP.member')", requiredPeerCount: 2, maxPeerCount: 2 },
      { name: 'bothEndorse', policy: "OR('Org1MSP.member','Org2MSP.member')", endorsementPolicy: { signaturePolicy: "AND('Org1MSP.peer','Org2MSP.peer')" } },
    ]);
    n = await startFixedAssetNet([
      `{ name: fixed-asset, path: ${chaincodePath('fixed-asset')}, endorsementPolicy: "OR('Org1MSP.peer','Org2MSP.peer')", collections: ${chaincodePath('fixed-asset')}/collections_config.json }`,
      `{ name: fixed-asset-strict, path: ${chaincodePath('fixed-asset')}, endorsementPolicy: "OR('Org1MSP.peer','Org2MSP.peer')", collections: ${strict} }`,
    ]);
  });

  afterAll(async () => {
    await n?.stop();
    removeTempDirs();
  });

  test('values travel in transient data; the transaction carries only their hashes', async () => {
    const contract = n.contract('fixed-asset');
    const transient = asset('p-1');
    const tx = await contract.newProposal('createPrivateAsset', { arguments: ['org1Assets'], transientData: transient }).endorse();
    const prepared = tx.getBytes();
    expect(Buffer.from(prepared).includes(Buffer.from('s3cret-p-1'))).toBe(false);
    const ns = rwsetOf(prepared)
      .getNsRwsetList()
      .find((x) => x.getNamespace() === 'fixed-asset')!;
    const coll = ns.getCollectionHashedRwsetList()[0];
    expect(coll.getCollectionName()).toBe('org1Assets');
    const hashed = protos.ledger.rwset.kvrwset.HashedRWSet.deserializeBinary(coll.getHashedRwset_asU8());
    const stored = JSON.stringify({ docType: 'fixedAsset', ...JSON.parse(transient.asset.toString()) });
    expect(hashed.getHashedWritesList().map((w) => [Buffer.from(w.getKeyHash_asU8()).toString('hex'), Buffer.from(w.getValueHash_asU8()).toString('hex')])).toEqual([
      [sha256('p-1').toString('hex'), sha256(stored).toString('hex')],
    ]);
    expect(coll.getPvtRwsetHash_asU8().length).toBe(32);
    expect((await (await tx.submit()).getStatus()).code).toBe(CODES.VALID);

    expect(JSON.parse(text(await contract.evaluateTransaction('getPrivateAsset', 'org1Assets', 'p-1'))).secret).toBe('s3cret-p-1');
    // Anyone can read the hash, members or not.
    expect(text(await n.contract('fixed-asset', 2).evaluateTransaction('getPrivateAssetHash', 'org1Assets', 'p-1'))).toBe(sha256(stored).toString('hex'));
    expect(n.net.core.channels.get('mychannel')!.ledger.ns('fixed-asset').get('p-1')).toBeUndefined();
  });

  test('memberOnlyRead / memberOnlyWrite refuse other organizations; a non-member peer has no values', async () => {
    await n.contract('fixed-asset').submit('createPrivateAsset', { arguments: ['org1Assets'], transientData: asset('p-2') });
    await expect(n.contract('fixed-asset', 2).evaluate('getPrivateAsset', { arguments: ['org1Assets', 'p-2'] })).rejects.toThrow(
      /tx creator does not have read access permission on privatedata in chaincodeName:fixed-asset collectionName: org1Assets/,
    );
    await expect(n.contract('fixed-asset', 2).submit('createPrivateAsset', { arguments: ['org1Assets'], transientData: asset('p-3') })).rejects.toThrow(/tx creator does not have write access permission/);
    // Org1's client asking Org2's peer, which is not a member of org1Assets.
    await expect(n.contract('fixed-asset').evaluate('getPrivateAsset', { arguments: ['org1Assets', 'p-2'], endorsingOrganizations: ['Org2MSP'] })).rejects.toThrow(
      /private data matching public hash version is not available/,
    );
  });

  test('hashed reads are MVCC-checked', async () => {
    const contract = n.contract('fixed-asset');
    await contract.submit('createPrivateAsset', { arguments: ['org1Assets'], transientData: asset('p-4') });
    const first = await endorseOnly(contract, 'updatePrivateAsset', ['org1Assets', 'p-4']);
    const second = await endorseOnly(contract, 'updatePrivateAsset', ['org1Assets', 'p-4']);
    expect((await (await first()).getStatus()).code).toBe(CODES.VALID);
    expect((await (await second()).getStatus()).code).toBe(CODES.MVCC_READ_CONFLICT);
    expect(JSON.parse(text(await contract.evaluateTransaction('getPrivateAsset', 'org1Assets', 'p-4'))).version).toBe(1);
  });

  test('deletePrivateData removes value and hash; range and rich queries over private state', async () => {
    const contract = n.contract('fixed-asset');
    for (const id of ['q-1', 'q-2', 'q-3']) await contract.submit('createPrivateAsset', { arguments: ['org1Assets'], transientData: asset(id, { owner: id === 'q-2' ? 'ann' : 'tom' }) });
    await contract.submitTransaction('deletePrivateAsset', 'org1Assets', 'q-3');
    expect(text(await contract.evaluateTransaction('getPrivateAsset', 'org1Assets', 'q-3'))).toBe('');
    expect(text(await contract.evaluateTransaction('getPrivateAssetHash', 'org1Assets', 'q-3'))).toBe('');
    const range = JSON.parse(text(await contract.evaluateTransaction('getPrivateAssetsByRange', 'org1Assets', 'q-', 'q.')));
    expect(range.map((r: { key: string }) => r.key)).toEqual(['q-1', 'q-2']);
    const rich = JSON.parse(text(await contract.evaluateTransaction('queryPrivateAssets', 'org1Assets', '{"selector":{"owner":"ann"}}')));
    expect(rich.map((r: { key: string }) => r.key)).toEqual(['q-2']);
  });

  test('blockToLive: the value and its hash are purged once blockToLive more blocks have committed', async () => {
    const contract = n.contract('fixed-asset');
    const commit = await contract.submitAsync('createPrivateAsset', { arguments: ['sharedAssets'], transientData: asset('ttl-1') });
    const written = (await commit.getStatus()).blockNumber;
    const read = async () => text(await contract.evaluateTransaction('getPrivateAsset', 'sharedAssets', 'ttl-1'));
    let block = written;
    // sharedAssets has blockToLive 2: readable through block written + 2.
    while (block < written + 2n) {
      expect(await read()).not.toBe('');
      block = (await (await contract.submitAsync('createAsset', { arguments: [`filler-${block}`, '1', 'x'] })).getStatus()).blockNumber;
    }
    expect(block).toBe(written + 2n);
    expect(await read()).not.toBe('');
    await (await contract.submitAsync('createAsset', { arguments: ['filler-last', '1', 'x'] })).getStatus();
    expect(await read()).toBe('');
    expect(text(await contract.evaluateTransaction('getPrivateAssetHash', 'sharedAssets', 'ttl-1'))).toBe('');
  });

  test('too few member peers for requiredPeerCount fail the endorsement; a collection policy replaces the chaincode one', async () => {
    const strict = n.contract('fixed-asset-strict');
    await expect(strict.submit('createPrivateAsset', { arguments: ['needsTwo'], transientData: asset('d-1') })).rejects.toThrow(/required to disseminate to at least 2 peers of collection needsTwo/);
    const one = await strict.newProposal('createPrivateAsset', { arguments: ['bothEndorse'], transientData: asset('e-1') }).endorse();
    expect((await (await one.submit()).getStatus()).code).toBe(CODES.ENDORSEMENT_POLICY_FAILURE);
    const both = await strict.newProposal('createPrivateAsset', { arguments: ['bothEndorse'], transientData: asset('e-1'), endorsingOrganizations: ['Org1MSP', 'Org2MSP'] }).endorse();
    expect((await (await both.submit()).getStatus()).code).toBe(CODES.VALID);
  });

  test("implicit collections: anyone writes _implicit_org_Org1MSP with Org1's endorsement, only Org1's peers keep it", async () => {
    const org2 = n.contract('fixed-asset', 2);
    const coll = '_implicit_org_Org1MSP';
    const endorsed = async (orgs: string[]) => {
      const tx = await org2.newProposal('createPrivateAsset', { arguments: [coll], transientData: asset('bid-1'), endorsingOrganizations: orgs }).endorse();
      return (await (await tx.submit()).getStatus()).code;
    };
    expect(await endorsed(['Org2MSP'])).toBe(CODES.ENDORSEMENT_POLICY_FAILURE);
    expect(await endorsed(['Org1MSP'])).toBe(CODES.VALID);
    expect(JSON.parse(text(await org2.evaluate('getPrivateAsset', { arguments: [coll, 'bid-1'], endorsingOrganizations: ['Org1MSP'] }))).uuid).toBe('bid-1');
    await expect(org2.evaluate('getPrivateAsset', { arguments: [coll, 'bid-1'], endorsingOrganizations: ['Org2MSP'] })).rejects.toThrow(/private data matching public hash version is not available/);
  });
});

describe('collections file errors name the file, the field and the fix', () => {
  const network = (collections: string) =>
    writeNetworkFile(`
type: embedded
organizations: [{ mspId: Org1MSP }]
channels:
  - name: mychannel
    chaincodes:
      - { name: fa, path: ${chaincodePath('fixed-asset')}, collections: ${collections} }
`);

  afterAll(() => removeTempDirs());

  test('a missing file is reported against the network file', () => {
    const file = network('./nope.json');
    expect(() => loadNetworkFile(file)).toThrow(ConfigError);
    expect(() => loadNetworkFile(file)).toThrow(/channels\[0\]\.chaincodes\[0\]\.collections: .*nope\.json does not exist/);
  });

  test('bad collection definitions are reported against the collections file', () => {
    const cases: Array<[unknown, RegExp]> = [
      [[{ name: 'c', policy: "OR('Org9MSP.member')" }], /\[0\]\.policy: names Org9MSP, which is not an organization/],
      [[{ name: 'bad name', policy: "OR('Org1MSP.member')" }], /\[0\]\.name: must be letters, digits and dashes/],
      [[{ name: 'c', policy: "OR('Org1MSP.member')", requiredPeerCount: 2, maxPeerCount: 1 }], /\[0\]\.maxPeerCount: is 1, less than requiredPeerCount 2/],
      [[{ name: 'c', policy: "OR('Org1MSP.member')", memberOnlyRead: 'yes' }], /\[0\]\.memberOnlyRead: must be true or false/],
      [[{ name: 'c', policy: "OR('Org1MSP.member')", endorsementPolicy: { channelConfigPolicy: 'Endorsement' } }], /endorsementPolicy: takes a signaturePolicy here/],
      [[{ name: 'c', policy: "OR('Org1MSP.member')", typo: 1 }], /\[0\]\.typo: is not a field of a collection definition/],
    ];
    for (const [doc, re] of cases) {
      const coll = writeCollections(doc as unknown[]);
      const err = (() => {
        try {
          loadNetworkFile(network(coll));
        } catch (e) {
          return e as ConfigError;
        }
      })();
      expect(err?.file).toBe(coll);
      expect(err?.message).toMatch(re);
    }
    const coll = writeCollections([]);
    writeFileSync(coll, '{ not json');
    expect(() => loadNetworkFile(network(coll))).toThrow(/is not valid JSON/);
  });
});
