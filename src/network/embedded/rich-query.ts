/**
 * Rich queries over JSON state, as a Fabric peer with CouchDB runs them: a Mango query (selector,
 * fields, sort, limit, skip, bookmark, use_index) over the documents of one namespace. Matching is
 * sift's (MongoDB query semantics) with CouchDB's own operators added; a sort needs a json index of
 * the chaincode that can serve it, as CouchDB requires, and then only documents that index holds
 * (those with every indexed field) are returned. Values that are not JSON objects are not documents
 * (CouchDB keeps them as attachments) and never match.
 */
import { createRequire } from 'node:module';
import type { VersionedValue } from './ledger.ts';
import type { CouchIndex, IndexField } from './rich-query-indexes.ts';

const require = createRequire(import.meta.url);
// sift is CommonJS with its helpers assigned onto the default export, which ESM named imports miss.
const sift = require('sift') as typeof import('sift');

/** A parsed Mango query. */
export interface RichQuery {
  selector: Record<string, unknown>;
  fields?: string[];
  sort: IndexField[];
  limit?: number;
  skip: number;
  bookmark: string;
  useIndex?: { ddoc: string; name?: string };
}

/** One document a query returned. */
export interface RichRow {
  key: string;
  value: Buffer;
  ver: number;
}

/** Fabric's totalQueryLimit default: a query never returns more records than this. */
export const TOTAL_QUERY_LIMIT = 100_000;

const QUERY_KEYS = ['selector', 'fields', 'sort', 'limit', 'skip', 'bookmark', 'use_index', 'execution_stats', 'r', 'conflicts', 'stable', 'update'];

/** Parse a query string as CouchDB's _find takes it; throws an Error naming the problem. */
export function parseRichQuery(text: string): RichQuery {
  let q: unknown;
  try {
    q = JSON.parse(text);
  } catch (err) {
    throw new Error(`rich query is not valid JSON (${(err as Error).message}): ${text.slice(0, 200)}`, { cause: err });
  }
  if (!isObject(q)) throw new Error('rich query must be a JSON object: {"selector": {...}}');
  for (const k of Object.keys(q)) if (!QUERY_KEYS.includes(k)) throw new Error(`rich query: unknown field "${k}" (CouchDB _find takes ${QUERY_KEYS.join(', ')})`);
  if (!isObject(q.selector)) throw new Error('rich query: "selector" is required and must be an object, e.g. {"selector": {"docType": "asset"}}');
  if (q.fields !== undefined && (!Array.isArray(q.fields) || !q.fields.every((f) => typeof f === 'string'))) throw new Error('rich query: "fields" must be a list of field names');
  const sort = (q.sort === undefined ? [] : Array.isArray(q.sort) ? q.sort : [q.sort]).map((s): IndexField => {
    if (typeof s === 'string') return { field: s, dir: 'asc' };
    const e = isObject(s) ? Object.entries(s) : [];
    if (e.length === 1 && (e[0][1] === 'asc' || e[0][1] === 'desc')) return { field: e[0][0], dir: e[0][1] };
    throw new Error(`rich query: sort entry ${JSON.stringify(s)} must be "field" or {"field": "asc" | "desc"}`);
  });
  if (new Set(sort.map((s) => s.dir)).size > 1) throw new Error('rich query: sorts support a single direction for all fields (as in CouchDB)');
  const count = (k: 'limit' | 'skip'): number | undefined => {
    const v = q[k];
    if (v === undefined) return undefined;
    if (!Number.isInteger(v) || (v as number) < 0) throw new Error(`rich query: "${k}" must be a non-negative integer`);
    return v as number;
  };
  if (q.bookmark !== undefined && typeof q.bookmark !== 'string') throw new Error('rich query: "bookmark" must be a string');
  let useIndex: RichQuery['useIndex'];
  const ui = q.use_index;
  if (typeof ui === 'string') useIndex = { ddoc: ui.replace(/^_design\//, '') };
  else if (Array.isArray(ui) && ui.length >= 1 && ui.length <= 2 && ui.every((x) => typeof x === 'string')) useIndex = { ddoc: ui[0].replace(/^_design\//, ''), name: ui[1] };
  else if (ui !== undefined) throw new Error('rich query: "use_index" must be "ddoc" or ["ddoc", "name"]');
  return { selector: q.selector, fields: q.fields as string[] | undefined, sort, limit: count('limit'), skip: count('skip') ?? 0, bookmark: (q.bookmark as string | undefined) ?? '', useIndex };
}

/** CouchDB operators sift does not have, and $type with CouchDB's type names. */
const MANGO_OPERATIONS = {
  $allMatch: (params: unknown, owner: unknown, options: unknown) => {
    const each = sift.default(params as never, options as never);
    return sift.createEqualsOperation((v: unknown) => Array.isArray(v) && v.length > 0 && v.every((x) => each(x)), owner, options as never);
  },
  $keyMapMatch: (params: unknown, owner: unknown, options: unknown) => {
    const each = sift.default(params as never, options as never);
    return sift.createEqualsOperation((v: unknown) => isObject(v) && Object.keys(v).some((k) => each(k)), owner, options as never);
  },
  $beginsWith: (params: unknown, owner: unknown, options: unknown) =>
    sift.createEqualsOperation((v: unknown) => typeof v === 'string' && v.startsWith(String(params)), owner, options as never),
  $type: (params: unknown, owner: unknown, options: unknown) => sift.createEqualsOperation((v: unknown) => mangoType(v) === params, owner, options as never),
};

function mangoType(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

/** Parsed documents, kept as long as the committed value they came from (values are immutable). */
const docs = new WeakMap<VersionedValue, Record<string, unknown> | null>();

function docOf(key: string, v: VersionedValue): Record<string, unknown> | null {
  let d = docs.get(v);
  if (d === undefined) {
    d = null;
    if (v.value[0] === 0x7b /* { */) {
      try {
        const parsed: unknown = JSON.parse(v.value.toString());
        if (isObject(parsed)) d = { ...parsed, _id: key };
      } catch {
        // Not JSON: CouchDB stores it as an attachment, which no selector sees.
      }
    }
    docs.set(v, d);
  }
  return d;
}

/** Committed state to query: a namespace's rows in key order from a start key. */
export interface QuerySource {
  range(start: string, end: string): Iterable<[string, VersionedValue]>;
}

type Match = { key: string; v: VersionedValue; doc: Record<string, unknown>; sortKey: unknown[] };

/**
 * Run a query over a namespace's committed state. `pageSize` > 0 replaces the query's limit, as
 * Fabric's paginated query does; the returned bookmark resumes after the last row. An unsorted query
 * walks keys from its bookmark and stops at its limit; a sorted one has to see every document.
 */
export function runRichQuery(
  source: QuerySource,
  q: RichQuery,
  indexes: CouchIndex[],
  page: { pageSize: number; bookmark: string } = { pageSize: 0, bookmark: '' },
): { rows: RichRow[]; bookmark: string } {
  let test: (d: unknown) => boolean;
  try {
    test = sift.default(q.selector as never, { operations: MANGO_OPERATIONS as never });
  } catch (err) {
    throw new Error(`rich query: invalid selector: ${(err as Error).message}`, { cause: err });
  }
  const bookmark = page.bookmark || q.bookmark;
  const after = bookmark ? decodeBookmark(bookmark) : undefined;
  const limit = Math.min(page.pageSize > 0 ? page.pageSize : (q.limit ?? TOTAL_QUERY_LIMIT), TOTAL_QUERY_LIMIT);
  const chosen = q.sort.length ? sortedPage(source, q, indexes, test, after, limit) : keyOrderPage(source, q, test, after?.k, limit);
  const last = chosen[chosen.length - 1];
  return {
    rows: chosen.map((m) => ({ key: m.key, value: q.fields ? project(m.doc, q.fields) : m.v.value, ver: m.v.ver })),
    bookmark: last ? encodeBookmark(last.key, last.sortKey) : bookmark,
  };
}

/** Unsorted: key order, the order of CouchDB's _id index. */
function keyOrderPage(source: QuerySource, q: RichQuery, test: (d: unknown) => boolean, afterKey: string | undefined, limit: number): Match[] {
  const out: Match[] = [];
  let skipped = 0;
  if (limit === 0) return out;
  for (const [key, v] of source.range(afterKey ?? '', '')) {
    if (afterKey !== undefined && key <= afterKey) continue;
    const doc = docOf(key, v);
    if (!doc || !test(doc)) continue;
    if (skipped++ < q.skip) continue;
    out.push({ key, v, doc, sortKey: [] });
    if (out.length === limit) break;
  }
  return out;
}

function sortedPage(source: QuerySource, q: RichQuery, indexes: CouchIndex[], test: (d: unknown) => boolean, after: { k: string; s: unknown[] } | undefined, limit: number): Match[] {
  const index = sortIndex(q, indexes);
  const matched: Match[] = [];
  for (const [key, v] of source.range('', '')) {
    const doc = docOf(key, v);
    if (!doc || !test(doc)) continue;
    // A json index holds only documents with every indexed field: a sorted query sees only those.
    if (!index.fields.every((f) => pick(doc, f.field) !== undefined)) continue;
    matched.push({ key, v, doc, sortKey: q.sort.map((s) => pick(doc, s.field)) });
  }
  const desc = q.sort[0].dir === 'desc' ? -1 : 1;
  // Ties go in key order.
  const order = (a: { key: string; sortKey: unknown[] }, b: { k: string; s: unknown[] }) => desc * (collate(a.sortKey, b.s) || byKey(a.key, b.k));
  matched.sort((a, b) => order(a, { k: b.key, s: b.sortKey }));
  let start = after ? matched.findIndex((m) => order(m, after) > 0) : 0;
  if (start < 0) start = matched.length;
  return matched.slice(start + q.skip, start + q.skip + limit);
}

/**
 * The index that serves the sort, chosen as CouchDB chooses: every index field the sort does not
 * name must be required by the selector, and the sort fields must follow the index's fields once
 * leading fields the selector fixes to one value are dropped. use_index picks among usable ones.
 */
function sortIndex(q: RichQuery, indexes: CouchIndex[]): CouchIndex {
  const sortFields = q.sort.map((s) => s.field);
  const conds = topLevelConditions(q.selector);
  const usable = indexes.filter((idx) => {
    const cols = idx.fields.map((f) => f.field);
    if (!cols.every((c) => sortFields.includes(c) || (conds.has(c) && !isExistsFalse(conds.get(c))))) return false;
    let rest = cols;
    while (rest.length) {
      if (sortFields.every((f, i) => rest[i] === f)) return true;
      if (!isEquality(conds.get(rest[0]))) return false;
      rest = rest.slice(1);
    }
    return false;
  });
  const wanted = q.useIndex && usable.find((i) => i.ddoc === q.useIndex!.ddoc && (!q.useIndex!.name || i.name === q.useIndex!.name));
  const chosen = wanted || usable[0];
  if (!chosen) {
    throw new Error(
      `rich query: no_usable_index: No index exists for this sort (${sortFields.join(', ')}), try indexing by the sort field: add META-INF/statedb/couchdb/indexes/<name>.json to the chaincode with {"index": {"fields": ${JSON.stringify(sortFields)}}, "type": "json"}`,
    );
  }
  return chosen;
}

function topLevelConditions(selector: Record<string, unknown>): Map<string, unknown> {
  const out = new Map<string, unknown>();
  for (const [k, v] of Object.entries(selector)) {
    if (k === '$and' && Array.isArray(v)) for (const s of v) if (isObject(s)) for (const [k2, v2] of topLevelConditions(s)) out.set(k2, v2);
    if (!k.startsWith('$')) out.set(k, v);
  }
  return out;
}

const isOperatorObject = (c: unknown): c is Record<string, unknown> => isObject(c) && Object.keys(c).some((k) => k.startsWith('$'));
const isEquality = (c: unknown): boolean => c !== undefined && (!isOperatorObject(c) || (Object.keys(c).length === 1 && '$eq' in c));
const isExistsFalse = (c: unknown): boolean => isOperatorObject(c) && c.$exists === false;

/** A dotted field of a document. */
function pick(doc: unknown, path: string): unknown {
  let cur = doc;
  for (const part of path.split('.')) {
    if (!isObject(cur)) return undefined;
    cur = cur[part];
  }
  return cur;
}

/** The document with only the named fields (dotted paths keep their nesting), as CouchDB returns it. */
function project(doc: Record<string, unknown>, fields: string[]): Buffer {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const v = pick(doc, f);
    if (v === undefined || f === '_id') continue;
    const parts = f.split('.');
    let cur = out;
    for (const p of parts.slice(0, -1)) cur = (cur[p] ??= {}) as Record<string, unknown>;
    cur[parts[parts.length - 1]] = v;
  }
  return Buffer.from(JSON.stringify(out));
}

const byKey = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const strings = new Intl.Collator('en');
const TYPE_RANK = (v: unknown): number => (v === null || v === undefined ? 0 : v === false ? 1 : v === true ? 2 : typeof v === 'number' ? 3 : typeof v === 'string' ? 4 : Array.isArray(v) ? 5 : 6);

/** CouchDB's view collation: null < false < true < numbers < strings (ICU order) < arrays < objects. */
export function collate(a: unknown, b: unknown): number {
  const ra = TYPE_RANK(a);
  const rb = TYPE_RANK(b);
  if (ra !== rb) return ra - rb;
  if (typeof a === 'number') return a - (b as number);
  if (typeof a === 'string') return strings.compare(a, b as string) || (a < (b as string) ? -1 : a > (b as string) ? 1 : 0);
  if (Array.isArray(a)) {
    const bb = b as unknown[];
    for (let i = 0; i < Math.min(a.length, bb.length); i++) {
      const c = collate(a[i], bb[i]);
      if (c) return c;
    }
    return a.length - bb.length;
  }
  if (ra === 6) return collate(Object.entries(a as object), Object.entries(b as object));
  return 0;
}

function encodeBookmark(key: string, sortKey: unknown[]): string {
  return Buffer.from(JSON.stringify({ k: key, s: sortKey })).toString('base64url');
}

function decodeBookmark(bookmark: string): { k: string; s: unknown[] } {
  try {
    const b = JSON.parse(Buffer.from(bookmark, 'base64url').toString()) as { k: string; s: unknown[] };
    if (typeof b.k === 'string' && Array.isArray(b.s)) return b;
  } catch {
    // fall through to the error below
  }
  throw new Error(`rich query: invalid bookmark ${JSON.stringify(bookmark.slice(0, 80))}: pass back the bookmark a previous page returned`);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
