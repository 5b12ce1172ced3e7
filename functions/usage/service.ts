/**
 * Using footage (SPEC section 4): the parents' feed, the coaching library, download URLs and the
 * publication register. Every use is decided by the gate in the rules module, at the moment of
 * use; every issued URL is recorded as an access; a publication is bound to the depicted children
 * as they were read when it was checked.
 */
import { nextDay, startOfAmsterdamDay } from '../domain/calendar';
import type { Purpose } from '../domain/purposes';
import { callerContext, auditEntry, recordIssuedUrls } from '../shared/audit';
import type { Principal } from '../shared/auth';
import { DepictedChildren } from '../shared/depicted';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../shared/errors';
import { decodeCursorObject, encodeCursorObject } from '../shared/cursor';
import { DuplicateRequest, answerParts, type IdempotencyClaim } from '../shared/idempotency';
import type { MediaItem } from '../shared/repositories/media';
import { STALE, retryOnStale } from '../shared/retry';
import type { Runtime } from '../shared/runtime';
import { mergePage, type Positions, type Source } from '../media/listing';
import type { CoachingQuery, PublishBody } from './schema';

const mediaNotFound = () => new NotFoundError('media_not_found', 'No such media item');
type Listed = MediaItem & { sortKey: string };

function sources(rt: Runtime, groupIds: readonly string[], from?: string, to?: string): Source<Listed>[] {
  return groupIds.map((groupId) => ({
    id: groupId,
    fetch: async (before, limit) => {
      // Sort keys are `<recordedAt>#<id>`: an instant as bound excludes items recorded at or after it.
      const upper = before ?? to;
      const page = await rt.media.groupPage(groupId, { ...(upper ? { before: upper } : {}), ...(from ? { from } : {}), limit });
      return { items: page.items.map((i) => ({ ...i, sortKey: `${i.recordedAt}#${i.mediaId}` })), more: page.more };
    },
  }));
}

/**
 * A page of a purpose's listing over groups: newest first, only items usable for the purpose
 * now, each with a short-lived download URL; the issue of the URLs is recorded as one access.
 */
async function usablePage(
  rt: Runtime,
  principal: Principal,
  requestId: string,
  purpose: Purpose,
  groupIds: readonly string[],
  query: { cursor?: string | undefined; limit?: number | undefined; from?: string; to?: string },
  present: (item: MediaItem) => Record<string, unknown>,
) {
  const now = rt.now();
  const start = decodeCursorObject(query.cursor, (v): v is Positions =>
    typeof v === 'object' && v !== null && Object.entries(v).every(([k, p]) => groupIds.includes(k) && (p === null || typeof p === 'string')),
  );
  const depicted = new DepictedChildren(rt);
  const page = await mergePage(sources(rt, groupIds, query.from, query.to), start ?? {}, query.limit ?? 20, async (candidates) => {
    const recorded = candidates.filter((c) => c.purposes.includes(purpose));
    await depicted.load(recorded.flatMap((c) => c.childIds));
    return recorded.filter((c) => rt.rules.mayUse({ kind: 'view', purpose }, c, depicted.depicted, now).allowed);
  });
  const store = rt.store();
  const items = await Promise.all(
    page.items.map(async (item) => ({ ...present(item), download: await store.presignDownload(item.objectKey ?? '', now) })),
  );
  await recordIssuedUrls(rt, callerContext(principal, requestId), page.items, purpose);
  return { items, ...(page.done ? {} : { cursor: encodeCursorObject(page.positions) }) };
}

/**
 * The groups whose parent-information footage the caller may see now: the groups of their
 * children that still belong to the organisation (a child of 16 or more: its own).
 */
async function feedGroups(rt: Runtime, principal: Principal): Promise<{ groupIds: string[]; ownChildren: Set<string> }> {
  const now = rt.now();
  if (principal.role === 'child') {
    const child = await rt.children.get(principal.userId);
    if (!child || child.erasure) throw new NotFoundError('child_not_found', 'No such child');
    if (!rt.rules.actsAlone(child, now)) throw new ForbiddenError('feed_from_16', 'Children see the feed from the age of 16; their guardians see it before');
    return { groupIds: rt.rules.familyGroups([{ groupIds: child.groupIds, enrolment: child.history.enrolment }], now), ownChildren: new Set([child.childId]) };
  }
  const links = await rt.children.listLinksOfGuardian(principal.userId);
  // A link written before links carried the child's groups and enrolment end is read through the child.
  const current = links.filter((l) => l.groupIds && l.carriesFacts);
  const older = links.filter((l) => !current.includes(l)).map((l) => l.childId);
  const fallback = older.length ? await rt.children.getMany(older) : [];
  const groupIds = rt.rules.familyGroups(
    [
      ...current.map((l) => ({ groupIds: l.groupIds ?? [], ...(l.enrolment ? { enrolment: l.enrolment } : {}) })),
      ...fallback.filter((c) => !c.erasure && c.guardians[principal.userId]).map((c) => ({ groupIds: c.groupIds, enrolment: c.history.enrolment })),
    ],
    now,
  );
  return { groupIds, ownChildren: new Set(links.map((l) => l.childId)) };
}

/** Guardian (and child of 16+): the available parent-information items of their children's groups. */
export async function parentFeed(rt: Runtime, principal: Principal, requestId: string, query: { cursor?: string; limit?: number }) {
  const { groupIds, ownChildren } = await feedGroups(rt, principal);
  return usablePage(rt, principal, requestId, 'parent_information', groupIds, query, (item) => ({
    mediaId: item.mediaId,
    groupId: item.groupId,
    kind: item.kind,
    contentType: item.contentType,
    recordedAt: item.recordedAt,
    // Other families' children stay anonymous: only the caller's own children are named.
    myChildrenDepicted: item.childIds.filter((id) => ownChildren.has(id)),
  }));
}

/** Staff: coaching footage of the groups they work in (admin: every group), by group and period. */
export async function coachingLibrary(rt: Runtime, principal: Principal, requestId: string, query: CoachingQuery) {
  let groupIds: string[];
  if (principal.role === 'admin') {
    groupIds = query.groupId ? [query.groupId] : (await rt.directory.listGroups()).map((g) => g.groupId);
  } else {
    const staff = await rt.directory.getStaff(principal.userId);
    const mine = staff?.groupIds ?? [];
    if (query.groupId && !mine.includes(query.groupId)) throw new NotFoundError('group_not_found', 'No such group');
    groupIds = query.groupId ? [query.groupId] : mine;
  }
  // A period is Amsterdam calendar days, from the first day's midnight to the midnight after the last.
  const range = {
    ...(query.from ? { from: startOfAmsterdamDay(query.from).toISOString() } : {}),
    ...(query.to ? { to: startOfAmsterdamDay(nextDay(query.to)).toISOString() } : {}),
  };
  return usablePage(rt, principal, requestId, 'coaching_video', groupIds, { ...query, ...range }, pick);
}

function pick(item: MediaItem) {
  return {
    mediaId: item.mediaId,
    groupId: item.groupId,
    kind: item.kind,
    contentType: item.contentType,
    recordedAt: item.recordedAt,
    uploadedBy: item.uploadedBy,
    childIds: item.childIds,
    purposes: item.purposes,
  };
}

/** Which purposes let this caller see this item, before consent is considered. */
async function purposesFor(rt: Runtime, principal: Principal, item: MediaItem): Promise<Purpose[]> {
  switch (principal.role) {
    case 'admin':
      return ['parent_information', 'coaching_video', 'publication'];
    case 'staff': {
      const staff = await rt.directory.getStaff(principal.userId);
      return staff?.groupIds.includes(item.groupId) ? ['coaching_video'] : [];
    }
    case 'guardian':
    case 'child': {
      const { groupIds } = await feedGroups(rt, principal).catch(() => ({ groupIds: [] as string[] }));
      return groupIds.includes(item.groupId) ? ['parent_information'] : [];
    }
  }
}

/**
 * One short-lived download URL, for a purpose the caller may see the item for and for which the
 * gate allows the use now. The issue is recorded as an access.
 */
export async function downloadUrl(rt: Runtime, principal: Principal, requestId: string, mediaId: string, wanted?: Purpose) {
  const item = await rt.media.get(mediaId);
  if (!item || item.status !== 'available') throw mediaNotFound();
  const allowed = (await purposesFor(rt, principal, item)).filter((p) => item.purposes.includes(p));
  if (allowed.length === 0) throw mediaNotFound();
  const depicted = await new DepictedChildren(rt).load(item.childIds);
  const now = rt.now();
  if (wanted && !allowed.includes(wanted)) throw new ValidationError('purpose', 'is not a purpose you may see this item for');
  const candidates = wanted ? [wanted] : allowed;
  const verdicts = candidates.map((p) => ({ purpose: p, verdict: rt.rules.mayUse({ kind: 'view', purpose: p }, item, depicted.depicted, now) }));
  const purpose = verdicts.find((v) => v.verdict.allowed)?.purpose;
  if (!purpose) {
    // Past its retention for every purpose the caller has: the item is gone, whether or not the sweep has run.
    if (verdicts.every((v) => !v.verdict.allowed && v.verdict.reasons.includes('retention_ended'))) throw mediaNotFound();
    throw new ForbiddenError('consent_missing', 'Consent does not hold for every depicted child');
  }
  const download = await rt.store().presignDownload(item.objectKey ?? '', now);
  await recordIssuedUrls(rt, callerContext(principal, requestId), [item], purpose);
  return { mediaId, purpose, ...download };
}

/**
 * The publication check of an item as read, with the children it was checked against and the
 * instant it was checked at (taken after they were read: a publication is recorded at it).
 */
async function publishability(rt: Runtime, item: MediaItem) {
  const depicted = await new DepictedChildren(rt).load(item.childIds);
  const at = rt.now();
  const verdict = rt.rules.mayUse({ kind: 'publish' }, item, depicted.depicted, at);
  return {
    at,
    depicted,
    check: verdict.allowed ? { publishable: true, reasons: [], blockers: [] } : { publishable: false, reasons: verdict.reasons, blockers: verdict.blockers },
  };
}

/** The admin asks "may this item be published?": yes, or why not and which children block it. */
export async function publicationCheck(rt: Runtime, mediaId: string) {
  const item = await rt.media.get(mediaId);
  if (!item) throw mediaNotFound();
  return { mediaId, ...(await publishability(rt, item)).check };
}

/**
 * The admin publishes an item to a channel. Allowed only when the gate allows publishing now; the
 * publication is recorded in one transaction bound to the item and every depicted child as they
 * were checked, so that it is never recorded after a withdrawal or a change of facts that forbids
 * it (a change meanwhile: check again). Final.
 */
export async function publish(rt: Runtime, principal: Principal, requestId: string, mediaId: string, body: PublishBody, claim?: IdempotencyClaim) {
  const channel = rt.rules.channels.find(body.channel);
  if (!channel) throw new ValidationError('channel', `must be one of ${rt.rules.channels.all.map((c) => c.id).join(', ')}`);
  return retryOnStale(async () => {
    const item = await rt.media.get(mediaId);
    if (!item) throw mediaNotFound();
    const { at: now, depicted, check } = await publishability(rt, item);
    if (!check.publishable) {
      throw new ConflictError('not_publishable', 'This item may not be published', { reasons: check.reasons, blockers: check.blockers });
    }
    const publication = {
      publicationId: rt.newId(),
      mediaId,
      channel: body.channel,
      reference: body.reference,
      publishedAt: now.toISOString(),
      publishedBy: principal.userId,
    };
    const audit = auditEntry(rt, callerContext(principal, requestId), 'media.published', { childIds: item.childIds, mediaId }, {
      publicationId: publication.publicationId,
      channel: publication.channel,
    });
    const answer = { status: 201, body: publication };
    const outcome = await rt.media.publish(publication, item, depicted.binds(item.childIds), audit, answerParts(rt.config.TABLE_NAME, claim, answer, now));
    if (outcome === 'duplicate') throw new DuplicateRequest();
    return outcome === 'published' ? answer : STALE;
  }, { exhausted: () => new ConflictError('concurrent_update', 'The item or a depicted child changed at the same time; retry') });
}

export async function listPublications(rt: Runtime, mediaId: string) {
  const item = await rt.media.get(mediaId);
  if (!item) throw mediaNotFound();
  return { mediaId, publications: await rt.media.publications(mediaId) };
}

/** The admin's open takedown tasks, soonest due first. */
export async function listTakedowns(rt: Runtime) {
  const tasks = await rt.media.openTakedowns();
  return { takedowns: tasks.sort((a, b) => (a.dueDate < b.dueDate ? -1 : a.dueDate > b.dueDate ? 1 : 0)) };
}

/** The admin marks a live publication taken down. */
export async function completeTakedown(rt: Runtime, principal: Principal, requestId: string, mediaId: string, publicationId: string) {
  const task = await rt.media.getTakedown(mediaId, publicationId);
  const audit = auditEntry(rt, callerContext(principal, requestId), 'media.takedown_done', { childIds: task ? [task.childId] : [], mediaId }, { publicationId });
  if (!task || task.doneAt || !(await rt.media.completeTakedown(mediaId, publicationId, principal.userId, rt.now().toISOString(), audit))) {
    throw new NotFoundError('takedown_not_found', 'No open takedown task for this publication');
  }
  return { mediaId, publicationId, done: true };
}
