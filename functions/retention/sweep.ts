/**
 * The daily sweep (SPEC section 6), the authority on retention: finds due items through the
 * due-date index (never a Scan), decides per item from the item itself, drops purposes whose
 * shorter retention ended, deletes items with none left (also unfinished uploads and items whose
 * prompt deletion after a withdrawal failed). Every step is idempotent, so a sweep killed at any
 * point and run again deletes each due item once and touches nothing else.
 */
import { amsterdamDate } from '../domain/calendar';
import { planSweep, type SweepPlan } from '../domain/retention';
import { chainPending } from '../audit/chainer';
import { auditEntry, systemContext } from '../shared/audit';
import { logger } from '../shared/logger';
import { deleteMediaItem } from '../shared/media-deletion';
import type { DeletionReason } from '../shared/repositories/media';
import type { Runtime } from '../shared/runtime';
import { runErasure } from '../rights/erasure';
import { propagateWithdrawal } from '../withdrawal/service';

/** The stream normally propagates within seconds; the sweep only takes over after this. */
export const PROPAGATION_GRACE_MS = 10 * 60 * 1000;

export interface SweepOptions {
  dryRun?: boolean;
  /** The invocation's request id, in the audit entries of what this run does. */
  requestId?: string;
  attempts?: number;
  /** Test seam: awaited before each step; a promise that never settles models a killed process. */
  beforeStep?: (step: 'delete_objects' | 'delete_metadata' | 'drop_purposes', mediaId: string) => Promise<void>;
}

export interface SweepReport {
  today: string;
  /** Withdrawals whose prompt propagation had not happened, propagated by this run. */
  withdrawalsPropagated: number;
  examined: number;
  deleted: Record<DeletionReason, number>;
  purposesDropped: number;
  kept: number;
  failures: { mediaId: string; error: string }[];
  /** In a dry run: what would be done, and why. */
  planned: { mediaId: string; plan: SweepPlan }[];
  /** In a dry run: withdrawals (event ids) that would be propagated. */
  pendingWithdrawals: string[];
  /** Audit entries this run linked into their chains (the stream's chainer normally has). */
  auditLinked: number;
  /** Erasures that had stopped halfway and were completed by this run (children's ids). */
  erasuresCompleted: string[];
}

export async function runSweep(rt: Runtime, options: SweepOptions = {}): Promise<SweepReport> {
  const now = rt.now();
  const today = amsterdamDate(now);
  const report: SweepReport = {
    today,
    withdrawalsPropagated: 0,
    examined: 0,
    deleted: { retention: 0, withdrawn: 0, erasure: 0, incomplete_upload: 0, deleted_by_staff: 0 },
    purposesDropped: 0,
    kept: 0,
    failures: [],
    planned: [],
    pendingWithdrawals: [],
    auditLinked: 0,
    erasuresCompleted: [],
  };
  const attempts = options.attempts ?? 3;
  const ctx = systemContext('sweep', options.requestId ?? rt.newId());
  // First the backstop for withdrawals whose propagation never ran (the stream's retries were
  // exhausted): older than the stream's normal delay, so the two do not race. Idempotent.
  for await (const event of rt.media.pendingPropagations(today)) {
    if (now.getTime() - Date.parse(event.at) < PROPAGATION_GRACE_MS) continue;
    if (options.dryRun) {
      report.pendingWithdrawals.push(event.eventId);
      continue;
    }
    try {
      await propagateWithdrawal(rt, event, ctx);
      report.withdrawalsPropagated++;
    } catch (err) {
      report.failures.push({ mediaId: `withdrawal:${event.eventId}`, error: (err as Error).name ?? 'Error' });
    }
  }
  // Erasures an admin started that did not finish (a timeout, a failure): completed here (SPEC §7).
  for await (const childId of rt.erasure.unfinished(today)) {
    if (options.dryRun) {
      report.erasuresCompleted.push(childId);
      continue;
    }
    try {
      if ((await runErasure(rt, childId, ctx)) === 'completed') report.erasuresCompleted.push(childId);
    } catch (err) {
      report.failures.push({ mediaId: `erasure:${childId}`, error: (err as Error).name ?? 'Error' });
    }
  }
  for await (const indexed of rt.media.dueUpTo(today)) {
    report.examined++;
    let lastError: unknown;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      // The index may lag behind the item: decide from a consistent read.
      const item = attempt === 1 && options.dryRun ? indexed : await rt.media.get(indexed.mediaId);
      if (!item) break; // deleted meanwhile (by a withdrawal, or an earlier run)
      const plan = planSweep(item, now);
      if (options.dryRun) {
        report.planned.push({ mediaId: item.mediaId, plan });
        break;
      }
      try {
        if (plan.action === 'keep') report.kept++;
        else if (plan.action === 'delete') {
          await options.beforeStep?.('delete_objects', item.mediaId);
          await deleteMediaItem(rt, item, plan.reason, ctx, () => options.beforeStep?.('delete_metadata', item.mediaId) ?? Promise.resolve());
          report.deleted[plan.reason]++;
        } else {
          await options.beforeStep?.('drop_purposes', item.mediaId);
          const audit = auditEntry(rt, ctx, 'media.purposes_expired', { childIds: item.childIds, mediaId: item.mediaId }, { purposes: plan.expired });
          if (!(await rt.media.setPurposes(item, plan.remaining, today, 'retention', audit))) throw new Error('item changed meanwhile');
          report.purposesDropped++;
        }
        lastError = undefined;
        break;
      } catch (err) {
        lastError = err;
        await new Promise((r) => setTimeout(r, Math.min(2000, 50 * 2 ** attempt)));
      }
    }
    if (lastError) report.failures.push({ mediaId: indexed.mediaId, error: (lastError as Error).name ?? 'Error' });
  }
  // Last, so that this run's own entries are linked too: the backstop for the stream's chainer.
  // Then every month's head goes to the log once a day: an anchor outside the table.
  if (!options.dryRun) {
    try {
      report.auditLinked = (await chainPending(rt)).linked;
      const heads = await Promise.all((await rt.audit.months()).map(async (month) => ({ month, ...(await rt.audit.head(month)) })));
      logger.info('audit chain heads', { heads });
    } catch (err) {
      report.failures.push({ mediaId: 'audit-chain', error: (err as Error).name ?? 'Error' });
    }
  }
  logger.info('sweep finished', {
    today,
    dryRun: options.dryRun === true,
    examined: report.examined,
    withdrawalsPropagated: report.withdrawalsPropagated,
    erasuresCompleted: report.erasuresCompleted.length,
    deleted: report.deleted,
    purposesDropped: report.purposesDropped,
    auditLinked: report.auditLinked,
    failures: report.failures.length,
  });
  return report;
}
