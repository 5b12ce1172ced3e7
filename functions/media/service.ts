/**
 * Staff tablets: the consent roster of a group, and the upload pipeline that never stores footage
 * without consent. Every consent question goes to the rules in `functions/domain`.
 */
import { createHash } from 'node:crypto';
import { amsterdamDate } from '../domain/calendar';
import { evaluateConsent, evaluateConsentAt, projectionSettledAt, type ConsentVerdict } from '../domain/consent';
import type { Purpose } from '../domain/purposes';
import { deletionDates, dueDate, expiredPurposes } from '../domain/retention';
import { useBlockers, type DepictedChildConsent, type UseBlocker } from '../domain/use';
import type { Principal } from '../shared/auth';
import { uploadKey, mediaKey } from '../shared/bucket-layout';
import { auditEntry, callerContext, type AuditContext } from '../shared/audit';
import { deleteMediaItem } from '../shared/media-deletion';
import { ConflictError, ForbiddenError, HttpError, NotFoundError, ValidationError } from '../shared/errors';
import { logger } from '../shared/logger';
import { childFacts, type ChildRecord } from '../shared/repositories/children';
import type { MediaItem, Refusal } from '../shared/repositories/media';
import type { Runtime } from '../shared/runtime';
import { stripLocation } from './metadata';
import { SNIFF_BYTES, sniffContentType } from './sniff';
import type { CreateMediaBody } from './schema';

/** Tablet clocks drift; a recording a few minutes "in the future" is not an error. */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

const mediaNotFound = () => new NotFoundError('media_not_found', 'No such media item');
const groupNotFound = () => new NotFoundError('group_not_found', 'No such group');

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
        const verdict = evaluateConsent(childFacts(child), child.consent, now, rt.config.AGE_POLICY);
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

/** Consent of a child at a past instant: from the projection when nothing was decided since, else from the ledger. */
async function consentAt(rt: Runtime, child: ChildRecord, purposes: readonly Purpose[], at: Date): Promise<ConsentVerdict> {
  const facts = childFacts(child);
  if (projectionSettledAt(child.consent, purposes, at)) return evaluateConsent(facts, child.consent, at, rt.config.AGE_POLICY);
  return evaluateConsentAt(facts, await rt.ledger.until(child.childId, at), at, rt.config.AGE_POLICY);
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

/**
 * Staff create a media item and get a pre-signed upload. Steps: a retry with the same client
 * reference returns the same item with a fresh URL; otherwise check the group, the recording time
 * and retention, that every child is in the group, and consent of every child for every purpose
 * at `recordedAt` and now; only then store the pending item.
 */
export async function createUpload(rt: Runtime, principal: Principal, requestId: string, body: CreateMediaBody) {
  const hash = requestHash(body);
  const retry = await existingForRetry(rt, principal, body, hash);
  if (retry) return retry;

  await assertWorksIn(rt, principal, body.groupId);
  const now = rt.now();
  const recordedAt = new Date(body.recordedAt);
  if (recordedAt.getTime() > now.getTime() + CLOCK_SKEW_MS) throw new ValidationError('recordedAt', 'must not be in the future');
  const dates = deletionDates(recordedAt, body.purposes, rt.config.RETENTION_YEARS);
  const expired = expiredPurposes(dates, now);
  if (expired.length > 0) throw new ValidationError('recordedAt', `is past the retention period for ${expired.join(', ')}`);

  const children = await rt.children.getMany(body.childIds);
  const outside = body.childIds.filter((id) => !children.some((c) => c.childId === id && c.groupIds.includes(body.groupId)));
  if (outside.length > 0) {
    throw new ConflictError('child_not_in_group', 'Every depicted child must belong to the group', { childIds: outside });
  }
  const consents: DepictedChildConsent[] = [];
  for (const child of children) {
    consents.push({
      childId: child.childId,
      now: evaluateConsent(childFacts(child), child.consent, now, rt.config.AGE_POLICY),
      atRecording: await consentAt(rt, child, body.purposes, recordedAt),
    });
  }
  const blockers = useBlockers(consents, body.purposes);
  if (blockers.length > 0) throw consentMissing(blockers);

  const mediaId = rt.newId();
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
    deletionDates: dates,
    dueDate: dueDate(dates),
    createdAt: now.toISOString(),
  };
  // No copy of the item's metadata: after a deletion only the tombstone may remain (SPEC §6).
  const audit = auditEntry(rt, callerContext(principal, requestId), 'media.upload_created', { childIds: item.childIds, mediaId });
  if (!(await rt.media.createPending(item, pendingCleanupDate(now), audit))) {
    // A concurrent retry with the same reference won the race: answer as that retry would.
    const raced = await existingForRetry(rt, principal, body, hash);
    if (raced) return raced;
    throw new ConflictError('client_reference_reused', 'This client reference is in use');
  }
  logger.info('upload created', { mediaId, groupId: item.groupId, children: item.childIds.length });
  return { status: 201, body: { item: mediaView(item), upload: await rt.store().presignUpload(item.uploadKey, item.contentType, item.declaredSize, now) } };
}

/** A pending item is cleaned up from the day after it was created (SPEC: within a day). */
export function pendingCleanupDate(now: Date): string {
  return amsterdamDate(new Date(now.getTime() + 24 * 60 * 60 * 1000));
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

/**
 * Completes an upload, from the tablet or from the S3 ObjectCreated event; both paths may run,
 * in any order, any number of times. Steps: check the stored object against the declaration
 * (size, content type, magic bytes) and consent now; remove location data from photos; move the
 * file under the media prefix; mark the item available; drop the upload object. A refusal deletes
 * the object and records why.
 */
export async function completeUpload(rt: Runtime, principal: Principal | 'system', mediaId: string, ctx: AuditContext) {
  const item = await loadForUploader(rt, principal, mediaId);
  if (item.status === 'available') return { item: mediaView(item) };
  if (item.status === 'refused' && item.refusal) throw refusalError(item.refusal);

  const store = rt.store();
  const stored = await store.head(item.uploadKey);
  if (!stored) throw new ConflictError('upload_missing', 'Nothing was uploaded for this item yet');

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
  if (sniffContentType(bytes.subarray(0, SNIFF_BYTES)) !== item.contentType) {
    return refuse({ code: 'content_mismatch', detail: `The file is not a ${item.contentType} file` });
  }

  const now = rt.now();
  const children = await rt.children.getMany(item.childIds);
  const gone = item.childIds.filter((id) => !children.some((c) => c.childId === id));
  const blockers: UseBlocker[] = [
    ...gone.flatMap((childId) => item.purposes.map((purpose) => ({ childId, purpose, when: 'now' as const, reasons: [] }))),
    ...useBlockers(
      children.map((c) => ({ childId: c.childId, now: evaluateConsent(childFacts(c), c.consent, now, rt.config.AGE_POLICY) })),
      item.purposes,
    ),
  ];
  if (blockers.length > 0) {
    return refuse({ code: 'consent_missing', detail: 'Consent no longer holds for every depicted child and purpose', blockers });
  }

  const target = mediaKey(item.mediaId);
  let locationRemoved = false;
  if (item.kind === 'photo') {
    const stripped = stripLocation(item.contentType as Parameters<typeof stripLocation>[0], bytes);
    locationRemoved = stripped.removed;
    await store.put(target, stripped.data, item.contentType);
  } else {
    await store.copy(item.uploadKey, target, item.contentType);
  }
  const completed = await rt.media.markAvailable(
    item,
    { objectKey: target, size: stored.size, locationRemoved, completedAt: now.toISOString() },
    auditEntry(rt, ctx, 'media.completed', subject, { locationRemoved }),
  );
  try {
    await store.deleteAll([item.uploadKey]);
  } catch (err) {
    // The upload prefix expires after a day anyway.
    logger.warn('upload object not removed', { mediaId, error: (err as Error).name });
  }
  const current = completed ? undefined : await rt.media.get(mediaId);
  if (!completed && current?.status !== 'available') {
    // Lost a race (a withdrawal refused or removed the item meanwhile, or a depicted child's
    // erasure started): the file written above must not stay.
    await store.deleteAll([target]);
    if (current?.status === 'pending') {
      return refuse({ code: 'consent_missing', detail: 'Consent no longer holds for every depicted child and purpose' });
    }
    if (current?.refusal) throw refusalError(current.refusal);
    throw mediaNotFound();
  }
  logger.info('upload completed', { mediaId, locationRemoved });
  return { item: mediaView(current ?? { ...item, status: 'available', objectKey: target, size: stored.size, locationRemoved, completedAt: now.toISOString() }) };
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

/**
 * Removes uploads that never completed (pending since before yesterday) and refused items:
 * the clean-up the sweep calls. Reads only the due index up to today.
 */
export { deleteMediaItem };

export async function cleanUpIncompleteUploads(rt: Runtime, ctx: AuditContext): Promise<{ removed: string[] }> {
  const now = rt.now();
  const cutoff = now.getTime() - 24 * 60 * 60 * 1000;
  const removed: string[] = [];
  for await (const item of rt.media.dueUpTo(amsterdamDate(now))) {
    const stale = item.status === 'pending' && Date.parse(item.createdAt) <= cutoff;
    if (stale || item.status === 'refused') {
      await deleteMediaItem(rt, item, 'incomplete_upload', ctx);
      removed.push(item.mediaId);
    }
  }
  return { removed };
}
