/**
 * The daily sweep (SPEC section 6), the authority on retention: finds due items through the
 * due-date index (never a Scan), decides per item from the item itself, drops purposes whose
 * shorter retention ended, deletes items with none left (also unfinished uploads and items whose
 * prompt deletion after a withdrawal failed). Every step is idempotent, so a sweep killed at any
 * point and run again deletes each due item once and touches nothing else.
 */
import { amsterdamDate } from '../domain/calendar';
import { planSweep, type SweepPlan } from '../domain/retention';
import { logger } from '../shared/logger';
import { deleteMediaItem } from '../shared/media-deletion';
import type { DeletionReason } from '../shared/repositories/media';
import type { Runtime } from '../shared/runtime';

export interface SweepOptions {
  dryRun?: boolean;
  attempts?: number;
  /** Test seam: awaited before each step; a promise that never settles models a killed process. */
  beforeStep?: (step: 'delete_objects' | 'delete_metadata' | 'drop_purposes', mediaId: string) => Promise<void>;
}

export interface SweepReport {
  today: string;
  examined: number;
  deleted: Record<DeletionReason, number>;
  purposesDropped: number;
  kept: number;
  failures: { mediaId: string; error: string }[];
  /** In a dry run: what would be done, and why. */
  planned: { mediaId: string; plan: SweepPlan }[];
}

export async function runSweep(rt: Runtime, options: SweepOptions = {}): Promise<SweepReport> {
  const now = rt.now();
  const today = amsterdamDate(now);
  const report: SweepReport = {
    today,
    examined: 0,
    deleted: { retention: 0, withdrawn: 0, erasure: 0, incomplete_upload: 0, deleted_by_staff: 0 },
    purposesDropped: 0,
    kept: 0,
    failures: [],
    planned: [],
  };
  const attempts = options.attempts ?? 3;
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
          await deleteMediaItem(rt, item, plan.reason, () => options.beforeStep?.('delete_metadata', item.mediaId) ?? Promise.resolve());
          report.deleted[plan.reason]++;
        } else {
          await options.beforeStep?.('drop_purposes', item.mediaId);
          if (!(await rt.media.setPurposes(item, plan.remaining, today, 'retention'))) throw new Error('item changed meanwhile');
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
  logger.info('sweep finished', {
    today,
    dryRun: options.dryRun === true,
    examined: report.examined,
    deleted: report.deleted,
    purposesDropped: report.purposesDropped,
    failures: report.failures.length,
  });
  return report;
}
