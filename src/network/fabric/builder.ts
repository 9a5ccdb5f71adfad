/**
 * The external builder ledgerbench ships for chaincode-as-a-service (Fabric's detect/build/release
 * contract, see Fabric's "External Builders and Launchers" docs). A package it accepts carries
 * `metadata.json` with type `ledgerbench-ccaas`. The peer never builds or runs code: `build` picks the
 * connection file ledgerbench wrote for this peer and this package label (the peer passes the folder
 * in LEDGERBENCH_CCAAS_DIR), and `release` hands it to the peer, which then dials the chaincode
 * service ledgerbench started. Every peer installs the same package (one package id for the channel's
 * definition) and still reaches its own chaincode process.
 *
 * It also accepts Fabric's own `ccaas` packages (what fabric-samples' test-network peers build with
 * Fabric's ccaas builder, and what ledgerbench installs on networks someone else started,
 * src/network/existing): their code archive carries connection.json itself, which build copies.
 *
 * The scripts are written to the network's state folder at bring-up, so they are executable wherever
 * ledgerbench is installed from.
 */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CCAAS_DIR_ENV } from './node-config.ts';

/** The metadata.json `type` this builder claims. */
export const CCAAS_TYPE = 'ledgerbench-ccaas';
/** The metadata.json `type` of Fabric's own chaincode-as-a-service packages, accepted too. */
export const STANDARD_CCAAS_TYPE = 'ccaas';

// Arguments: CHAINCODE_SOURCE_DIR CHAINCODE_METADATA_DIR
const DETECT = `#!/bin/sh
# Claims ledgerbench's chaincode-as-a-service packages and Fabric's standard ccaas ones.
grep -Eq '"type" *: *"(${CCAAS_TYPE}|${STANDARD_CCAAS_TYPE})"' "$2/metadata.json" 2>/dev/null
`;

// Arguments: CHAINCODE_SOURCE_DIR CHAINCODE_METADATA_DIR BUILD_OUTPUT_DIR
const BUILD = `#!/bin/sh
set -eu
if grep -Eq '"type" *: *"${STANDARD_CCAAS_TYPE}"' "$2/metadata.json"; then
  # Fabric's standard ccaas package: the address is in the package's own connection.json.
  if [ ! -f "$1/connection.json" ]; then echo "ccaas package without connection.json" >&2; exit 1; fi
  cp "$1/connection.json" "$3/connection.json"
  cp "$2/metadata.json" "$3/metadata.json"
  exit 0
fi
label=$(sed -n 's/.*"label":"\\([^"]*\\)".*/\\1/p' "$2/metadata.json")
conn="\${${CCAAS_DIR_ENV}:-}/$label.json"
if [ -z "\${${CCAAS_DIR_ENV}:-}" ] || [ ! -f "$conn" ]; then
  echo "ledgerbench-ccaas: no connection file for package label '$label' (looked for $conn; ${CCAAS_DIR_ENV} must be set in the peer's environment)" >&2
  exit 1
fi
cp "$conn" "$3/connection.json"
cp "$2/metadata.json" "$3/metadata.json"
`;

// Arguments: BUILD_OUTPUT_DIR RELEASE_OUTPUT_DIR
const RELEASE = `#!/bin/sh
set -eu
mkdir -p "$2/chaincode/server"
cp "$1/connection.json" "$2/chaincode/server/connection.json"
`;

/** Writes the builder (bin/detect, bin/build, bin/release) under `dir` and returns `dir`. */
export function installBuilder(dir: string): string {
  const bin = join(dir, 'bin');
  mkdirSync(bin, { recursive: true, mode: 0o700 });
  for (const [name, text] of [['detect', DETECT], ['build', BUILD], ['release', RELEASE]] as const) {
    const path = join(bin, name);
    writeFileSync(path, text, { mode: 0o755 });
    chmodSync(path, 0o755);
  }
  return dir;
}
