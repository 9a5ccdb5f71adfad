/**
 * Signatures per second of the two signers the fabric-gateway connector offers, measured the way
 * fabric-gateway drives them: hash the message with the paired hash, then sign. Called by the lead's
 * `npm run bench`; every transaction signs three times (proposal, envelope, commit-status request), so
 * a signer's rate divided by three bounds one worker's transactions per second on one core.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { Bench } from 'tinybench';
import { newSigner, SIGNER_KINDS } from '../src/connectors/fabric-gateway/signer.ts';

/** A typical proposal is a few hundred bytes to a few KiB; 1 KiB stands in for it. */
const MESSAGE_BYTES = 1024;

/**
 * Runs both signers with tinybench on a fresh P-256 key.
 *
 * @param timeMs How long to sample each signer (tinybench `time`).
 * @returns Mean signatures per second by signer kind, e.g. `{ 'node-crypto': 30000, 'sdk-default': 2000 }`.
 */
export async function benchSigner(timeMs = 500): Promise<Record<string, number>> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const message = randomBytes(MESSAGE_BYTES);
  const bench = new Bench({ name: 'fabric-gateway signer', time: timeMs, warmup: true });
  for (const kind of SIGNER_KINDS) {
    const { signer, hash } = newSigner(kind, privateKey);
    bench.add(kind, async () => {
      await signer(hash(message));
    });
  }
  await bench.run();
  const out: Record<string, number> = {};
  for (const task of bench.tasks) {
    const result = task.result;
    if (result.state !== 'completed') throw new Error(`signer benchmark ${task.name} did not complete: ${result.state}`);
    out[task.name] = Math.round(result.throughput.mean);
  }
  return out;
}
