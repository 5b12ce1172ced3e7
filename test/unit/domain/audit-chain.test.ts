/**
 * The audit hash chain: a chain built link by link verifies; every kind of tampering with a stored
 * link (edit, removal, reordering, truncation, a rehashed edit) is reported at the first link it breaks.
 */
import fc from 'fast-check';
import {
  GENESIS_HASH,
  canonicalJson,
  chainMonth,
  linkHash,
  nextLink,
  verifyChain,
  type LinkBody,
} from '../../../functions/domain/audit-chain';

const MONTH = '2026-11';

/** A stored link as nextLink builds it: typed, so that a tampered copy is still a link body. */
type Link = ReturnType<typeof nextLink<Record<string, unknown>>>;

function build(contents: Record<string, unknown>[]): Link[] {
  const links: Link[] = [];
  for (const content of contents) links.push(nextLink(MONTH, links.at(-1), content));
  return links;
}

const headOf = (links: Link[]) => {
  const last = links.at(-1);
  return last ? { seq: last.seq, hash: last.hash } : undefined;
};

const entry = (i: number) => ({
  entryId: `e${i}`,
  at: `2026-11-0${(i % 9) + 1}T10:00:00.000Z`,
  action: 'consent.decided',
  actor: { userId: `u${i}`, role: 'guardian' },
  childIds: [`c${i}`],
  details: { purpose: 'publication', decision: 'granted' },
  requestId: `r${i}`,
});

describe('canonical form', () => {
  test('key order does not change the canonical JSON, nested or not', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { y: 2, x: 1 }], c: 'x' } })).toBe(canonicalJson({ a: { c: 'x', d: [1, { x: 1, y: 2 }] }, b: 1 }));
  });
  test('undefined fields are left out, array order matters', () => {
    expect(canonicalJson({ a: 1, b: undefined })).toBe('{"a":1}');
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });
  test('the hash covers every stored field', () => {
    const body: LinkBody = { month: MONTH, seq: 1, prevHash: GENESIS_HASH, action: 'x' };
    expect(linkHash({ ...body, extra: 'added' })).not.toBe(linkHash(body));
    expect(linkHash({ ...body, action: 'y' })).not.toBe(linkHash(body));
  });
  test('the month of an instant is its UTC year and month', () => {
    expect(chainMonth('2026-11-30T23:30:00.000Z')).toBe('2026-11');
  });
});

describe('an intact chain', () => {
  test('verifies, with every link counted', () => {
    const links = build([0, 1, 2, 3].map(entry));
    expect(verifyChain(MONTH, links, headOf(links))).toEqual({ month: MONTH, checked: 4, ok: true });
  });
  test('an empty month with no head verifies', () => {
    expect(verifyChain(MONTH, [], undefined)).toEqual({ month: MONTH, checked: 0, ok: true });
  });
  test('the first link starts from the genesis hash and each names the hash before it', () => {
    const links = build([0, 1].map(entry));
    expect(links[0]).toMatchObject({ seq: 1, prevHash: GENESIS_HASH });
    expect(links[1]).toMatchObject({ seq: 2, prevHash: links[0]!.hash });
  });
});

describe('tampering is found at the first broken link', () => {
  const links = () => build([0, 1, 2, 3, 4].map(entry));

  test('an edited field: hash_mismatch at that link', () => {
    const l = links();
    l[2] = { ...l[2]!, childIds: ['someone-else'] };
    expect(verifyChain(MONTH, l, headOf(links())).firstBreak).toEqual({ month: MONTH, seq: 3, entryId: 'e2', problem: 'hash_mismatch' });
  });
  test('an edit with its own hash recomputed: the next link no longer names it', () => {
    const l = links();
    const { hash: _hash, ...body }: Link = { ...l[1]!, action: 'media.deleted' };
    l[1] = { ...body, hash: linkHash(body) };
    expect(verifyChain(MONTH, l, headOf(links())).firstBreak).toMatchObject({ seq: 3, problem: 'prev_hash_mismatch' });
  });
  test('a removed link: seq_gap where it was', () => {
    const l = links();
    l.splice(1, 1);
    expect(verifyChain(MONTH, l, headOf(links())).firstBreak).toMatchObject({ seq: 3, problem: 'seq_gap' });
  });
  test('links removed from the end: the head no longer matches', () => {
    const l = links().slice(0, 3);
    expect(verifyChain(MONTH, l, headOf(links())).firstBreak).toEqual({ month: MONTH, seq: 5, problem: 'head_mismatch' });
  });
  test('a link moved from another month: wrong_month', () => {
    const l = links();
    l[0] = nextLink('2026-10', undefined, entry(0));
    expect(verifyChain(MONTH, l, headOf(links())).firstBreak).toMatchObject({ seq: 1, problem: 'wrong_month' });
  });
});

describe('property: any single tampering with a random chain is reported, and never earlier than where it happened', () => {
  const contentArb = fc.record({
    entryId: fc.uuid(),
    at: fc.integer({ min: Date.UTC(2026, 10, 1), max: Date.UTC(2026, 10, 30) }).map((ms) => new Date(ms).toISOString()),
    action: fc.constantFrom('consent.decided', 'media.url_issued', 'media.deleted', 'child.exported'),
    actor: fc.record({ userId: fc.string({ minLength: 1, maxLength: 8 }), role: fc.constantFrom('guardian', 'staff', 'admin', 'system') }),
    childIds: fc.array(fc.string({ minLength: 1, maxLength: 6 }), { maxLength: 4 }),
    requestId: fc.uuid(),
  });
  type Tamper = { kind: 'edit' | 'rehash' | 'remove' | 'swap' | 'truncate'; at: number };
  const tamperArb = fc.record({ kind: fc.constantFrom<Tamper['kind']>('edit', 'rehash', 'remove', 'swap', 'truncate'), at: fc.nat() });

  test('for edit, rehashed edit, removal, swap and truncation', () => {
    fc.assert(
      fc.property(fc.array(contentArb, { minLength: 2, maxLength: 12 }), tamperArb, (contents, tamper) => {
        const original = build(contents);
        const head = headOf(original);
        const l = original.map((x) => ({ ...x }));
        const i = tamper.at % (l.length - 1);
        switch (tamper.kind) {
          case 'edit':
            l[i] = { ...l[i]!, action: `${String(l[i]!.action)}!` };
            break;
          case 'rehash': {
            const { hash: _h, ...body }: Link = { ...l[i]!, requestId: 'forged' };
            l[i] = { ...body, hash: linkHash(body) };
            break;
          }
          case 'remove':
            l.splice(i, 1);
            break;
          case 'swap':
            [l[i], l[i + 1]] = [l[i + 1]!, l[i]!];
            break;
          case 'truncate':
            l.splice(i + 1);
            break;
        }
        const report = verifyChain(MONTH, l, head);
        expect(report.ok).toBe(false);
        // Links before the tampered one still verify.
        expect(report.checked).toBeGreaterThanOrEqual(Math.min(i, l.length));
        expect(report.firstBreak!.seq).toBeGreaterThanOrEqual(i + 1);
      }),
      { numRuns: 300 },
    );
  });
});
