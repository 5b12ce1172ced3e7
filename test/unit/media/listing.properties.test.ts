/** Paging over merged groups: nothing missing, nothing twice, newest first, bounded rounds. */
import fc from 'fast-check';
import { mergePage, type Positions, type Source } from '../../../functions/media/listing';

interface Item {
  sortKey: string;
  visible: boolean;
}

function sourceOver(id: string, data: Item[], calls: { n: number }): Source<Item> {
  return {
    id,
    fetch: async (before, limit) => {
      calls.n++;
      const below = data.filter((i) => before === undefined || i.sortKey < before).sort((a, b) => (a.sortKey < b.sortKey ? 1 : -1));
      return { items: below.slice(0, limit), more: below.length > limit };
    },
  };
}

const groupsArb = fc
  .array(fc.uniqueArray(fc.record({ n: fc.integer({ min: 0, max: 9999 }), visible: fc.boolean() }), { selector: (r) => r.n, maxLength: 40 }), {
    minLength: 1,
    maxLength: 4,
  })
  .map((groups) =>
    groups.map((g, gi) => g.map((r) => ({ sortKey: `${String(r.n).padStart(4, '0')}#g${gi}`, visible: r.visible }))),
  );

async function pageAll(groups: Item[][], limit: number, calls = { n: 0 }) {
  const sources = groups.map((g, i) => sourceOver(`g${i}`, g, calls));
  const seen: Item[] = [];
  let positions: Positions = {};
  let pages = 0;
  for (;;) {
    const page = await mergePage(sources, positions, limit, async (c) => c.filter((i) => i.visible));
    expect(page.items.length).toBeLessThanOrEqual(limit);
    seen.push(...page.items);
    positions = page.positions;
    pages++;
    if (page.done || pages > 500) break;
  }
  return { seen, pages };
}

test('paging through every group returns exactly the visible items, newest first, once each', async () => {
  await fc.assert(
    fc.asyncProperty(groupsArb, fc.integer({ min: 1, max: 12 }), async (groups, limit) => {
      const { seen } = await pageAll(groups, limit);
      const expected = groups
        .flat()
        .filter((i) => i.visible)
        .map((i) => i.sortKey)
        .sort()
        .reverse();
      expect(seen.map((i) => i.sortKey)).toEqual(expected);
    }),
    { numRuns: 200 },
  );
});

test('items that arrive between pages above the cursor do not disturb the rest', async () => {
  await fc.assert(
    fc.asyncProperty(groupsArb, fc.integer({ min: 1, max: 8 }), async (groups, limit) => {
      const sources = groups.map((g, i) => sourceOver(`g${i}`, g, { n: 0 }));
      const original = groups.flat().filter((i) => i.visible).map((i) => i.sortKey).sort().reverse();
      const first = await mergePage(sources, {}, limit, async (c) => c.filter((i) => i.visible));
      groups[0]!.push({ sortKey: '9999#new', visible: true });
      const seen = first.items.map((i) => i.sortKey);
      let positions = first.positions;
      let done = first.done;
      while (!done) {
        const page = await mergePage(sources, positions, limit, async (c) => c.filter((i) => i.visible));
        seen.push(...page.items.map((i) => i.sortKey));
        positions = page.positions;
        done = page.done;
      }
      expect(seen).toEqual(original);
    }),
    { numRuns: 100 },
  );
});

test('a page costs at most one fetch per group per round, three rounds at most', async () => {
  const groups = [Array.from({ length: 300 }, (_, i) => ({ sortKey: `${String(i).padStart(4, '0')}#a`, visible: i % 50 === 0 }))];
  const calls = { n: 0 };
  const page = await mergePage([sourceOver('a', groups[0]!, calls)], {}, 20, async (c) => c.filter((i) => i.visible));
  expect(calls.n).toBeLessThanOrEqual(3);
  expect(page.done).toBe(false);
});
