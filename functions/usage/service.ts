/**
 * Using footage (SPEC section 4): the parents' feed, the coaching library, download URLs and the
 * publication register. Every decision goes through `usableFor` in the rules module, at the moment
 * of use; every issued URL is recorded as an access.
 */
import { amsterdamDate, nextDay, startOfAmsterdamDay } from '../domain/calendar';
import { evaluateConsent, type ConsentVerdict } from '../domain/consent';
import type { Purpose } from '../domain/purposes';
import { useBlockers, usableFor } from '../domain/use';
import { auditEntry, callerContext, recordIssuedUrls } from '../shared/audit';
import type { Principal } from '../shared/auth';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError } from '../shared/errors';
import { decodeCursorObject, encodeCursorObject } from '../shared/cursor';
import { childFacts, type ChildRecord } from '../shared/repositories/children';
import type { MediaItem } from '../shared/repositories/media';
import type { Runtime } from '../shared/runtime';
import { mergePage, type Positions, type Source } from '../media/listing';
import type { CoachingQuery, PublishBody } from './schema';

const mediaNotFound = () => new NotFoundError('media_not_found', 'No such media item');
type Listed = MediaItem & { sortKey: string };

/** Consent verdicts now for a set of children, read in one BatchGet and cached for the request. */
function verdictCache(rt: Runtime, now: Date) {
  const verdicts = new Map<string, ConsentVerdict | undefined>();
  return {
    async load(childIds: Iterable<string>): Promise<void> {
      const missing = [...new Set(childIds)].filter((id) => !verdicts.has(id));
      if (missing.length === 0) return;
      const children = await rt.children.getMany(missing);
      for (const id of missing) verdicts.set(id, undefined);
      for (const c of children) verdicts.set(c.childId, evaluateConsent(childFacts(c), c.consent, now, rt.config.AGE_POLICY));
    },
    get: (id: string) => verdicts.get(id),
  };
}

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
  const cache = verdictCache(rt, now);
  const today = amsterdamDate(now);
  const page = await mergePage(sources(rt, groupIds, query.from, query.to), start ?? {}, query.limit ?? 20, async (candidates) => {
    // A purpose whose retention ended today is gone even before the sweep drops it.
    const relevant = candidates.filter((c) => c.purposes.includes(purpose) && (c.deletionDates[purpose] ?? '9999') > today);
    await cache.load(relevant.flatMap((c) => c.childIds));
    return relevant.filter((c) => usableFor(purpose, c, cache.get));
  });
  const store = rt.store();
  const items = await Promise.all(
    page.items.map(async (item) => ({ ...present(item), download: await store.presignDownload(item.objectKey ?? '', now) })),
  );
  await recordIssuedUrls(rt, callerContext(principal, requestId), page.items, purpose);
  return { items, ...(page.done ? {} : { cursor: encodeCursorObject(page.positions) }) };
}

/** The groups whose parent-information footage the caller may see: their children's groups. */
async function feedGroups(rt: Runtime, principal: Principal): Promise<{ groupIds: string[]; ownChildren: Set<string> }> {
  if (principal.role === 'child') {
    const child = await rt.children.get(principal.userId);
    if (!child) throw new NotFoundError('child_not_found', 'No such child');
    const verdict = evaluateConsent(childFacts(child), child.consent, rt.now(), rt.config.AGE_POLICY);
    if (verdict.age < 16) throw new ForbiddenError('feed_from_16', 'Children see the feed from the age of 16; their guardians see it before');
    return { groupIds: child.groupIds, ownChildren: new Set([child.childId]) };
  }
  const links = await rt.children.listLinksOfGuardian(principal.userId);
  const withoutGroups = links.filter((l) => !l.groupIds).map((l) => l.childId);
  const fallback: ChildRecord[] = withoutGroups.length ? await rt.children.getMany(withoutGroups) : [];
  const groupIds = new Set([...links.flatMap((l) => l.groupIds ?? []), ...fallback.flatMap((c) => c.groupIds)]);
  return { groupIds: [...groupIds].sort(), ownChildren: new Set(links.map((l) => l.childId)) };
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
 * One short-lived download URL, for a purpose the caller may see the item for and for which every
 * depicted child consents now. The issue is recorded as an access.
 */
export async function downloadUrl(rt: Runtime, principal: Principal, requestId: string, mediaId: string, wanted?: Purpose) {
  const item = await rt.media.get(mediaId);
  if (!item || item.status !== 'available') throw mediaNotFound();
  const allowed = (await purposesFor(rt, principal, item)).filter((p) => item.purposes.includes(p));
  if (allowed.length === 0) throw mediaNotFound();
  const now = rt.now();
  const cache = verdictCache(rt, now);
  await cache.load(item.childIds);
  const candidates = wanted ? allowed.filter((p) => p === wanted) : allowed;
  const purpose = candidates.find((p) => usableFor(p, item, cache.get));
  if (!purpose) {
    if (wanted && !allowed.includes(wanted)) throw new ValidationError('purpose', 'is not a purpose you may see this item for');
    throw new ForbiddenError('consent_missing', 'Consent does not hold for every depicted child');
  }
  const download = await rt.store().presignDownload(item.objectKey ?? '', now);
  await recordIssuedUrls(rt, callerContext(principal, requestId), [item], purpose);
  return { mediaId, purpose, ...download };
}

async function publishability(rt: Runtime, item: MediaItem) {
  const reasons: string[] = [];
  if (item.status !== 'available') reasons.push('not_available');
  if (!item.purposes.includes('publication')) reasons.push('not_recorded_for_publication');
  // SPEC 5: once withdrawn while published, never to a new channel, whatever is granted later.
  if (item.retainedBecausePublished) reasons.push('retained_after_withdrawal');
  const now = rt.now();
  const children = await rt.children.getMany(item.childIds);
  const verdicts = children.map((c) => ({ childId: c.childId, now: evaluateConsent(childFacts(c), c.consent, now, rt.config.AGE_POLICY) }));
  const gone = item.childIds.filter((id) => !children.some((c) => c.childId === id));
  const blockers = [
    ...gone.map((childId) => ({ childId, purpose: 'publication' as const, when: 'now' as const, reasons: ['child_not_found'] })),
    ...useBlockers(verdicts, ['publication']),
  ];
  return { publishable: reasons.length === 0 && blockers.length === 0, reasons, blockers };
}

/** The admin asks "may this item be published?": yes, or why not and which children block it. */
export async function publicationCheck(rt: Runtime, mediaId: string) {
  const item = await rt.media.get(mediaId);
  if (!item) throw mediaNotFound();
  return { mediaId, ...(await publishability(rt, item)) };
}

/**
 * The admin publishes an item to a channel. Allowed only when the item was recorded for
 * publication and every depicted child consents to publication now; recorded and final.
 */
export async function publish(rt: Runtime, principal: Principal, requestId: string, mediaId: string, body: PublishBody) {
  const item = await rt.media.get(mediaId);
  if (!item) throw mediaNotFound();
  const check = await publishability(rt, item);
  if (!check.publishable) {
    throw new ConflictError('not_publishable', 'This item may not be published', { reasons: check.reasons, blockers: check.blockers });
  }
  const now = rt.now();
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
  if (!(await rt.media.publish(publication, item.childIds, audit))) {
    throw new ConflictError('not_publishable', 'The item changed meanwhile and may not be published', { reasons: ['not_available'] });
  }
  return { status: 201, body: publication };
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
