/**
 * Withdrawal propagation (SPEC section 5): when an actor who counts withdraws a purpose, every
 * item depicting the child loses that purpose, and an item left with none is deleted. A published
 * item keeps `publication` and its file, is marked retained, and each live publication gets a
 * takedown task. Idempotent: a replayed event changes nothing more. Every change is audited, with
 * the withdrawal's event id as its cause.
 */
import { addDays, amsterdamDate } from '../domain/calendar';
import { actorKey, type ConsentEvent } from '../domain/consent';
import type { Purpose } from '../domain/purposes';
import { auditEntry, type AuditContext, type AuditDetails } from '../shared/audit';
import { logger } from '../shared/logger';
import { deleteMediaItem } from '../shared/media-deletion';
import { STALE, retryOnStale, type Stale } from '../shared/retry';
import type { MediaItem } from '../shared/repositories/media';
import type { Runtime } from '../shared/runtime';

/** Live publications are to be taken down within a week of the withdrawal. */
export const TAKEDOWN_DAYS = 7;

export interface PropagationReport {
  stripped: string[];
  deleted: string[];
  retained: string[];
  takedowns: string[];
}

export const emptyReport = (): PropagationReport => ({ stripped: [], deleted: [], retained: [], takedowns: [] });

/**
 * A published item whose child no longer consents to publication (a withdrawal, or an erasure):
 * kept and marked retained, and a takedown task opened for each live publication. `cause` says
 * why, in the audit entries.
 */
export async function retainPublished(
  rt: Runtime,
  item: MediaItem,
  childId: string,
  ctx: AuditContext,
  cause: AuditDetails,
  report: PropagationReport,
): Promise<void> {
  const now = rt.now();
  const subject = { childIds: [childId], mediaId: item.mediaId };
  await rt.media.markRetained(item.mediaId, now.toISOString(), auditEntry(rt, ctx, 'media.retained', subject, cause));
  report.retained.push(item.mediaId);
  for (const pub of await rt.media.publications(item.mediaId)) {
    if (!rt.rules.channels.isLive(pub.channel)) continue;
    const task = {
      mediaId: item.mediaId,
      publicationId: pub.publicationId,
      channel: pub.channel,
      reference: pub.reference,
      childId,
      openedAt: now.toISOString(),
      dueDate: addDays(amsterdamDate(now), TAKEDOWN_DAYS),
    };
    await rt.media.openTakedown(task, auditEntry(rt, ctx, 'media.takedown_opened', subject, { ...cause, publicationId: pub.publicationId, channel: pub.channel }));
    report.takedowns.push(pub.publicationId);
  }
}

/**
 * Removes `purpose` from one item depicting `childId` (retrying on a concurrent change); deletes it
 * when none is left, refuses it while its upload is still in flight, retains it when published.
 * `cause` names the withdrawal event or the erasure request in the audit entries; `withdrawal`
 * says who withdrew (`guardian:<id>` or `child`, for the refusal's reason) and which footage it
 * takes the purpose from (what existed when it was made).
 */
export async function removePurpose(
  rt: Runtime,
  mediaId: string,
  childId: string,
  purpose: Purpose,
  ctx: AuditContext,
  cause: AuditDetails,
  report: PropagationReport,
  withdrawal?: { by: string; takes: (item: MediaItem) => boolean },
): Promise<void> {
  await retryOnStale(
    async (): Promise<void | Stale> => {
      const item = await rt.media.get(mediaId);
      if (!item) return;
      // Footage recorded after the withdrawal (under a grant made since) is not the withdrawal's to take.
      if (withdrawal && !withdrawal.takes(item)) return;
      if (!item.purposes.includes(purpose)) {
        if (item.purposes.length === 0) await deleteMediaItem(rt, item, item.deletionReason ?? 'withdrawn', ctx);
        return;
      }
      if (item.status === 'refused') return;
      if (purpose === 'publication' && item.published) return retainPublished(rt, item, childId, ctx, cause, report);
      const remaining = item.purposes.filter((p) => p !== purpose);
      const subject = { childIds: item.childIds, mediaId };
      if (item.status === 'pending' && remaining.length === 0) {
        // An upload still in flight is refused rather than deleted, so the tablet's completion gets
        // a clear answer; the sweep removes it with the other unfinished uploads.
        const reasons = withdrawal ? [`withdrawn_by:${withdrawal.by}`] : ['withdrawn'];
        const blockers = [{ childId, purpose, when: 'now', reasons }];
        await rt.store().deleteAll([item.uploadKey]);
        const refusal = { code: 'consent_missing', detail: 'Consent was withdrawn before the upload completed', blockers };
        if (!(await rt.media.markRefused(item, refusal, amsterdamDate(rt.now()), auditEntry(rt, ctx, 'media.refused', subject, { ...cause, code: refusal.code })))) return STALE;
        report.stripped.push(mediaId);
        return;
      }
      const audit = auditEntry(rt, ctx, 'media.purpose_removed', subject, { ...cause, purpose });
      if (!(await rt.media.setPurposes(item, remaining, amsterdamDate(rt.now()), 'withdrawn', audit))) return STALE;
      report.stripped.push(mediaId);
      if (remaining.length === 0) {
        await deleteMediaItem(rt, { ...item, purposes: [] }, 'withdrawn', ctx);
        report.deleted.push(mediaId);
      }
    },
    { attempts: 5, exhausted: () => new Error(`media ${mediaId} kept changing during withdrawal propagation`) },
  );
}

export async function propagateWithdrawal(rt: Runtime, event: ConsentEvent, ctx: AuditContext): Promise<PropagationReport> {
  const report = emptyReport();
  const child = await rt.children.get(event.childId);
  // Whether it counted is judged with the facts as they were when it was made (the child's history).
  if (!child || !rt.rules.isCountingWithdrawal(child, event)) {
    await rt.media.clearPendingPropagation(event.eventId);
    return report;
  }
  const cause = { eventId: event.eventId };
  for (const { mediaId, deleted } of (await rt.media.idsDepicting(event.childId)).ids) {
    if (!deleted) await removePurpose(rt, mediaId, event.childId, event.purpose, ctx, cause, report, { by: actorKey(event.actor), takes: (item) => rt.rules.withdrawalTakes(item, event) });
  }
  await rt.media.clearPendingPropagation(event.eventId);
  logger.info('withdrawal propagated', {
    childId: event.childId,
    purpose: event.purpose,
    stripped: report.stripped.length,
    deleted: report.deleted.length,
    retained: report.retained.length,
    takedowns: report.takedowns.length,
  });
  return report;
}
