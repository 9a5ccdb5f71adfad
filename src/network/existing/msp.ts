/**
 * A temporary MSP folder for the peer CLI, built from an organization's admin identity in the
 * profile. The peer CLI validates its signing certificate against the MSP's CA certificates at start,
 * so those come from the MSP folder the admin's files sit in (cryptogen's and fabric-ca's layout:
 * `<msp>/keystore/<key>`, `<msp>/signcerts/<cert>`, `<msp>/cacerts/`, and `config.yaml` for NodeOUs).
 * The key is written 0600 into a folder only its owner can read; the caller removes the folder.
 */
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { ConfigError } from '../../config/errors.ts';
import type { PlannedAdmin } from './plan.ts';

/** Writes `<dir>` as an MSP folder for `admin` and returns it. */
export function writeAdminMsp(file: string, admin: PlannedAdmin, dir: string): string {
  const mspDir = findMspDir(admin);
  if (!mspDir) {
    throw new ConfigError(
      file,
      admin.field,
      `the admin's key and certificate are not in an MSP folder with cacerts/ (looked beside ${admin.keyFile} and ${admin.certFile}); the peer CLI checks the admin's certificate against its CA`,
      "point adminPrivateKey and signedCert at the files in the admin's MSP folder (…/users/Admin@<domain>/msp/keystore/… and …/msp/signcerts/…)",
    );
  }
  mkdirSync(join(dir, 'keystore'), { recursive: true, mode: 0o700 });
  mkdirSync(join(dir, 'signcerts'), { mode: 0o700 });
  copyFileSync(oneFile(admin.keyFile), join(dir, 'keystore', 'priv_sk'));
  // copyFileSync keeps the source's mode; the copy of a key is its owner's alone whatever that was.
  chmodSync(join(dir, 'keystore', 'priv_sk'), 0o600);
  copyFileSync(oneFile(admin.certFile), join(dir, 'signcerts', 'cert.pem'));
  for (const sub of ['cacerts', 'intermediatecerts', 'tlscacerts', 'tlsintermediatecerts']) {
    if (existsSync(join(mspDir, sub))) cpSync(join(mspDir, sub), join(dir, sub), { recursive: true });
  }
  if (existsSync(join(mspDir, 'config.yaml'))) copyFileSync(join(mspDir, 'config.yaml'), join(dir, 'config.yaml'));
  return dir;
}

/** The MSP folder holding the admin's key (`keystore/`) or certificate (`signcerts/`), with CA certificates. */
function findMspDir(admin: PlannedAdmin): string | undefined {
  for (const [f, sub] of [[admin.keyFile, 'keystore'], [admin.certFile, 'signcerts']] as const) {
    // A path may name the file or, as MSP keystores are often given, the folder with the one key.
    const folder = basename(f) === sub ? f : dirname(f);
    if (basename(folder) !== sub) continue;
    const msp = dirname(folder);
    const cacerts = join(msp, 'cacerts');
    if (existsSync(cacerts) && readdirSync(cacerts).length > 0) return msp;
  }
  return undefined;
}

/** A file, or the single file of a folder (MSP keystores name the key after its hash). */
function oneFile(path: string): string {
  if (!statSync(path).isDirectory()) return path;
  const files = readdirSync(path).filter((f) => statSync(join(path, f)).isFile());
  return files.length === 1 ? join(path, files[0]) : path;
}
