/**
 * Links pending audit entries into their month's hash chain. Runs on the table's stream in AWS
 * (every new pending entry), after every request locally, and in the daily sweep as a backstop;
 * any number of chainers may run at once: each append is conditional on the month's head, so
 * a chainer that lost a race reads again and links only what is still pending.
 */
import { chainMonth, nextLink } from '../domain/audit-chain';
import type { AuditEntry, AuditLink } from '../shared/audit';
import { logger } from '../shared/logger';
import { MAX_TRANSACTION_ACTIONS, linkActions, type ChainHead } from '../shared/repositories/audit';
import type { Runtime } from '../shared/runtime';

export interface ChainResult {
  linked: number;
  /** Entries another chainer linked first. */
  linkedElsewhere: number;
}

export interface ChainOptions {
  /** Conflicts tolerated per month before giving up (what is left stays pending for the next run). */
  maxConflicts?: number;
  sleep?: (ms: number) => Promise<void>;
}

const byLedgerOrder = (a: AuditEntry, b: AuditEntry): number =>
  a.at < b.at ? -1 : a.at > b.at ? 1 : a.entryId < b.entryId ? -1 : a.entryId > b.entryId ? 1 : 0;

/** The next links on top of `head`: as many of `queue` as fit in one transaction with the head update. */
function nextBatch(rt: Pick<Runtime, 'now'>, month: string, head: ChainHead | undefined, queue: readonly AuditEntry[]): AuditLink[] {
  const links: AuditLink[] = [];
  let actions = 1;
  let previous = head;
  for (const entry of queue) {
    actions += linkActions(entry);
    if (actions > MAX_TRANSACTION_ACTIONS) break;
    const link = nextLink(month, previous, { ...entry, chainedAt: rt.now().toISOString() }) as AuditLink;
    links.push(link);
    previous = { seq: link.seq, hash: link.hash };
  }
  return links;
}

/**
 * Links every pending entry, oldest first. Steps: gather the entries (`hints`, e.g. from stream
 * records, which the index may not show yet, and the pending index); per month, read the head,
 * build as many links as fit in one transaction and append them; on a conflict, drop what was
 * linked elsewhere, wait a little and go on from the new head.
 */
export async function chainPending(
  rt: Pick<Runtime, 'audit' | 'now'>,
  hints: readonly AuditEntry[] = [],
  options: ChainOptions = {},
): Promise<ChainResult> {
  const sleep = options.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const maxConflicts = options.maxConflicts ?? 20;
  const candidates = new Map(hints.map((e) => [e.entryId, e]));
  for await (const entry of rt.audit.pending()) candidates.set(entry.entryId, entry);
  const months = new Map<string, AuditEntry[]>();
  for (const entry of [...candidates.values()].sort(byLedgerOrder)) {
    const month = chainMonth(entry.at);
    const list = months.get(month) ?? [];
    list.push(entry);
    months.set(month, list);
  }

  const result: ChainResult = { linked: 0, linkedElsewhere: 0 };
  const heads: { month: string; seq: number; hash: string }[] = [];
  for (const [month, entries] of months) {
    let queue = entries;
    let conflicts = 0;
    while (queue.length > 0) {
      const head = await rt.audit.head(month);
      const links = nextBatch(rt, month, head, queue);
      if (links.length === 0) throw new Error(`audit entry ${queue[0]?.entryId} needs more than one transaction to link`);
      if ((await rt.audit.append(month, head, links)) === 'appended') {
        queue = queue.slice(links.length);
        result.linked += links.length;
        const last = links.at(-1)!;
        heads.push({ month, seq: last.seq, hash: last.hash });
        continue;
      }
      if (++conflicts > maxConflicts) {
        throw new Error(`audit chain ${month}: gave up after ${maxConflicts} conflicts, ${queue.length} entries left pending`);
      }
      const batch = new Set(links.map((l) => l.entryId));
      const stillPending = await Promise.all(queue.filter((e) => batch.has(e.entryId)).map(async (e) => [e.entryId, await rt.audit.isPending(e.entryId)] as const));
      const gone = new Set(stillPending.filter(([, pending]) => !pending).map(([id]) => id));
      result.linkedElsewhere += gone.size;
      queue = queue.filter((e) => !gone.has(e.entryId));
      await sleep(Math.random() * Math.min(200, 10 * 2 ** conflicts));
    }
  }
  // The heads outside the table: a chain cut at its end and given a matching head would still
  // verify in the table; compared with these log lines it does not (README, "The audit trail").
  if (result.linked > 0) logger.info('audit entries linked', { linked: result.linked, heads: heads.filter((h, i) => heads[i + 1]?.month !== h.month) });
  return result;
}
