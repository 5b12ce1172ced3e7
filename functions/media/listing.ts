/**
 * Newest-first pages over several groups' media, merged, filtered by the consent rules, with an
 * opaque cursor holding each group's position. Pure apart from the injected fetch and filter, so
 * the paging is tested on its own: nothing missing, nothing twice, order stable.
 */

export interface Sortable {
  /** Descending order key, unique per item (`<recordedAt>#<mediaId>`). */
  sortKey: string;
}

export interface Source<T extends Sortable> {
  id: string;
  /** Up to `limit` items with sortKey strictly below `before` (all when undefined), newest first. */
  fetch: (before: string | undefined, limit: number) => Promise<{ items: T[]; more: boolean }>;
}

/** Per source: the last consumed sort key, `null` when exhausted, absent when not started. */
export type Positions = Record<string, string | null>;

export interface MergedPage<T> {
  items: T[];
  positions: Positions;
  /** True when every source is exhausted: no next page. */
  done: boolean;
}

/**
 * One page: repeatedly take the newest head among the sources, but only while every source that
 * may hold newer items has its next items in hand (otherwise one of them could be skipped).
 * Candidates go through `accept` (the visibility rule) in batches; at most `maxRounds` rounds of
 * fetching per page bound the cost, and a short page still carries a cursor.
 */
export async function mergePage<T extends Sortable>(
  sources: readonly Source<T>[],
  start: Positions,
  limit: number,
  accept: (candidates: T[]) => Promise<T[]>,
  maxRounds = 3,
): Promise<MergedPage<T>> {
  const positions: Positions = { ...start };
  const buffers = new Map<string, { items: T[]; more: boolean }>();
  for (const s of sources) buffers.set(s.id, { items: [], more: positions[s.id] !== null });
  const items: T[] = [];

  let last: string | undefined;
  for (let round = 0; round < maxRounds && items.length < limit; round++) {
    await Promise.all(
      sources.map(async (s) => {
        const buffer = buffers.get(s.id)!;
        if (buffer.items.length > 0 || !buffer.more) return;
        const got = await s.fetch(positions[s.id] ?? undefined, limit);
        buffer.items = got.items;
        buffer.more = got.more;
      }),
    );
    const candidates: T[] = [];
    while (candidates.length < limit - items.length) {
      // A source with nothing in hand that may have more could hold the next newest item.
      if (sources.some((s) => buffers.get(s.id)!.items.length === 0 && buffers.get(s.id)!.more)) break;
      let best: Source<T> | undefined;
      for (const s of sources) {
        const head = buffers.get(s.id)!.items[0];
        if (head && (!best || head.sortKey > buffers.get(best.id)!.items[0]!.sortKey)) best = s;
      }
      if (!best) break;
      const next = buffers.get(best.id)!.items.shift()!;
      positions[best.id] = next.sortKey;
      last = next.sortKey;
      candidates.push(next);
    }
    for (const s of sources) {
      const b = buffers.get(s.id)!;
      if (b.items.length === 0 && !b.more) positions[s.id] = null;
    }
    if (candidates.length > 0) items.push(...(await accept(candidates)));
    if (sources.every((s) => positions[s.id] === null)) break;
  }
  // Everything newer than the last consumed key has been consumed from every source, so each
  // source still open continues below it; this also pins sources that gave nothing to this page,
  // so items that arrive later never slip into an older page.
  if (last !== undefined) for (const s of sources) if (positions[s.id] !== null) positions[s.id] = last;
  return { items, positions, done: sources.every((s) => positions[s.id] === null) };
}
