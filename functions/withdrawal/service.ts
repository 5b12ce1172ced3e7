/**
 * Withdrawal propagation (SPEC section 5): when an actor who counts withdraws a purpose, every
 * item depicting the child loses that purpose, and an item left with none is deleted. A published
 * item keeps `publication` and its file, is marked retained, and each live publication gets a
 * takedown task. Idempotent: a replayed event changes nothing more.
 */
import { amsterdamDate, nextDay } from '../domain/calendar';
import { isLiveChannel } from '../domain/channels';
import { actorKey, isCountingWithdrawal, type ConsentEvent } from '../domain/consent';
import { logger } from '../shared/logger';
import { deleteMediaItem } from '../shared/media-deletion';
import { childFacts } from '../shared/repositories/children';
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

function addDays(date: string, days: number): string {
  let d = date;
  for (let i = 0; i < days; i++) d = nextDay(d);
  return d;
}

async function retainPublished(rt: Runtime, item: MediaItem, event: ConsentEvent, report: PropagationReport): Promise<void> {
  const now = rt.now();
  await rt.media.markRetained(item.mediaId, now.toISOString());
  report.retained.push(item.mediaId);
  for (const pub of await rt.media.publications(item.mediaId)) {
    if (!isLiveChannel(pub.channel)) continue;
    await rt.media.openTakedown({
      mediaId: item.mediaId,
      publicationId: pub.publicationId,
      channel: pub.channel,
      reference: pub.reference,
      childId: event.childId,
      openedAt: now.toISOString(),
      dueDate: addDays(amsterdamDate(now), TAKEDOWN_DAYS),
    });
    report.takedowns.push(pub.publicationId);
  }
}

/** Removes the purpose from one item (retrying on a concurrent change); deletes it when none is left. */
async function stripPurpose(rt: Runtime, mediaId: string, event: ConsentEvent, report: PropagationReport): Promise<void> {
  for (let attempt = 0; attempt < 5; attempt++) {
    const item = await rt.media.get(mediaId);
    if (!item) return;
    if (!item.purposes.includes(event.purpose)) {
      if (item.purposes.length === 0) await deleteMediaItem(rt, item, item.deletionReason ?? 'withdrawn');
      return;
    }
    if (item.status === 'refused') return;
    if (event.purpose === 'publication' && item.published) return retainPublished(rt, item, event, report);
    const remaining = item.purposes.filter((p) => p !== event.purpose);
    if (item.status === 'pending' && remaining.length === 0) {
      // An upload still in flight is refused rather than deleted, so the tablet's completion gets
      // a clear answer; the sweep removes it with the other unfinished uploads.
      const blockers = [{ childId: event.childId, purpose: event.purpose, when: 'now', reasons: [`withdrawn_by:${actorKey(event.actor)}`] }];
      await rt.store().deleteAll([item.uploadKey]);
      if (!(await rt.media.markRefused(item, { code: 'consent_missing', detail: 'Consent was withdrawn before the upload completed', blockers }, amsterdamDate(rt.now())))) continue;
      report.stripped.push(mediaId);
      return;
    }
    if (!(await rt.media.setPurposes(item, remaining, amsterdamDate(rt.now()), 'withdrawn'))) continue;
    report.stripped.push(mediaId);
    if (remaining.length === 0) {
      await deleteMediaItem(rt, { ...item, purposes: [] }, 'withdrawn');
      report.deleted.push(mediaId);
    }
    return;
  }
  throw new Error(`media ${mediaId} kept changing during withdrawal propagation`);
}

export async function propagateWithdrawal(rt: Runtime, event: ConsentEvent): Promise<PropagationReport> {
  const report: PropagationReport = { stripped: [], deleted: [], retained: [], takedowns: [] };
  const child = await rt.children.get(event.childId);
  if (!child || !isCountingWithdrawal(childFacts(child), event, rt.config.AGE_POLICY)) {
    await rt.media.clearPendingPropagation(event.eventId);
    return report;
  }
  let start: Record<string, unknown> | undefined;
  do {
    const page = await rt.media.idsDepicting(event.childId, start);
    for (const { mediaId, deleted } of page.ids) if (!deleted) await stripPurpose(rt, mediaId, event, report);
    start = page.next;
  } while (start);
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
