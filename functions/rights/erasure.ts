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
import { evidenceEventIds, publicationEvidence, type KeptPublication } from '../domain/erasure';
import { auditEntry, callerContext, type AuditContext } from '../shared/audit';
import type { Principal } from '../shared/auth';
import { exportKey } from '../shared/bucket-layout';
import { ConflictError, childNotFound } from '../shared/errors';
import { keys } from '../shared/keys';
import { logger } from '../shared/logger';
import { deleteMediaItem } from '../shared/media-deletion';
import { childFacts, type ChildRecord } from '../shared/repositories/children';
import type { DataSubjectRequest } from '../shared/repositories/requests';
import type { Runtime } from '../shared/runtime';
import { emptyReport, removePurpose, retainPublished } from '../withdrawal/service';
import { dueDateOf, requestToAnswer, requestView } from './service';

export type ErasureStatus = 'completed' | 'in_progress';

export interface ErasureOptions {
  /** Epoch milliseconds after which the run stops between two steps, to be continued later. */
  deadline?: number;
}

/** Every item id depicting the child, live and deleted. */
async function depictions(rt: Runtime, childId: string): Promise<{ mediaId: string; deleted: boolean }[]> {
  const all: { mediaId: string; deleted: boolean }[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await rt.media.idsDepicting(childId, start);
    all.push(...page.ids);
    start = page.next;
  } while (start);
  return all;
}

/** Publications of published items depicting the child: what stays, and needs its evidence kept. */
async function keptPublications(rt: Runtime, childId: string): Promise<KeptPublication[]> {
  const live = (await depictions(rt, childId)).filter((d) => !d.deleted).map((d) => d.mediaId);
  const published = (await rt.media.getMany(live)).filter((i) => i.published);
  const pubs = await Promise.all(published.map((i) => rt.media.publications(i.mediaId)));
  return pubs.flat().map((p) => ({ mediaId: p.mediaId, publicationId: p.publicationId, channel: p.channel, publishedAt: p.publishedAt }));
}

/**
 * Starts the erasure: computes the evidence to keep while the ledger and the profile are still
 * whole, then marks the child (no use of it from now on) and writes the marker the sweep finds,
 * with the request when it is new, in one transaction.
 */
async function start(rt: Runtime, child: ChildRecord, request: DataSubjectRequest, isNew: boolean, ctx: AuditContext): Promise<void> {
  const now = rt.now();
  const evidence = publicationEvidence(childFacts(child), await rt.ledger.all(child.childId), await keptPublications(rt, child.childId), rt.config.AGE_POLICY);
  const marker = {
    childId: child.childId,
    requestId: request.requestId,
    startedAt: now.toISOString(),
    startedBy: ctx.userId,
    groupIds: child.groupIds,
    evidence,
  };
  const audit = auditEntry(rt, ctx, 'child.erasure_started', { childIds: [child.childId] }, { requestId: request.requestId });
  await rt.erasure.start(child, marker, amsterdamDate(now), isNew ? [rt.requests.put(request)] : [], audit);
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

  for (const { mediaId, deleted } of await depictions(rt, childId)) {
    if (late()) return 'in_progress';
    if (deleted) continue;
    const item = await rt.media.get(mediaId);
    if (!item) continue;
    if (!item.published) {
      await deleteMediaItem(rt, item, 'erasure', ctx);
      continue;
    }
    for (const purpose of item.purposes.filter((p) => p !== 'publication')) await removePurpose(rt, mediaId, childId, purpose, ctx, cause, report);
    await retainPublished(rt, item, childId, ctx, cause, report);
  }
  for (const { mediaId, deleted } of await depictions(rt, childId)) {
    if (late()) return 'in_progress';
    if (deleted) await rt.media.forgetChildInTombstone(mediaId, childId);
  }

  const links = await rt.erasure.keysUnder(childId, keys.guardianLinkPrefix);
  await rt.erasure.deleteAll([...links, ...marker.groupIds.map((g) => keys.groupChild(g, childId))]);
  const requests = await rt.requests.ofChild(childId);
  await rt.store().deleteAll(requests.filter((r) => r.type === 'access').map((r) => exportKey(r.requestId)));
  await rt.erasure.replaceProfile({ childId, status: 'erased', erasedAt: rt.now().toISOString(), requestId: marker.requestId, evidence: marker.evidence });

  // After the profile is gone no decision can be added (a decision needs the profile), so this
  // reads the ledger as it stays.
  const kept = evidenceEventIds(marker.evidence);
  const events = await rt.erasure.keysUnder(childId, keys.consentPrefix);
  const dropped = events.filter((e) => !kept.has(String(e.item.eventId)));
  await rt.erasure.deleteAll([...dropped, ...dropped.filter((e) => e.item.decision === 'withdrawn').map((e) => keys.pendingPropagation(String(e.item.eventId)))]);

  const request = requests.find((r) => r.requestId === marker.requestId);
  const close = request?.status === 'open' ? rt.requests.close(request, { status: 'fulfilled', at: rt.now().toISOString(), by: marker.startedBy }) : undefined;
  const audit = auditEntry(rt, ctx, 'child.erased', { childIds: [childId] }, {
    requestId: marker.requestId,
    keptPublications: marker.evidence.length,
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
  const erased = await rt.erasure.erased(childId);
  const marker = erased ? undefined : await rt.erasure.marker(childId);
  let answered: DataSubjectRequest | undefined;
  if (!erased && !marker) {
    const child = await rt.children.get(childId);
    if (!child) throw childNotFound();
    if (!child.erasure) {
      const existing = await requestToAnswer(rt, childId, 'erasure', body.requestId);
      const now = rt.now().toISOString();
      answered = existing ?? {
        requestId: rt.newId(),
        childId,
        type: 'erasure',
        status: 'open',
        receivedAt: now,
        recordedAt: now,
        requestedBy: { userId: ctx.userId, role: ctx.role },
        channel: 'recorded_by_admin',
        dueDate: dueDateOf(now),
      };
      await start(rt, child, answered, !existing, ctx);
    }
  } else if (body.requestId && body.requestId !== (erased ?? marker)?.requestId) {
    throw new ConflictError('child_erased', 'The child was erased (or is being erased) under another request');
  }
  let status: ErasureStatus;
  try {
    status = await runErasure(rt, childId, ctx, options);
  } catch (err) {
    // Started and durable: the rest is done by a retry or by the next sweep. Not silent: logged, and 202.
    logger.error('erasure stopped before it was complete', { childId, error: (err as Error).name });
    status = 'in_progress';
  }
  const requestIdOf = erased?.requestId ?? marker?.requestId ?? answered?.requestId;
  const request = requestIdOf ? await rt.requests.get(childId, requestIdOf) : undefined;
  return { status: status === 'completed' ? 200 : 202, body: { childId, status, ...(request ? { request: requestView(rt, request) } : {}) } };
}
