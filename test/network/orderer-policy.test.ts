/** Block cutting rules and endorsement policy evaluation, in-process. */
import { describe, expect, test } from 'vitest';
import { parseSignaturePolicy } from '../../src/config/network-file.ts';
import { BlockCutter, type CutReason } from '../../src/network/embedded/orderer.ts';
import { chooseEndorsingOrgs, satisfies } from '../../src/network/embedded/policy.ts';

function cutter(cfg: Partial<ConstructorParameters<typeof BlockCutter>[0]> = {}) {
  const blocks: Array<{ batch: string[]; reason: CutReason }> = [];
  const c = new BlockCutter<string>(
    { maxMessageCount: 3, absoluteMaxBytes: 1000, preferredMaxBytes: 100, batchTimeoutMs: 50, ...cfg },
    (batch, reason) => blocks.push({ batch, reason }),
  );
  return { c, blocks };
}

describe('block cutter', () => {
  test('cuts at MaxMessageCount', () => {
    const { c, blocks } = cutter();
    for (const m of ['a', 'b', 'c', 'd']) c.ordered(m, 10);
    expect(blocks).toEqual([{ batch: ['a', 'b', 'c'], reason: 'count' }]);
    expect(c.pending).toBe(1);
    c.close();
  });

  test('cuts before PreferredMaxBytes would be exceeded, and puts an oversized message alone', () => {
    const { c, blocks } = cutter({ maxMessageCount: 100 });
    c.ordered('a', 60);
    c.ordered('b', 60); // 120 > 100: 'a' is cut first
    c.ordered('big', 500); // above preferred: pending 'b' cut, then 'big' alone
    expect(blocks).toEqual([
      { batch: ['a'], reason: 'bytes' },
      { batch: ['b'], reason: 'bytes' },
      { batch: ['big'], reason: 'oversized' },
    ]);
    expect(() => c.ordered('huge', 1001)).toThrow(/AbsoluteMaxBytes of 1000/);
    c.close();
  });

  test('BatchTimeout after the first pending message cuts what is there', async () => {
    const { c, blocks } = cutter({ batchTimeoutMs: 40 });
    c.ordered('a', 1);
    await new Promise((r) => setTimeout(r, 20));
    c.ordered('b', 1);
    expect(blocks).toEqual([]);
    await new Promise((r) => setTimeout(r, 60));
    expect(blocks).toEqual([{ batch: ['a', 'b'], reason: 'timeout' }]);
    c.close();
  });
});

describe('signature policies', () => {
  const peer = (mspId: string) => ({ mspId, role: 'peer' });
  test('AND, OR, OutOf and roles', () => {
    const and = parseSignaturePolicy("AND('A.peer','B.peer')");
    expect(satisfies(and, [peer('A'), peer('B')])).toBe(true);
    expect(satisfies(and, [peer('A')])).toBe(false);
    expect(satisfies(parseSignaturePolicy("OR('A.peer','B.peer')"), [peer('B')])).toBe(true);
    expect(satisfies(parseSignaturePolicy("OR('A.admin')"), [peer('A')])).toBe(false);
    expect(satisfies(parseSignaturePolicy("OR('A.member')"), [{ mspId: 'A', role: 'client' }])).toBe(true);
    // One signature counts once: two principals of A need two A signers.
    const twoA = parseSignaturePolicy("AND('A.member','A.peer')");
    expect(satisfies(twoA, [peer('A')])).toBe(false);
    expect(satisfies(twoA, [peer('A'), peer('A')])).toBe(true);
    expect(satisfies(parseSignaturePolicy("OutOf(2,'A.peer','B.peer','C.peer')"), [peer('C'), peer('A')])).toBe(true);
  });

  test('the gateway picks the fewest organizations, its own first', () => {
    const orgs = ['A', 'B', 'C'];
    expect(chooseEndorsingOrgs(parseSignaturePolicy("OR('A.peer','B.peer')"), orgs, 'B')).toEqual(['B']);
    expect(chooseEndorsingOrgs(parseSignaturePolicy("OR('A.peer','B.peer')"), orgs, 'C')).toEqual(['A']);
    expect(chooseEndorsingOrgs(parseSignaturePolicy("AND('A.peer','C.peer')"), orgs, 'B')).toEqual(['A', 'C']);
    expect(chooseEndorsingOrgs(parseSignaturePolicy("AND('A.peer','D.peer')"), orgs, 'A')).toBeUndefined();
  });
});
