/**
 * Rich queries (CouchDB Mango) on the embedded network: the query engine and index files on their
 * own, then through the real fabric-gateway client against the fixed-asset chaincode, with Fabric's
 * validation semantics (keys read are MVCC-checked, the query is not re-run: no phantom protection).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as protos from '@hyperledger/fabric-protos';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError } from '../../src/config/errors.ts';
import { type EmbeddedChaincode, parseSignaturePolicy } from '../../src/config/network-file.ts';
import { deployChaincode } from '../../src/network/embedded/endorser.ts';
import { NamespaceState, packVersion } from '../../src/network/embedded/ledger.ts';
import { parseRichQuery, runRichQuery } from '../../src/network/embedded/rich-query.ts';
import { parseIndexFile, readChaincodeIndexes } from '../../src/network/embedded/rich-query-indexes.ts';
import { chaincodePath, endorseOnly, type FixedAssetNet, startFixedAssetNet } from './fixed-asset-net.ts';
import { removeTempDirs, tempDir, text } from './helpers.ts';

const CODES = protos.peer.TxValidationCode;

function state(docs: Record<string, unknown>): NamespaceState {
  const s = new NamespaceState();
  let i = 0;
  for (const [k, v] of Object.entries(docs)) s.apply(k, Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)), packVersion(1, i++), 'cc:put', 't', 0, false);
  return s;
}

const keys = (r: { rows: Array<{ key: string }> }) => r.rows.map((x) => x.key);

describe('rich query engine', () => {
  const s = state({
    a1: { docType: 'asset', owner: 'tom', size: 5, tags: ['red'] },
    a2: { docType: 'asset', owner: 'ann', size: 15 },
    a3: { docType: 'asset', owner: 'tom', size: 10 },
    a4: { docType: 'asset', owner: 'tom' },
    b1: { docType: 'other', owner: 'tom', size: 1 },
    raw: 'not json at all',
    arr: '[1,2]',
  });
  const ownerSize = parseIndexFile('/x/indexOwnerSize.json', JSON.stringify({ index: { fields: ['docType', 'owner', 'size'] }, ddoc: 'indexOwnerSizeDoc', name: 'indexOwnerSize', type: 'json' }));

  test('selectors match JSON documents only, in key order, with CouchDB operators', () => {
    expect(keys(runRichQuery(s, parseRichQuery('{"selector":{"owner":"tom"}}'), []))).toEqual(['a1', 'a3', 'a4', 'b1']);
    expect(keys(runRichQuery(s, parseRichQuery('{"selector":{"size":{"$gt":4,"$lt":12}}}'), []))).toEqual(['a1', 'a3']);
    expect(keys(runRichQuery(s, parseRichQuery('{"selector":{"$or":[{"owner":"ann"},{"size":1}]}}'), []))).toEqual(['a2', 'b1']);
    expect(keys(runRichQuery(s, parseRichQuery('{"selector":{"owner":{"$beginsWith":"a"}}}'), []))).toEqual(['a2']);
    expect(keys(runRichQuery(s, parseRichQuery('{"selector":{"tags":{"$allMatch":{"$eq":"red"}}}}'), []))).toEqual(['a1']);
    expect(keys(runRichQuery(s, parseRichQuery('{"selector":{"size":{"$type":"number"},"_id":{"$regex":"^a"}}}'), []))).toEqual(['a1', 'a2', 'a3']);
    expect(keys(runRichQuery(s, parseRichQuery('{"selector":{}}'), []))).toEqual(['a1', 'a2', 'a3', 'a4', 'b1']);
  });

  test('sort needs a usable index and returns only documents the index holds; fields, limit, skip', () => {
    const q = parseRichQuery('{"selector":{"docType":"asset","owner":"tom"},"sort":[{"size":"desc"}],"fields":["size"],"use_index":["_design/indexOwnerSizeDoc","indexOwnerSize"]}');
    const r = runRichQuery(s, q, [ownerSize]);
    // a4 has no size: the index does not hold it.
    expect(keys(r)).toEqual(['a3', 'a1']);
    expect(r.rows.map((x) => x.value.toString())).toEqual(['{"size":10}', '{"size":5}']);
    expect(() => runRichQuery(s, q, [])).toThrow(/no_usable_index.*META-INF\/statedb\/couchdb\/indexes/);
    // owner is not fixed by the selector, so the index cannot serve a sort on size.
    expect(() => runRichQuery(s, parseRichQuery('{"selector":{"docType":"asset","owner":{"$gt":""}},"sort":["size"]}'), [ownerSize])).toThrow(/no_usable_index/);
    const limited = runRichQuery(s, parseRichQuery('{"selector":{"docType":"asset"},"limit":2,"skip":1}'), []);
    expect(keys(limited)).toEqual(['a2', 'a3']);
  });

  test('pages resume from the bookmark, with or without sort', () => {
    for (const text of ['{"selector":{"docType":"asset"}}', '{"selector":{"docType":"asset","owner":"tom"},"sort":[{"size":"desc"}]}']) {
      const q = parseRichQuery(text);
      const all = keys(runRichQuery(s, q, [ownerSize]));
      const seen: string[] = [];
      let bookmark = '';
      for (let i = 0; i < 5; i++) {
        const page = runRichQuery(s, q, [ownerSize], { pageSize: 1, bookmark });
        if (page.rows.length === 0) break;
        seen.push(...keys(page));
        bookmark = page.bookmark;
      }
      expect(seen).toEqual(all);
    }
    expect(() => runRichQuery(s, parseRichQuery('{"selector":{}}'), [], { pageSize: 1, bookmark: 'garbage!' })).toThrow(/invalid bookmark/);
  });

  test('bad queries are refused with what to write', () => {
    expect(() => parseRichQuery('{"selector":')).toThrow(/not valid JSON/);
    expect(() => parseRichQuery('{"docType":"asset"}')).toThrow(/unknown field "docType"/);
    expect(() => parseRichQuery('{"fields":["a"]}')).toThrow(/"selector" is required/);
    expect(() => parseRichQuery('{"selector":{},"sort":[{"a":"asc"},{"b":"desc"}]}')).toThrow(/single direction/);
    expect(() => runRichQuery({ range: () => [] }, parseRichQuery('{"selector":{"a":{"$nope":1}}}'), [])).toThrow(/invalid selector/);
  });

  test('index files are read from the package and validated, naming the file', () => {
    const idx = readChaincodeIndexes(chaincodePath('fixed-asset'));
    expect(idx.state.map((i) => [i.ddoc, i.name, i.fields.map((f) => f.field)])).toEqual([['indexCreatorByteSizeDoc', 'indexCreatorByteSize', ['docType', 'creator', 'byteSize']]]);
    expect([...idx.collections.keys()]).toEqual(['sharedAssets']);
    const dir = tempDir('lb-badindex-');
    mkdirSync(join(dir, 'META-INF/statedb/couchdb/indexes'), { recursive: true });
    writeFileSync(join(dir, 'index.js'), 'module.exports = {};');
    const bad = join(dir, 'META-INF/statedb/couchdb/indexes/bad.json');
    writeFileSync(bad, '{"index": {"fields": [{"size": "up"}]}, "type": "json"}');
    const cc: EmbeddedChaincode = { name: 'x', path: dir, endorsementPolicy: "OR('Org1MSP.peer')", policy: parseSignaturePolicy("OR('Org1MSP.peer')"), collections: [] };
    const err = (() => {
      try {
        deployChaincode(cc, { Init: async () => ({ status: 200 }), Invoke: async () => ({ status: 200 }) } as never);
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).file).toBe(bad);
    expect((err as ConfigError).field).toBe('index.fields[0]');
    writeFileSync(bad, '{"index": {"fields": ["a"]}, "type": "text"}');
    expect(() => readChaincodeIndexes(dir)).toThrow(/type: is "text"; Fabric's state database takes json indexes only/);
  });
});

describe('rich queries through the fabric-gateway client', () => {
  let n: FixedAssetNet;
  const selector = (extra: Record<string, unknown> = {}) => JSON.stringify({ selector: { docType: 'fixedAsset', creator: 'Org1MSP', ...extra } });

  beforeAll(async () => {
    n = await startFixedAssetNet([`{ name: fixed-asset, path: ${chaincodePath('fixed-asset')}, endorsementPolicy: "OR('Org1MSP.peer','Org2MSP.peer')" }`]);
    const batch = [10, 40, 20, 30, 50].map((size, i) => ({ uuid: `asset-${i}`, byteSize: size, owner: i % 2 ? 'ann' : 'tom' }));
    await n.contract('fixed-asset').submitTransaction('createAssetsFromBatch', JSON.stringify(batch));
    await n.contract('fixed-asset', 2).submitTransaction('createAsset', 'org2-asset', '25', 'tom');
  });

  afterAll(async () => {
    await n?.stop();
    removeTempDirs();
  });

  const evaluate = async (fn: string, ...args: string[]) => JSON.parse(text(await n.contract('fixed-asset').evaluateTransaction(fn, ...args)));

  test('getQueryResult: selector, sort over the package index, fields', async () => {
    const found = await evaluate('richQuery', selector({ byteSize: { $gte: 20 } }));
    expect(found.map((r: { key: string }) => r.key)).toEqual(['asset-1', 'asset-2', 'asset-3', 'asset-4']);
    const sorted = await evaluate('richQuery', JSON.stringify({ selector: { docType: 'fixedAsset', creator: 'Org1MSP' }, sort: [{ byteSize: 'desc' }], fields: ['uuid', 'byteSize'] }));
    expect(sorted.map((r: { record: unknown }) => r.record)).toEqual([50, 40, 30, 20, 10].map((size, i) => ({ uuid: `asset-${[4, 1, 3, 2, 0][i]}`, byteSize: size })));
    await expect(n.contract('fixed-asset').evaluateTransaction('richQuery', JSON.stringify({ selector: { docType: 'fixedAsset' }, sort: ['owner'] }))).rejects.toThrow(/no_usable_index/);
  });

  test('getQueryResultWithPagination: pages and bookmarks; a write after a page is refused', async () => {
    const keysSeen: string[] = [];
    let bookmark = '';
    let pages = 0;
    for (;;) {
      const page = await evaluate('paginatedRichQuery', selector(), '2', bookmark);
      keysSeen.push(...page.records.map((r: { key: string }) => r.key));
      pages++;
      expect(page.fetchedRecordsCount).toBe(page.records.length);
      if (page.fetchedRecordsCount < 2) break;
      bookmark = page.bookmark;
    }
    expect(keysSeen).toEqual(['asset-0', 'asset-1', 'asset-2', 'asset-3', 'asset-4']);
    expect(pages).toBe(3);
    await expect(n.contract('fixed-asset').submitTransaction('paginatedQueryThenWrite', selector(), 'k')).rejects.toThrow(/putState: txid \[\w+\]: Transaction has already performed paginated queries .*Writes are not allowed/);
    await expect(n.contract('fixed-asset').submitTransaction('writeThenPaginatedRange', 'k', 'asset-', 'asset.')).rejects.toThrow(/Paginated queries are supported only in a read-only transaction/);
  });

  test('no phantom protection for rich queries (as in Fabric), but range queries keep theirs', async () => {
    const contract = n.contract('fixed-asset');
    const rich = await endorseOnly(contract, 'countAssets', [selector(), 'count-rich']);
    const range = await endorseOnly(contract, 'countAssetsByRange', ['asset-', 'asset.', 'count-range']);
    // A new matching asset commits between simulation and validation of both.
    await contract.submitTransaction('createAsset', 'asset-5', '60', 'tom');
    expect((await (await rich()).getStatus()).code).toBe(CODES.VALID);
    expect((await (await range()).getStatus()).code).toBe(CODES.PHANTOM_READ_CONFLICT);
    expect(text(await contract.evaluateTransaction('getAsset', 'count-rich'))).toBe('5');
  });

  test('keys a rich query returned are MVCC-checked', async () => {
    const contract = n.contract('fixed-asset');
    const rich = await endorseOnly(contract, 'countAssets', [selector(), 'count-rich-2']);
    await contract.submitTransaction('updateAsset', 'asset-2', 'zoe');
    expect((await (await rich()).getStatus()).code).toBe(CODES.MVCC_READ_CONFLICT);
  });
});
