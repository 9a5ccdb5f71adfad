/**
 * Which file of a chaincode to load, decided the way a Fabric peer starts Node chaincode: the peer
 * runs `npm start` in the chaincode's folder, so package.json's `start` script decides.
 * `fabric-chaincode-node start` (or `server`, chaincode as a service) loads the contracts of `main`;
 * `node <file>` runs a file that calls shim.start(new Chaincode()) itself. Without a start script,
 * `main` (or index.js) is loaded, and failing that npm's own default, `node server.js`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { ChaincodeLoadError } from './chaincode-error.ts';

/** What a chaincode's package.json says about it. */
export interface ChaincodePackage {
  name?: string;
  version?: string;
  main?: string;
  scripts?: { start?: string };
}

/** The file to load and how it was chosen. */
export interface ChaincodeEntry {
  /** The chaincode's folder (the file's folder when the path is a file). */
  dir: string;
  /** The module to load. */
  file: string;
  /** How it was found, for messages: e.g. `package.json scripts.start "node account.js"`. */
  via: string;
  /** `contracts`: fabric-chaincode-node loads its exports; `program`: it calls shim.start itself. */
  kind: 'contracts' | 'program' | 'module';
  pkg: ChaincodePackage;
}

/** Options of `node` that take the next word as their value. */
const NODE_VALUE_OPTIONS = new Set(['-r', '--require', '--import', '--loader', '--experimental-loader', '--env-file', '--title']);

/** Decide what to load for a chaincode path (a folder, or a module file). */
export function chaincodeEntry(path: string): ChaincodeEntry {
  if (!statSync(path).isDirectory()) return { dir: dirname(path), file: path, via: 'the chaincode path', kind: 'module', pkg: {} };
  const pkgFile = join(path, 'package.json');
  const pkg = existsSync(pkgFile) ? readPackage(pkgFile) : {};
  const start = pkg.scripts?.start;
  if (start !== undefined) return fromStartScript(path, pkgFile, pkg, start);
  const main = mainModule(path, pkg);
  if (main) return { dir: path, file: main, via: pkg.main ? `package.json main "${pkg.main}"` : 'index.js', kind: 'module', pkg };
  if (existsSync(join(path, 'server.js'))) return { dir: path, file: join(path, 'server.js'), via: "npm start's default, node server.js", kind: 'program', pkg };
  throw new ChaincodeLoadError(
    `${path} has no package.json scripts.start, no main and no index.js`,
    `give ${pkgFile} "scripts": { "start": "fabric-chaincode-node start" } with "main" naming the file that exports the contracts, or "start": "node <file>" for a file that calls shim.start(new Chaincode())`,
  );
}

function readPackage(file: string): ChaincodePackage {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as ChaincodePackage;
  } catch (err) {
    throw new ChaincodeLoadError(`${file} is not valid JSON: ${(err as Error).message}`, 'fix the JSON syntax of package.json');
  }
}

/** The file Node loads for the folder (package.json main, else index.js), or undefined. */
function mainModule(dir: string, pkg: ChaincodePackage): string | undefined {
  try {
    return createRequire(join(dir, 'package.json')).resolve(pkg.main ? resolve(dir, pkg.main) : dir);
  } catch {
    return undefined;
  }
}

function fromStartScript(dir: string, pkgFile: string, pkg: ChaincodePackage, start: string): ChaincodeEntry {
  const via = `package.json scripts.start "${start}"`;
  for (const command of start.split(/&&|\|\||;|\|/)) {
    const words = command.trim().split(/\s+/).filter((w) => w !== '');
    while (words.length > 0 && (/^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]) || words[0] === 'npx' || words[0] === 'exec')) words.shift();
    const program = words[0]?.split('/').pop();
    if (program === 'fabric-chaincode-node') {
      const main = mainModule(dir, pkg);
      if (!main) {
        throw new ChaincodeLoadError(
          `${pkgFile}: scripts.start "${start}" loads the contracts of "main", but ${pkg.main ? `main "${pkg.main}" does not exist` : 'there is no main and no index.js'}`,
          `set "main" in ${pkgFile} to the file that exports the contracts (module.exports.contracts = [...])`,
        );
      }
      return { dir, file: main, via, kind: 'contracts', pkg };
    }
    if (program === 'node' || program === 'nodejs') {
      const script = scriptOfNode(words.slice(1));
      if (!script) continue;
      let file: string;
      try {
        file = createRequire(pkgFile).resolve(resolve(dir, script));
      } catch {
        throw new ChaincodeLoadError(`${pkgFile}: scripts.start "${start}" runs ${script}, which does not exist in ${dir}`, `make scripts.start run the chaincode's file, e.g. "node ${pkg.main ?? 'index.js'}"`);
      }
      return { dir, file, via, kind: 'program', pkg };
    }
  }
  throw new ChaincodeLoadError(
    `${pkgFile}: scripts.start "${start}" starts neither fabric-chaincode-node nor node <file>, so it cannot be loaded as a Fabric peer would start it`,
    'make scripts.start "fabric-chaincode-node start" (contracts exported by "main") or "node <file>" (a file that calls shim.start(new Chaincode()))',
  );
}

/** The script argument of a node command line (after its options), or undefined (e.g. `node -e`). */
function scriptOfNode(args: string[]): string | undefined {
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '-e' || a === '--eval' || a === '-p' || a === '--print') return undefined;
    if (NODE_VALUE_OPTIONS.has(a)) i++;
    else if (!a.startsWith('-')) return a.replace(/^["']|["']$/g, '');
  }
  return undefined;
}
