/**
 * Rights of the data subject (SPEC section 7): requests with their four-week due date, the export
 * of everything held about a child, and the register of open requests for the admin. Erasure is
 * in `erasure.ts`.
 */
import { addDays, amsterdamDate } from '../domain/calendar';
import type { ActorRef } from '../domain/consent';
import { auditEntry, callerContext, recordIssuedUrls, type AuditContext } from '../shared/audit';
import type { Principal } from '../shared/auth';
import { exportKey } from '../shared/bucket-layout';
import { consentsOf, familyNameable } from '../shared/child-view';
import { childForCaller } from '../shared/access';
import { DepictedChildren } from '../shared/depicted';
import { ConflictError, ForbiddenError, NotFoundError, ValidationError, childNotFound } from '../shared/errors';
import { DuplicateRequest, answerParts, type IdempotencyClaim } from '../shared/idempotency';
import type { ChildRecord } from '../shared/repositories/children';
import type { ErasedRecord } from '../shared/repositories/erasure';
import type { DataSubjectRequest, RequestType } from '../shared/repositories/requests';
import type { Runtime } from '../shared/runtime';
import { presentExport, type HeldItem, type Withheld } from './export';
import { EXPORT_FORMAT, EXPORT_FORMAT_VERSION } from './export-format';
import type { CreateRequestBody } from './schema';

/** "Verzoeken worden binnen vier weken beantwoord" (the seeds): the due date is four weeks after receipt. */
export const ANSWER_WITHIN_DAYS = 28;

export const requestNotFound = () => new NotFoundError('request_not_found', 'No such request for this child');

export function dueDateOf(receivedAt: string): string {
  return addDays(amsterdamDate(new Date(receivedAt)), ANSWER_WITHIN_DAYS);
}

/** A request as the API shows it: with whether it is overdue today (where its export files are is internal). */
export function requestView(rt: Pick<Runtime, 'now'>, r: DataSubjectRequest) {
  const { exportKeys: _internal, ...shown } = r;
  return { ...shown, overdue: r.status === 'open' && amsterdamDate(rt.now()) > r.dueDate };
}

/** Whom a family may see named about its child: the child and every guardian it ever had. */
const familyOf = (child: ChildRecord) => familyNameable(child.childId, child.history.guardians.map((g) => g.guardianId), []);

/**
 * A request as a family reads it: who asked, fulfilled or declined it by role only when it is
 * not one of the family (the admin who answered is "admin", as in the export).
 */
export function requestForFamily(view: ReturnType<typeof requestView>, nameable: (userId: string, role: string) => boolean) {
  const { fulfilledBy, declinedBy, requestedBy, ...rest } = view;
  return {
    ...rest,
    requestedBy: nameable(requestedBy.userId, requestedBy.role) ? requestedBy : { role: requestedBy.role },
    ...(fulfilledBy && nameable(fulfilledBy, 'admin') ? { fulfilledBy } : {}),
    ...(declinedBy && nameable(declinedBy, 'admin') ? { declinedBy } : {}),
  };
}

export interface Subject {
  childId: string;
  child?: ChildRecord;
  erased?: ErasedRecord;
}

/**
 * Who may exercise a child's rights: a guardian with parental authority, the child itself from 16,
 * and the admin (who also reaches what is left of an erased child). Anyone else who may not know
 * the child gets 404.
 */
export async function subjectForCaller(rt: Runtime, principal: Principal, childId: string): Promise<Subject> {
  if (principal.role === 'admin') {
    const child = await rt.children.get(childId);
    if (child) return { childId, child };
    const erased = await rt.erasure.erased(childId);
    if (erased) return { childId, erased };
    throw childNotFound();
  }
  const child = await childForCaller(rt, principal, childId, 'read');
  const actor: ActorRef = principal.role === 'child' ? { kind: 'child' } : { kind: 'guardian', guardianId: principal.userId };
  const may = rt.rules.mayExerciseRights(child, actor, rt.now());
  if (!may.allowed) {
    switch (may.refusal) {
      case 'not_linked':
        throw childNotFound();
      case 'no_parental_authority':
        throw new ForbiddenError('no_parental_authority', 'Only a guardian with parental authority can exercise the child\'s rights');
      case 'rights_with_child':
        throw new ForbiddenError('rights_with_child', 'From the age of 16 the child exercises these rights itself; its guardians no longer do');
      case 'rights_from_16':
        throw new ForbiddenError('rights_from_16', 'Children exercise these rights themselves from the age of 16; their guardians do before');
    }
  }
  return { childId, child };
}

/** A new open request, received now (or when the admin says it was); recorded by the admin unless asked in the app. */
export function newRequest(rt: Runtime, ctx: AuditContext, childId: string, type: RequestType, receivedAt?: string): DataSubjectRequest {
  const now = rt.now().toISOString();
  const received = receivedAt ? new Date(receivedAt).toISOString() : now;
  return {
    requestId: rt.newId(),
    childId,
    type,
    status: 'open',
    receivedAt: received,
    recordedAt: now,
    requestedBy: { userId: ctx.userId, role: ctx.role },
    channel: ctx.role === 'admin' ? 'recorded_by_admin' : 'app',
    dueDate: dueDateOf(received),
  };
}

/**
 * A guardian with authority, the child from 16 or the admin records an access or erasure request.
 * An open request of the same type is answered instead of adding another. The admin may give when
 * a letter or call was received (`receivedAt`): the four weeks count from then.
 */
export async function createRequest(rt: Runtime, principal: Principal, requestId: string, childId: string, body: CreateRequestBody, claim?: IdempotencyClaim) {
  if (body.receivedAt && principal.role !== 'admin') throw new ValidationError('receivedAt', 'can only be given by the admin');
  if (body.receivedAt && Date.parse(body.receivedAt) > rt.now().getTime()) throw new ValidationError('receivedAt', 'must not be in the future');
  const subject = await subjectForCaller(rt, principal, childId);
  if (!subject.child) throw new ConflictError('child_erased', 'The child was erased; what is kept can be exported by the admin');
  if (body.receivedAt && amsterdamDate(new Date(body.receivedAt)) < subject.child.birthDate) throw new ValidationError('receivedAt', 'must not be before the child was born');
  const ctx = callerContext(principal, requestId);
  const nameable = familyOf(subject.child);
  const shown = (r: DataSubjectRequest) => (principal.role === 'admin' ? requestView(rt, r) : requestForFamily(requestView(rt, r), nameable));
  const open = (await rt.requests.ofChild(childId)).find((r) => r.status === 'open' && r.type === body.type);
  if (open) return { status: 200, body: shown(open) };
  const request = newRequest(rt, ctx, childId, body.type, body.receivedAt);
  const answer = { status: 201, body: shown(request) };
  const created = await rt.requests.create(request, auditEntry(rt, ctx, 'request.created', { childIds: [childId] }, { requestId: request.requestId, type: request.type }), answerParts(rt.config.TABLE_NAME, claim, answer, rt.now()));
  if (created === 'duplicate') throw new DuplicateRequest();
  if (created === 'open_exists') {
    // Asked at the same moment by someone else (or twice): that request is the answer.
    const raced = (await rt.requests.ofChild(childId)).find((r) => r.status === 'open' && r.type === body.type);
    if (raced) return { status: 200, body: shown(raced) };
    throw new ConflictError('concurrent_update', 'Another request was recorded at the same time; retry');
  }
  return answer;
}

/** The requests about a child, oldest first; a family sees the organisation's people by role only. */
export async function childRequests(rt: Runtime, principal: Principal, childId: string) {
  const subject = await subjectForCaller(rt, principal, childId);
  const views = (await rt.requests.ofChild(childId)).map((r) => requestView(rt, r));
  if (principal.role === 'admin' || !subject.child) return { childId, requests: views };
  const nameable = familyOf(subject.child);
  return { childId, requests: views.map((v) => requestForFamily(v, nameable)) };
}

/** The admin's register: open requests of every child, soonest due first. */
export async function openRequests(rt: Runtime, query: { cursor?: string | undefined; limit?: number | undefined }) {
  const page = await rt.requests.open(query.cursor, query.limit ?? 50);
  return { requests: page.requests.map((r) => requestView(rt, r)), ...(page.cursor ? { cursor: page.cursor } : {}) };
}

/** The admin declines an open request, with the reason the requester is told. */
export async function declineRequest(rt: Runtime, principal: Principal, requestId: string, childId: string, id: string, reason: string) {
  const request = await rt.requests.get(childId, id);
  if (!request) throw requestNotFound();
  if (request.status !== 'open') throw new ConflictError('request_closed', `The request was ${request.status} already`);
  const ctx = callerContext(principal, requestId);
  const now = rt.now().toISOString();
  const audit = auditEntry(rt, ctx, 'request.declined', { childIds: [childId] }, { requestId: id, type: request.type });
  if (!(await rt.requests.decline(request, now, principal.userId, reason, audit))) throw new ConflictError('request_closed', 'The request was closed meanwhile');
  return requestView(rt, { ...request, status: 'declined', declinedAt: now, declinedBy: principal.userId, declineReason: reason });
}

/**
 * The open request of `type` an answer fulfils: the one named; else the caller's own oldest open
 * one (the admin's: anyone's, as the admin answers for the organisation); else none, and a new
 * one is recorded. Someone else's request is answered only when named.
 */
export async function requestToAnswer(rt: Runtime, childId: string, type: RequestType, named?: string, by?: Principal): Promise<DataSubjectRequest | undefined> {
  if (named) {
    const request = await rt.requests.get(childId, named);
    if (!request) throw requestNotFound();
    if (request.type !== type) throw new ConflictError('request_wrong_type', `The request is an ${request.type} request`);
    if (request.status !== 'open') throw new ConflictError('request_closed', `The request was ${request.status} already`);
    return request;
  }
  return (await rt.requests.ofChild(childId)).find(
    (r) => r.status === 'open' && r.type === type && (!by || by.role === 'admin' || r.requestedBy.userId === by.userId),
  );
}

/** Why a family does not get a file, as the export says it. */
function withheldAs(reasons: readonly string[]): Withheld {
  if (reasons.includes('blocked_by_organisation')) return 'blocked_by_organisation';
  if (reasons.includes('depicts_other_children')) return 'depicts_other_children';
  return 'not_available';
}

/** Everything the table holds about the child, gathered for an export. */
async function gather(rt: Runtime, subject: Subject) {
  const { childId } = subject;
  const { ids } = await rt.media.idsDepicting(childId);
  const live = ids.filter((d) => !d.deleted).map((d) => d.mediaId);
  const deleted = ids.filter((d) => d.deleted).map((d) => d.mediaId);
  const [ledger, items, tombstones, trail, requests] = await Promise.all([
    rt.ledger.all(childId),
    rt.media.getMany(live),
    rt.media.tombstones(deleted),
    rt.audit.fullTrail({ kind: 'child', childId }),
    rt.requests.ofChild(childId),
  ]);
  const held: HeldItem[] = await Promise.all(
    items
      .sort((a, b) => (a.recordedAt < b.recordedAt ? -1 : a.recordedAt > b.recordedAt ? 1 : 0))
      .map(async (item) => ({
        item,
        publications: item.published ? await rt.media.publications(item.mediaId) : [],
        takedowns: item.published ? await rt.media.takedownsOf(item.mediaId) : [],
      })),
  );
  return { ledger, held, tombstones: tombstones.filter((t) => t.childIds.includes(childId)), audit: trail.entries.reverse(), requests };
}

/**
 * Exports everything held about a child as one JSON document (format version 1), and answers the
 * access request. Steps: check who asks; find the open access request it answers (or record a new
 * one); gather the records; decide per item whether the audience gets its file; record the issue of
 * those download URLs in the audit trail before any is handed out; store the document under
 * `exports/` (expired after a day); close the request with its audit entry; answer with a
 * short-lived URL of the document.
 */
export async function exportChild(rt: Runtime, principal: Principal, requestId: string, childId: string, body: { requestId?: string | undefined }, claim?: IdempotencyClaim) {
  const subject = await subjectForCaller(rt, principal, childId);
  const ctx = callerContext(principal, requestId);
  const existing = await requestToAnswer(rt, childId, 'access', body.requestId, principal);
  const request = existing ?? newRequest(rt, ctx, childId, 'access');
  const now = rt.now();
  const data = await gather(rt, subject);

  // Whether the audience gets each file is the gate's answer for a copy in an export.
  const depicted = await new DepictedChildren(rt).load(data.held.flatMap((h) => h.item.childIds));
  const use = { kind: 'copy' as const, subjectId: childId, audience: principal.role === 'admin' ? ('admin' as const) : ('family' as const) };
  const withheld = new Map<string, Withheld>();
  const given = data.held.filter(({ item }) => {
    const verdict = rt.rules.mayUse(use, item, depicted.depicted, now);
    if (!verdict.allowed) withheld.set(item.mediaId, withheldAs(verdict.reasons));
    return verdict.allowed;
  });
  const store = rt.store();
  const downloads = new Map(await Promise.all(given.map(async ({ item }) => [item.mediaId, await store.presignDownload(item.objectKey ?? '', now)] as const)));
  await recordIssuedUrls(rt, ctx, given.map((h) => h.item), 'access_request');

  // The document names the request it answers, as answered (the record is written last).
  const fulfilled = { status: 'fulfilled' as const, at: now.toISOString(), by: principal.userId };
  const answered: DataSubjectRequest = { ...request, status: 'fulfilled', fulfilledAt: fulfilled.at, fulfilledBy: fulfilled.by };
  const requests = [...data.requests.filter((r) => r.requestId !== request.requestId), answered];
  const document = presentExport(
    {
      childId,
      exportedAt: now.toISOString(),
      exportedBy: { userId: principal.userId, role: principal.role === 'admin' ? 'admin' : principal.role === 'child' ? 'child' : 'guardian' },
      requestId: request.requestId,
      ...(subject.child ? { child: subject.child, consentsNow: consentsOf(rt, subject.child, principal, now) } : {}),
      ...(subject.erased ? { erased: subject.erased } : {}),
      ledger: data.ledger,
      items: data.held,
      tombstones: data.tombstones,
      audit: data.audit,
      requests,
    },
    withheld,
    downloads,
  );
  // Every export its own object: two exports answering one request never share a file.
  const key = exportKey(rt.newId());
  const bytes = new TextEncoder().encode(JSON.stringify(document, null, 2));
  await store.put(key, bytes, 'application/json');
  const link = await store.presignDownload(key, now, `export-${childId}-${amsterdamDate(now)}.json`);

  const audit = auditEntry(rt, ctx, 'child.exported', { childIds: [childId] }, { requestId: request.requestId, items: document.media.length, downloads: downloads.size });
  const view = requestView(rt, answered);
  const answer = {
    status: 201,
    body: {
      request: principal.role === 'admin' || !subject.child ? view : requestForFamily(view, familyOf(subject.child)),
      export: { ...link, format: EXPORT_FORMAT, formatVersion: EXPORT_FORMAT_VERSION, size: bytes.length, items: document.media.length, downloads: downloads.size },
    },
  };
  const remember = answerParts(rt.config.TABLE_NAME, claim, answer, now);
  const outcome = existing
    ? await rt.requests.fulfil(existing, { ...fulfilled, exportKey: key }, audit, remember)
    : await rt.requests.create({ ...answered, exportKeys: [key] }, audit, remember);
  if (outcome !== 'created' && outcome !== 'fulfilled') {
    // Another export answered it first (or the same request, retried): this document is never handed out.
    await store.deleteAll([key]);
    if (outcome === 'duplicate') throw new DuplicateRequest();
    throw new ConflictError('request_closed', 'The request was closed meanwhile');
  }
  return answer;
}
