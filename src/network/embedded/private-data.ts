/**
 * Private data, laid out as a Fabric peer lays it out: the public state of every peer holds, per
 * collection, the hashes (namespace `<chaincode>$$h<collection>`, key = sha256(key) in hex, value =
 * sha256(value)), versioned and MVCC-checked like any key; the values themselves live only in the
 * private stores of the collection's member organizations (`<chaincode>$$p<collection>`), and both go
 * when blockToLive blocks have passed.
 */
import { createHash } from 'node:crypto';
import type { ChannelLedger, PrivateExpiry } from './ledger.ts';
import type { CollectionConfig } from './private-data-collections.ts';
import type { Simulation } from './stub.ts';

const HASHED = '$$h';

/** The public namespace of a collection's hashes. */
export const hashedNs = (ns: string, collection: string): string => `${ns}${HASHED}${collection}`;

/** The private namespace of a collection's values. */
export const privateNsName = (ns: string, collection: string): string => `${ns}$$p${collection}`;

/** A private key as the public state knows it. */
export const keyHash = (key: string): string => createHash('sha256').update(key).digest('hex');

/** A private value as the public state knows it. */
export const valueHash = (value: Uint8Array): Buffer => createHash('sha256').update(value).digest();

/** The chaincode and collection of a hashed namespace; undefined for a plain chaincode namespace. */
export function splitHashedNs(name: string): { ns: string; collection: string } | undefined {
  const i = name.indexOf(HASHED);
  return i < 0 ? undefined : { ns: name.slice(0, i), collection: name.slice(i + HASHED.length) };
}

/**
 * Store a valid transaction's private values with every member organization of their collections
 * (what dissemination and reconciliation achieve on a real network), and schedule their purge.
 */
export function commitPrivateWrites(
  ledger: ChannelLedger,
  sim: Simulation,
  collectionOf: (ns: string, collection: string) => CollectionConfig | undefined,
  ver: number,
  blockNumber: number,
  txId: string,
  writerFn: string,
): void {
  for (const [hns, p] of sim.pvt) {
    const c = collectionOf(p.ns, p.collection);
    if (!c) continue;
    const pns = privateNsName(p.ns, p.collection);
    const kept = ledger.ns(hns);
    for (const key of p.retagged) {
      // Only the validation parameter changed: the hash took this version, so must the value.
      if (p.writes.has(key) || kept.get(keyHash(key))?.ver !== ver) continue;
      for (const m of c.members) {
        const s = ledger.privateNs(m, pns);
        const cur = s.get(key);
        if (cur) s.apply(key, cur.value, ver, writerFn, txId, 0, false);
      }
    }
    for (const [key, value] of p.writes) {
      for (const m of c.members) ledger.privateNs(m, pns).apply(key, value, ver, writerFn, txId, 0, false);
      if (c.blockToLive > 0 && value !== null) {
        // Readable through block (written + blockToLive), gone once the next one commits.
        const at = blockNumber + c.blockToLive + 1;
        const e: PrivateExpiry = { hashedNs: hns, keyHash: keyHash(key), privateNs: pns, key, members: [...c.members], ver };
        const list = ledger.privateExpiries.get(at);
        if (list) list.push(e);
        else ledger.privateExpiries.set(at, [e]);
      }
    }
  }
}

/** Purge the private values (and their hashes) that expire with this block, unless rewritten since. */
export function purgeExpired(ledger: ChannelLedger, blockNumber: number): void {
  const list = ledger.privateExpiries.get(blockNumber);
  if (!list) return;
  ledger.privateExpiries.delete(blockNumber);
  for (const e of list) {
    const hashed = ledger.ns(e.hashedNs);
    if (hashed.get(e.keyHash)?.ver === e.ver) hashed.apply(e.keyHash, null, e.ver, '', '', 0, false);
    for (const m of e.members) {
      const s = ledger.privateNs(m, e.privateNs);
      if (s.get(e.key)?.ver === e.ver) s.apply(e.key, null, e.ver, '', '', 0, false);
    }
  }
}
