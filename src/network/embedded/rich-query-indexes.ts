/**
 * CouchDB index definitions a chaincode package carries (META-INF/statedb/couchdb/indexes/*.json, and
 * collections/<name>/indexes/*.json for private data), read and validated when the chaincode is
 * deployed, as a Fabric peer does when it installs the package. Rich queries use them to decide
 * whether a sort can be served, as CouchDB does.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ConfigError } from '../../config/errors.ts';

/** One field of a json index, with its direction. */
export interface IndexField {
  field: string;
  dir: 'asc' | 'desc';
}

/** A validated json index definition. */
export interface CouchIndex {
  /** Design document name without `_design/` (CouchDB generates one when the file names none). */
  ddoc: string;
  name: string;
  fields: IndexField[];
  /** The file it came from (for messages). */
  file: string;
}

/** Indexes of one chaincode: for its world state and for each of its collections. */
export interface ChaincodeIndexes {
  state: CouchIndex[];
  collections: Map<string, CouchIndex[]>;
}

const FIX = 'write {"index": {"fields": ["docType", "owner"]}, "ddoc": "indexOwnerDoc", "name": "indexOwner", "type": "json"}';

/** Read the index files under a chaincode folder (a file path means its folder). Throws ConfigError. */
export function readChaincodeIndexes(chaincodePath: string): ChaincodeIndexes {
  const dir = statSync(chaincodePath).isDirectory() ? chaincodePath : dirname(chaincodePath);
  const root = join(dir, 'META-INF', 'statedb', 'couchdb');
  const out: ChaincodeIndexes = { state: readFolder(join(root, 'indexes')), collections: new Map() };
  const colls = join(root, 'collections');
  if (existsSync(colls)) {
    for (const name of readdirSync(colls).sort()) out.collections.set(name, readFolder(join(colls, name, 'indexes')));
  }
  return out;
}

function readFolder(folder: string): CouchIndex[] {
  if (!existsSync(folder)) return [];
  return readdirSync(folder)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => parseIndexFile(join(folder, f), readFileSync(join(folder, f), 'utf8')));
}

/** Validate one index definition, with the rules Fabric applies to index files in a package. */
export function parseIndexFile(file: string, text: string): CouchIndex {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(file, '(file)', `is not valid JSON: ${(err as Error).message}`, FIX);
  }
  if (!isObject(doc)) throw new ConfigError(file, '(file)', 'must be a JSON object', FIX);
  for (const k of Object.keys(doc)) {
    if (!['index', 'ddoc', 'name', 'type'].includes(k)) throw new ConfigError(file, k, 'is not a field of a CouchDB index definition', 'keep only index, ddoc, name and type');
  }
  if (doc.type !== undefined && doc.type !== 'json') {
    throw new ConfigError(file, 'type', `is ${JSON.stringify(doc.type)}; Fabric's state database takes json indexes only`, 'write "type": "json"');
  }
  for (const k of ['ddoc', 'name'] as const) {
    if (doc[k] !== undefined && (typeof doc[k] !== 'string' || doc[k] === '')) throw new ConfigError(file, k, 'must be a non-empty string', FIX);
  }
  const index = doc.index;
  if (!isObject(index) || !Array.isArray(index.fields) || index.fields.length === 0) {
    throw new ConfigError(file, 'index.fields', 'must be a non-empty list of field names', FIX);
  }
  const fields = index.fields.map((f, i): IndexField => {
    if (typeof f === 'string' && f !== '') return { field: f, dir: 'asc' };
    if (isObject(f)) {
      const entries = Object.entries(f);
      if (entries.length === 1 && (entries[0][1] === 'asc' || entries[0][1] === 'desc')) return { field: entries[0][0], dir: entries[0][1] };
    }
    throw new ConfigError(file, `index.fields[${i}]`, `${JSON.stringify(f)} is neither a field name nor {"field": "asc" | "desc"}`, FIX);
  });
  const name = (doc.name as string | undefined) ?? fields.map((f) => f.field).join('-');
  const ddoc = ((doc.ddoc as string | undefined) ?? `${name}Doc`).replace(/^_design\//, '');
  return { ddoc, name, fields, file };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
