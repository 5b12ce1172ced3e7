/**
 * Erasure of a child (SPEC section 7, issue 6). The admin starts it; it runs in the same request
 * as far as time allows, and the daily sweep completes any erasure that stopped halfway. Every
 * step can run again without harm.
 *
 * What goes: every unpublished item depicting the child (files and metadata, through the one
 * deletion path, tombstone reason `erasure`), the child's id in the tombstones of deleted items,
 * the profile (name, birth date, groups, guardian authority, consent projection), the guardian
 * links and group memberships, the consent ledger except the evidence behind what stays
 * published, and the child's export files.
 *
 * What stays: footage that was already published (SPEC section 5: the withdrawal rule; live
 * channels get takedown tasks), the consent events that allowed each of its publications with the
 * age band at that moment, the data-subject requests, the audit trail (ids only), and a record that
 * the child was erased.
 */
import { amsterdamDate } from '../domain/calendar';
import { evidenceEventIds, type KeptPublication, type PublicationEvidence } from '../domain/erasure';
import { withEnrolmentEnd } from '../domain/facts';
import { auditEntry, callerContext, type AuditContext } from '../shared/audit';
import type { Principal } from '../shared/auth';
import { ConflictError, childNotFound } from '../shared/errors';
import { keys } from '../shared/keys';
import { logger } from '../shared/logger';
import { deleteMediaItem } from '../shared/media-deletion';
import type { ChildRecord } from '../shared/repositories/children';
import type { MediaItem } from '../shared/repositories/media';
import type { ErasingMarker } from '../shared/repositories/erasure';
import type { DataSubjectRequest } from '../shared/repositories/requests';
import type { Runtime } from '../shared/runtime';
import { emptyReport, removePurpose, retainPublished } from '../withdrawal/service';
import { STALE, retryOnStale } from '../shared/retry';
import { newRequest, requestToAnswer, requestView } from './service';

export type ErasureStatus = 'completed' | 'in_progress';

export interface ErasureOptions {
  /** Epoch milliseconds after which the run stops between two steps, to be continued later. */
  deadline?: number;
}

/**
 * Whether an item stays: published, and still kept for publication, its retention not ended
 * (whether or not the sweep has dropped the purpose yet).
 */
const stays = (rt: Pick<Runtime, 'rules' | 'now'>, item: MediaItem): boolean =>
  item.published === true && item.purposes.includes('publication') && rt.rules.endedPurposes(item, ['publication'], rt.now()).length === 0;

/** Publications of the items that stay: they need their evidence kept. */
async function keptPublications(rt: Runtime, childId: string): Promise<KeptPublication[]> {
  const live = (await rt.media.idsDepicting(childId)).ids.filter((d) => !d.deleted).map((d) => d.mediaId);
  const published = (await rt.media.getMany(live)).filter((i) => stays(rt, i));
  const pubs = await Promise.all(published.map((i) => rt.media.publications(i.mediaId)));
  return pubs.flat().map((p) => ({ mediaId: p.mediaId, publicationId: p.publicationId, channel: p.channel, publishedAt: p.publishedAt }));
}

/**
 * Starts the erasure: marks the child (no use of it from now on: nothing can be published or
 * completed for it any more) and writes the marker the sweep finds, with the request when it is
 * new, in one transaction conditional on the child as read.
 */
async function start(rt: Runtime, child: ChildRecord, request: DataSubjectRequest, isNew: boolean, ctx: AuditContext): Promise<'started' | 'conflict'> {
  const now = rt.now();
  const marker = { childId: child.childId, requestId: request.requestId, startedAt: now.toISOString(), startedBy: ctx.userId, groupIds: child.groupIds };
  const audit = auditEntry(rt, ctx, 'child.erasure_started', { childIds: [child.childId] }, { requestId: request.requestId });
  // No new use from now: the enrolment ends today, unless it ended before.
  const today = amsterdamDate(now);
  const history = withEnrolmentEnd(child.history, today, now.toISOString());
  return rt.erasure.start(child, history, marker, today, isNew ? rt.requests.putParts(request) : [], audit);
}

/**
 * The evidence to keep, computed once, right after the start: from then on no publication can be
 * added, and the profile and the ledger are still whole (they go only after this is stored).
 */
async function evidenceOf(rt: Runtime, marker: ErasingMarker): Promise<PublicationEvidence[]> {
  if (marker.evidence) return marker.evidence;
  const child = await rt.children.get(marker.childId);
  if (!child) throw new Error(`the profile of ${marker.childId} went before its evidence was kept`);
  // The history holds the facts as they were at each publication (the end the erasure set came after all of them).
  const evidence = rt.rules.publicationEvidence(child, await rt.ledger.all(marker.childId), await keptPublications(rt, marker.childId));
  await rt.erasure.setEvidence(marker.childId, evidence);
  return (await rt.erasure.marker(marker.childId))?.evidence ?? evidence;
}

/**
 * Runs (or continues) a started erasure to its end, unless the deadline passes first. Steps, each
 * safe to repeat: footage (published items keep only `publication`, are retained and get
 * takedown tasks; the rest is deleted); the child's id out of tombstones; guardian links and group
 * memberships; export files; the profile replaced by the erased record; the ledger except the
 * evidence; last, the marker removed and the request fulfilled with the audit entry.
 */
export async function runErasure(rt: Runtime, childId: string, ctx: AuditContext, options: ErasureOptions = {}): Promise<ErasureStatus> {
  const marker = await rt.erasure.marker(childId);
  if (!marker) {
    if (await rt.erasure.erased(childId)) return 'completed';
    throw new Error(`no erasure of ${childId} was started`);
  }
  const late = () => options.deadline !== undefined && Date.now() > options.deadline;
  const cause = { requestId: marker.requestId, cause: 'erasure' };
  const report = emptyReport();
  const evidence = await evidenceOf(rt, marker);

  // One listing serves both passes: once the erasure has started, every deletion (this one's, a
  // withdrawal's, the sweep's) forgets the child itself (functions/shared/media-deletion.ts), so
  // only the tombstones listed here still name it.
  const { ids } = await rt.media.idsDepicting(childId);
  for (const { mediaId, deleted } of ids) {
    if (late()) return 'in_progress';
    if (deleted) continue;
    const item = await rt.media.get(mediaId);
    if (!item) continue;
    if (!stays(rt, item)) {
      await deleteMediaItem(rt, item, 'erasure', ctx);
      continue;
    }
    for (const purpose of item.purposes.filter((p) => p !== 'publication')) await removePurpose(rt, mediaId, childId, purpose, ctx, cause, report);
    await retainPublished(rt, item, childId, ctx, cause, report);
  }
  for (const { mediaId, deleted } of ids) {
    if (late()) return 'in_progress';
    if (deleted) await rt.media.forgetChildInTombstone(mediaId, childId);
  }

  const links = await rt.erasure.keysUnder(childId, keys.guardianLinkPrefix);
  await rt.erasure.deleteAll([...links, ...marker.groupIds.map((g) => keys.groupChild(g, childId))]);
  const requests = await rt.requests.ofChild(childId);
  await rt.store().deleteAll(requests.flatMap((r) => r.exportKeys ?? []));
  await rt.erasure.replaceProfile({ childId, status: 'erased', erasedAt: rt.now().toISOString(), requestId: marker.requestId, evidence });

  // After the profile is gone no decision can be added (a decision needs the profile), so this
  // reads the ledger as it stays.
  const kept = evidenceEventIds(evidence);
  const events = await rt.erasure.keysUnder(childId, keys.consentPrefix);
  const dropped = events.filter((e) => !kept.has(String(e.item.eventId)));
  await rt.erasure.deleteAll([...dropped, ...dropped.filter((e) => e.item.decision === 'withdrawn').map((e) => keys.pendingPropagation(String(e.item.eventId)))]);

  const request = requests.find((r) => r.requestId === marker.requestId);
  const close = request?.status === 'open' ? rt.requests.closeParts(request, { status: 'fulfilled', at: rt.now().toISOString(), by: marker.startedBy }) : [];
  const audit = auditEntry(rt, ctx, 'child.erased', { childIds: [childId] }, {
    requestId: marker.requestId,
    keptPublications: evidence.length,
    keptEvents: events.length - dropped.length,
  });
  if (await rt.erasure.finish(childId, close, audit)) {
    // Ids only. This line outlives a point-in-time restore of the table: after a restore, every
    // erasure logged since the restore point must be run again (README, "Erasure and backups").
    logger.info('child erased', { childId, requestId: marker.requestId, erasedAt: rt.now().toISOString() });
  }
  return 'completed';
}

/**
 * The admin erases a child. Idempotent: an erased child answers `completed`, an erasure in
 * progress is continued. Answers 200 when it completed within the request, 202 when the rest is
 * left to a retry or to the next sweep (which completes every started erasure).
 */
export async function eraseChild(rt: Runtime, principal: Principal, requestId: string, childId: string, body: { requestId?: string | undefined }, options: ErasureOptions = {}) {
  const ctx = callerContext(principal, requestId);
  let answered: DataSubjectRequest | undefined;
  let gone = 0;
  await retryOnStale(
    async () => {
      const existing = (await rt.erasure.erased(childId)) ?? (await rt.erasure.marker(childId));
      if (existing) {
        if (body.requestId && body.requestId !== existing.requestId) {
          throw new ConflictError('child_erased', 'The child was erased (or is being erased) under another request');
        }
        return true;
      }
      const child = await rt.children.get(childId);
      // Gone between the two reads: an erasure that finished meanwhile (read again), or no such child.
      if (!child) {
        if (++gone >= 3) throw childNotFound();
        return STALE;
      }
      if (!child.erasure) {
        answered ??= await requestToAnswer(rt, childId, 'erasure', body.requestId);
        const request = answered ?? newRequest(rt, ctx, childId, 'erasure');
        if ((await start(rt, child, request, !answered, ctx)) === 'started') return true;
      }
      // An erasure started, or the child changed, meanwhile: read again.
      return STALE;
    },
    { attempts: 5, exhausted: () => new ConflictError('concurrent_update', 'The child was changed at the same time; retry') },
  );
  let status: ErasureStatus;
  try {
    status = await runErasure(rt, childId, ctx, options);
  } catch (err) {
    // Started and durable: the rest is done by a retry or by the next sweep. Not silent: logged, and 202.
    logger.error('erasure stopped before it was complete', { childId, error: (err as Error).name });
    status = 'in_progress';
  }
  const state = (await rt.erasure.erased(childId)) ?? (await rt.erasure.marker(childId));
  const request = state ? await rt.requests.get(childId, state.requestId) : undefined;
  return { status: status === 'completed' ? 200 : 202, body: { childId, status, ...(request ? { request: requestView(rt, request) } : {}) } };
}
