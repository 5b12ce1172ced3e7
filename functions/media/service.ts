/**
 * Staff tablets: the consent roster of a group, and the upload pipeline that never stores footage
 * without consent. Every consent question goes to the rules in `functions/domain` (the gate), and
 * every lasting step (the pending item, its completion) is bound to the depicted children as read.
 */
import { createHash } from 'node:crypto';
import { amsterdamDate } from '../domain/calendar';
import type { UseBlocker, UseVerdict } from '../domain/gate';
import type { Principal } from '../shared/auth';
import { uploadKey, mediaKey } from '../shared/bucket-layout';
import { auditEntry, callerContext, type AuditContext } from '../shared/audit';
import { DepictedChildren } from '../shared/depicted';
import { deleteMediaItem } from '../shared/media-deletion';
import { ConflictError, ForbiddenError, HttpError, NotFoundError, ValidationError } from '../shared/errors';
import { logger } from '../shared/logger';
import type { MediaItem, Refusal } from '../shared/repositories/media';
import { STALE, retryOnStale } from '../shared/retry';
import type { Runtime } from '../shared/runtime';
import { stripLocation } from './metadata';
import { SNIFF_BYTES, sniffContentType } from './sniff';
import type { CreateMediaBody } from './schema';

const mediaNotFound = () => new NotFoundError('media_not_found', 'No such media item');
const groupNotFound = () => new NotFoundError('group_not_found', 'No such group');
const changedMeanwhile = () => new ConflictError('concurrent_update', 'A depicted child or the item changed at the same time; retry');

/** The item as the apps see it: no internal keys or hashes. */
export function mediaView(item: MediaItem) {
  return {
    mediaId: item.mediaId,
    groupId: item.groupId,
    kind: item.kind,
    contentType: item.contentType,
    size: item.size ?? item.declaredSize,
    recordedAt: item.recordedAt,
    uploadedBy: item.uploadedBy,
    childIds: item.childIds,
    purposes: item.purposes,
    status: item.status,
    ...(item.refusal ? { refusal: item.refusal } : {}),
    ...(item.locationRemoved !== undefined ? { locationRemoved: item.locationRemoved } : {}),
    ...(item.published ? { published: true } : {}),
    ...(item.retainedBecausePublished ? { retainedBecausePublished: item.retainedBecausePublished } : {}),
    deletionDates: item.deletionDates,
    dueDate: item.dueDate,
    clientReference: item.clientReference,
    createdAt: item.createdAt,
    ...(item.completedAt ? { completedAt: item.completedAt } : {}),
  };
}

/** Staff may work with a group they belong to; the admin with every group. 404 otherwise. */
async function assertWorksIn(rt: Runtime, principal: Principal, groupId: string): Promise<void> {
  if (principal.role === 'admin') {
    if (!(await rt.directory.getGroup(groupId))) throw groupNotFound();
    return;
  }
  const staff = await rt.directory.getStaff(principal.userId);
  if (!staff?.groupIds.includes(groupId)) throw groupNotFound();
}

/**
 * The roster: every child of the group with, per purpose, whether they may be recorded now,
 * why not, and who still has to decide. One Query for the group, one BatchGet per 100 children.
 */
export async function groupRoster(rt: Runtime, principal: Principal, groupId: string) {
  const members = await rt.children.groupMembers(groupId);
  if (!members.exists || (principal.role === 'staff' && !members.staffIds.includes(principal.userId))) throw groupNotFound();
  const now = rt.now();
  const children = await rt.children.getMany(members.childIds);
  return {
    groupId,
    evaluatedAt: now.toISOString(),
    children: children
      .map((child) => {
        const verdict = rt.rules.consentNow(child, now);
        return {
          childId: child.childId,
          displayName: child.displayName,
          age: verdict.age,
          ageBand: verdict.ageBand,
          purposes: Object.fromEntries(
            Object.values(verdict.purposes).map((v) => [
              v.purpose,
              {
                mayRecord: v.effective,
                reasons: v.reasons,
                // Nobody has to decide while consent holds; otherwise, who has not decided yet.
                waitingFor: v.effective ? [] : v.deciders.filter((d) => d.decision === null).map((d) => d.actor),
              },
            ]),
          ),
        };
      })
      .sort((a, b) => a.displayName.localeCompare(b.displayName, 'nl')),
  };
}

function consentMissing(blockers: UseBlocker[]): ConflictError {
  return new ConflictError('consent_missing', 'Consent does not hold for every depicted child and purpose', { blockers });
}

function requestHash(body: CreateMediaBody): string {
  const canonical = { ...body, childIds: [...body.childIds].sort(), purposes: [...body.purposes].sort() };
  return createHash('sha256').update(JSON.stringify(canonical, Object.keys(canonical).sort())).digest('hex');
}

async function existingForRetry(rt: Runtime, principal: Principal, body: CreateMediaBody, hash: string) {
  const mediaId = await rt.media.findByClientReference(principal.userId, body.clientReference);
  if (!mediaId) return undefined;
  const item = await rt.media.get(mediaId);
  if (!item) return undefined;
  if (item.requestHash !== hash) {
    throw new ConflictError('client_reference_reused', 'This client reference was used for a different upload');
  }
  const now = rt.now();
  return {
    status: 200,
    body: {
      item: mediaView(item),
      ...(item.status === 'pending' ? { upload: await rt.store().presignUpload(item.uploadKey, item.contentType, item.declaredSize, now) } : {}),
    },
  };
}

/** Why the gate refused an upload, as the tablet is told. */
function uploadRefusal(rt: Runtime, body: CreateMediaBody, verdict: Extract<UseVerdict, { allowed: false }>): HttpError {
  if (verdict.reasons.includes('recorded_in_future')) return new ValidationError('recordedAt', 'must not be in the future');
  if (verdict.reasons.includes('retention_ended')) {
    const { deletionDates } = rt.rules.retention(new Date(body.recordedAt), body.purposes);
    const ended = rt.rules.endedPurposes({ recordedAt: body.recordedAt, deletionDates }, body.purposes, rt.now());
    return new ValidationError('recordedAt', `is past the retention period for ${ended.join(', ')}`);
  }
  // Consent first: footage of a child who was not yet in the group is first of all footage without consent then.
  const outsideGroup = (b: UseBlocker) => b.reasons.includes('not_in_group') || b.reasons.includes('child_not_found');
  const consent = verdict.blockers.filter((b) => !outsideGroup(b));
  if (consent.length > 0) return consentMissing(consent);
  const outside = [...new Set(verdict.blockers.filter(outsideGroup).map((b) => b.childId))];
  return new ConflictError('child_not_in_group', 'Every depicted child must belong to the group', { childIds: outside });
}

/**
 * Staff create a media item and get a pre-signed upload. Steps: a retry with the same client
 * reference returns the same item with a fresh URL; otherwise check the group; ask the gate
 * whether footage recorded then, of these children, for these purposes, may be uploaded now
 * (the recording time, retention, membership of the group when recorded, consent at `recordedAt`
 * and now, no withdrawal since the recording); only then store the pending item, bound to the
 * children as read (a change of one of them meanwhile: ask again).
 */
export async function createUpload(rt: Runtime, principal: Principal, requestId: string, body: CreateMediaBody) {
  const hash = requestHash(body);
  const retry = await existingForRetry(rt, principal, body, hash);
  if (retry) return retry;
  await assertWorksIn(rt, principal, body.groupId);
  const recordedAt = new Date(body.recordedAt);

  return retryOnStale(async () => {
    const depicted = await new DepictedChildren(rt).load(body.childIds);
    const now = rt.now();
    if (recordedAt.getTime() < now.getTime()) await depicted.loadLedgersAt(recordedAt, body.purposes);
    const mediaId = rt.newId();
    const { deletionDates, dueDate } = rt.rules.retention(recordedAt, body.purposes);
    const item: MediaItem = {
      mediaId,
      groupId: body.groupId,
      kind: body.kind,
      contentType: body.contentType,
      declaredSize: body.size,
      recordedAt: recordedAt.toISOString(),
      uploadedBy: principal.userId,
      childIds: body.childIds,
      purposes: body.purposes,
      status: 'pending',
      uploadKey: uploadKey(mediaId),
      clientReference: body.clientReference,
      requestHash: hash,
      deletionDates,
      dueDate,
      createdAt: now.toISOString(),
    };
    const verdict = rt.rules.mayUse({ kind: 'upload', purposes: body.purposes, recordedAt, groupId: body.groupId }, item, depicted.depicted, now);
    if (!verdict.allowed) throw uploadRefusal(rt, body, verdict);

    // No copy of the item's metadata: after a deletion only the tombstone may remain (SPEC §6).
    const audit = auditEntry(rt, callerContext(principal, requestId), 'media.upload_created', { childIds: item.childIds, mediaId });
    const outcome = await rt.media.createPending(item, rt.rules.pendingCleanupDate(now), depicted.binds(body.childIds), audit);
    if (outcome === 'stale') return STALE;
    if (outcome === 'reference_taken') {
      // A concurrent retry with the same reference won the race: answer as that retry would.
      const raced = await existingForRetry(rt, principal, body, hash);
      if (raced) return raced;
      throw new ConflictError('client_reference_reused', 'This client reference is in use');
    }
    logger.info('upload created', { mediaId, groupId: item.groupId, children: item.childIds.length });
    return { status: 201, body: { item: mediaView(item), upload: await rt.store().presignUpload(item.uploadKey, item.contentType, item.declaredSize, now) } };
  }, { exhausted: changedMeanwhile });
}

async function loadForUploader(rt: Runtime, principal: Principal | 'system', mediaId: string): Promise<MediaItem> {
  const item = await rt.media.get(mediaId);
  if (!item) throw mediaNotFound();
  if (principal !== 'system' && principal.role !== 'admin' && item.uploadedBy !== principal.userId) throw mediaNotFound();
  return item;
}

function refusalError(refusal: Refusal): HttpError {
  return new ConflictError(refusal.code, refusal.detail, refusal.blockers ? { blockers: refusal.blockers } : undefined);
}

/** The answer for an item that is no longer pending: available (done, by this call or another), or refused. */
function settledAnswer(item: MediaItem): { item: ReturnType<typeof mediaView> } | undefined {
  if (item.status === 'available') return { item: mediaView(item) };
  if (item.status === 'refused' && item.refusal) throw refusalError(item.refusal);
  return undefined;
}

/**
 * Completes an upload, from the tablet or from the S3 ObjectCreated event; both paths may run,
 * in any order, any number of times, at the same time. Steps: check the stored object against the
 * declaration (size, content type, magic bytes); ask the gate whether every purpose it keeps holds
 * now for every depicted child; remove location data from photos and write the file under the
 * media prefix; mark the item available, bound to the children as read (a change of one of them
 * meanwhile: ask again); drop the upload object. A refusal deletes the object and records why.
 * When another completion got there first (the upload object is gone), its result is the answer.
 */
export async function completeUpload(rt: Runtime, principal: Principal | 'system', mediaId: string, ctx: AuditContext) {
  const item = await loadForUploader(rt, principal, mediaId);
  const early = settledAnswer(item);
  if (early) return early;

  const store = rt.store();
  // The upload object went away under us: a concurrent completion finished (or refused) it.
  const overtaken = async () => {
    const current = await rt.media.get(mediaId);
    const answer = current && settledAnswer(current);
    if (answer) return answer;
    throw new ConflictError('upload_missing', 'Nothing was uploaded for this item yet');
  };
  const stored = await store.head(item.uploadKey);
  if (!stored) return overtaken();

  const subject = { childIds: item.childIds, mediaId };
  const refuse = async (refusal: Refusal): Promise<never> => {
    await store.deleteAll([item.uploadKey]);
    if (!(await rt.media.markRefused(item, refusal, amsterdamDate(rt.now()), auditEntry(rt, ctx, 'media.refused', subject, { code: refusal.code })))) {
      const current = await rt.media.get(mediaId);
      if (current?.status === 'available') throw new ConflictError('already_completed', 'The item was completed meanwhile');
    }
    logger.info('upload refused', { mediaId, code: refusal.code });
    throw refusalError(refusal);
  };

  if (stored.size !== item.declaredSize) {
    return refuse({ code: 'size_mismatch', detail: `The file is ${stored.size} bytes, ${item.declaredSize} were declared` });
  }
  if (stored.contentType !== item.contentType) {
    return refuse({ code: 'content_type_mismatch', detail: `The file was stored as ${stored.contentType ?? 'unknown'}, ${item.contentType} was declared` });
  }
  const bytes = await store.read(item.uploadKey, item.kind === 'photo' ? undefined : SNIFF_BYTES);
  if (!bytes) return overtaken();
  if (sniffContentType(bytes.subarray(0, SNIFF_BYTES)) !== item.contentType) {
    return refuse({ code: 'content_mismatch', detail: `The file is not a ${item.contentType} file` });
  }

  const target = mediaKey(item.mediaId);
  let written: { size: number; locationRemoved: boolean } | undefined;
  let current = item;
  const answer = await retryOnStale(async (attempt) => {
    if (attempt > 1) {
      const fresh = await rt.media.get(mediaId);
      const settled = fresh && settledAnswer(fresh);
      if (settled) return settled;
      if (!fresh) {
        // Removed meanwhile (a withdrawal took its last purpose, or an erasure): the file written must not stay.
        if (written) await store.deleteAll([target]);
        throw mediaNotFound();
      }
      current = fresh;
    }
    const depicted = await new DepictedChildren(rt).load(current.childIds);
    const now = rt.now();
    const verdict = rt.rules.mayUse({ kind: 'complete' }, current, depicted.depicted, now);
    if (!verdict.allowed) {
      if (written) await store.deleteAll([target]);
      return refuse({ code: 'consent_missing', detail: 'Consent no longer holds for every depicted child and purpose', blockers: verdict.blockers });
    }
    if (!written) {
      if (current.kind === 'photo') {
        const stripped = stripLocation(current.contentType as Parameters<typeof stripLocation>[0], bytes);
        await store.put(target, stripped.data, current.contentType);
        written = { size: stored.size, locationRemoved: stripped.removed };
      } else {
        if ((await store.copy(current.uploadKey, target, current.contentType)) === 'missing') return overtaken();
        written = { size: stored.size, locationRemoved: false };
      }
    }
    const update = { objectKey: target, ...written, completedAt: now.toISOString() };
    const outcome = await rt.media.markAvailable(current, update, depicted.binds(current.childIds), auditEntry(rt, ctx, 'media.completed', subject, { locationRemoved: written.locationRemoved }));
    if (outcome !== 'completed') return STALE;
    logger.info('upload completed', { mediaId, locationRemoved: written.locationRemoved });
    return { item: mediaView({ ...current, status: 'available', ...update }) };
  }, { exhausted: changedMeanwhile });
  try {
    await store.deleteAll([item.uploadKey]);
  } catch (err) {
    // The upload prefix expires after a day anyway.
    logger.warn('upload object not removed', { mediaId, error: (err as Error).name });
  }
  return answer;
}

/** Staff of the item's group, and the admin, see its metadata. */
export async function getMedia(rt: Runtime, principal: Principal, mediaId: string) {
  const item = await rt.media.get(mediaId);
  if (!item) throw mediaNotFound();
  if (principal.role === 'staff') {
    const staff = await rt.directory.getStaff(principal.userId);
    if (!staff?.groupIds.includes(item.groupId)) throw mediaNotFound();
  }
  return mediaView(item);
}

/** Staff delete their own item (the admin any item) while it is not published. */
export async function deleteOwnMedia(rt: Runtime, principal: Principal, requestId: string, mediaId: string) {
  const item = await loadForUploader(rt, principal, mediaId);
  if (item.published) {
    throw new ForbiddenError('media_published', 'A published item cannot be deleted');
  }
  await deleteMediaItem(rt, item, 'deleted_by_staff', callerContext(principal, requestId));
  return { status: 204, body: undefined };
}

export { deleteMediaItem };
