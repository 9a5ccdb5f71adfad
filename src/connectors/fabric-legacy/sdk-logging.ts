/**
 * fabric-common logs every failed proposal, broadcast and endorsement comparison at error level on
 * the console. A benchmark counts those failures with their reasons and keeps sample messages, so in a
 * worker the lines are noise that can run to thousands under overload. Imported before fabric-network:
 * fabric-common reads `HFC_LOGGING` when it is first loaded. A user who wants the SDK's own lines sets
 * HFC_LOGGING, e.g. `{"error":"console"}`, and it is left alone.
 */
process.env.HFC_LOGGING ??= '{"fatal":"console"}';
