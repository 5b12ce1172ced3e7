/**
 * Administration: children, groups, guardians and their authority, staff and their groups.
 * Only the admin changes these; staff read their own groups. Every change of a child's facts
 * (guardian links and authority, the safeguarding flag, groups, enrolment) is added to the child's
 * history with the instant it is recorded at, in one write conditional on the child as read.
 */
import { amsterdamDate } from '../domain/calendar';
import { initialHistory, withEnrolmentEnd, withGroups, withGuardianLink, withSafeguarding, withoutGuardianLink } from '../domain/facts';
import { emptyProjection } from '../domain/consent';
import { auditEntry, callerContext } from '../shared/audit';
import type { Principal } from '../shared/auth';
import { childForCaller } from '../shared/access';
import { ConflictError, NotFoundError, ValidationError } from '../shared/errors';
import { DuplicateRequest, answerParts, type IdempotencyClaim } from '../shared/idempotency';
import type { ChangeOutcome, ChildRecord } from '../shared/repositories/children';
import { STALE, retryOnStale, type Stale } from '../shared/retry';
import type { Runtime } from '../shared/runtime';
import { childView, consentsOf } from '../shared/child-view';
import type { CreateChildBody, CreateGroupBody, CreateGuardianBody, LinkGuardianBody, PutStaffBody, UpdateChildBody } from './schema';

function checkBirthDate(rt: Runtime, birthDate: string): void {
  if (birthDate > amsterdamDate(rt.now())) throw new ValidationError('birthDate', 'must not be in the future');
  if (birthDate < '1990-01-01') throw new ValidationError('birthDate', 'must be 1990-01-01 or later');
}

const changedMeanwhile = () => new ConflictError('concurrent_update', 'The child was changed at the same time; read it again and retry');

/** What a change of a child came to, for the caller: done, read again, or the error to answer. */
function settle<T>(outcome: ChangeOutcome, done: () => T): T | Stale {
  switch (outcome) {
    case 'saved':
      return done();
    case 'stale':
      return STALE;
    case 'group_missing':
      throw new NotFoundError('group_not_found', 'One of the groups does not exist');
    case 'guardian_missing':
      throw new NotFoundError('guardian_not_found', 'No such guardian');
    case 'duplicate':
      throw new DuplicateRequest();
  }
}

export async function createGroup(rt: Runtime, body: CreateGroupBody, claim?: IdempotencyClaim) {
  const now = rt.now();
  const group = { groupId: body.groupId ?? rt.newId(), name: body.name, createdAt: now.toISOString() };
  const answer = { status: 201, body: group };
  const outcome = await rt.directory.createGroup(group, answerParts(rt.config.TABLE_NAME, claim, answer, now));
  if (outcome === 'duplicate') throw new DuplicateRequest();
  if (outcome === 'exists') throw new ConflictError('group_exists', 'A group with this id exists already');
  return answer;
}

/** Admin: every group; staff: the groups they work in. */
export async function listGroups(rt: Runtime, principal: Principal) {
  const groups = await rt.directory.listGroups();
  if (principal.role === 'admin') return { groups };
  const staff = await rt.directory.getStaff(principal.userId);
  const mine = new Set(staff?.groupIds ?? []);
  return { groups: groups.filter((g) => mine.has(g.groupId)) };
}

/** A guardian's id is their Cognito username. */
export async function createGuardian(rt: Runtime, body: CreateGuardianBody, claim?: IdempotencyClaim) {
  const now = rt.now();
  const guardian = { ...body, createdAt: now.toISOString() };
  const answer = { status: 201, body: guardian };
  const outcome = await rt.directory.createGuardian(guardian, answerParts(rt.config.TABLE_NAME, claim, answer, now));
  if (outcome === 'duplicate') throw new DuplicateRequest();
  if (outcome === 'exists') throw new ConflictError('guardian_exists', 'A guardian with this id exists already');
  return answer;
}

/** Creates a staff member or replaces their name and groups; their id is their Cognito username. */
export async function putStaff(rt: Runtime, staffId: string, body: PutStaffBody) {
  return retryOnStale(
    async () => {
      const previous = await rt.directory.getStaff(staffId);
      const now = rt.now().toISOString();
      const staff = { staffId, displayName: body.displayName, groupIds: body.groupIds, createdAt: previous?.createdAt ?? now, updatedAt: now };
      const outcome = await rt.directory.putStaff(staff, previous);
      if (outcome === 'group_missing') throw new NotFoundError('group_not_found', 'One of the groups does not exist');
      return outcome === 'stale' ? STALE : { status: previous ? 200 : 201, body: staff };
    },
    { attempts: 3, exhausted: () => new ConflictError('concurrent_update', 'The staff member was changed at the same time; retry') },
  );
}

export async function createChild(rt: Runtime, principal: Principal, requestId: string, body: CreateChildBody, claim?: IdempotencyClaim) {
  checkBirthDate(rt, body.birthDate);
  const now = rt.now();
  const at = now.toISOString();
  const childId = body.childId ?? rt.newId();
  const audit = auditEntry(rt, callerContext(principal, requestId), 'child.created', { childIds: [childId] });
  const child: ChildRecord = {
    childId,
    displayName: body.displayName,
    birthDate: body.birthDate,
    groupIds: body.groupIds,
    status: 'active',
    safeguarding: false,
    guardians: {},
    consent: emptyProjection(),
    history: initialHistory(at, body.groupIds),
    rev: 0,
    createdAt: at,
    updatedAt: at,
  };
  const answer = { status: 201, body: childView(rt, child, principal, now) };
  switch (await rt.children.create(child, audit, answerParts(rt.config.TABLE_NAME, claim, answer, now))) {
    case 'created':
      return answer;
    case 'duplicate':
      throw new DuplicateRequest();
    case 'exists':
      throw new ConflictError('child_exists', 'A child with this id exists already');
    case 'erased':
      throw new ConflictError('child_erased', 'A child with this id was erased; its id is not given again');
    case 'group_missing':
      throw new NotFoundError('group_not_found', 'One of the groups does not exist');
  }
}

export async function getChild(rt: Runtime, principal: Principal, childId: string) {
  const now = rt.now();
  const child = await childForCaller(rt, principal, childId, 'read');
  return { ...childView(rt, child, principal, now), consents: consentsOf(rt, child, principal, now) };
}

export async function updateChild(rt: Runtime, principal: Principal, requestId: string, childId: string, body: UpdateChildBody) {
  if (body.birthDate) checkBirthDate(rt, body.birthDate);
  return retryOnStale(async () => {
    const current = await childForCaller(rt, principal, childId, 'manage');
    const now = rt.now();
    const at = now.toISOString();
    let history = current.history;
    if (body.groupIds) history = withGroups(history, body.groupIds, at);
    if (body.safeguarding !== undefined) history = withSafeguarding(history, body.safeguarding, at);
    const next: ChildRecord = { ...current, ...body, history, updatedAt: at };
    // Which fields changed, never their values: the trail refers to the record, it does not copy it.
    const audit = auditEntry(rt, callerContext(principal, requestId), 'child.updated', { childIds: [childId] }, { fields: Object.keys(body).sort() });
    return settle(await rt.children.update(current, next, audit), () => childView(rt, { ...next, rev: current.rev + 1 }, principal, now));
  }, { exhausted: changedMeanwhile });
}

/**
 * The child has no effective consent for any new use from `endDate` on (00:00 Amsterdam), and its
 * family no longer sees its groups' footage. A date in the past counts from when it is recorded.
 */
export async function endEnrolment(rt: Runtime, principal: Principal, requestId: string, childId: string, endDate: string) {
  return retryOnStale(async () => {
    const current = await childForCaller(rt, principal, childId, 'manage');
    const now = rt.now();
    if (endDate < current.birthDate) throw new ValidationError('endDate', 'must not be before the child was born');
    const at = now.toISOString();
    const history = withEnrolmentEnd(current.history, endDate, at);
    // An end can only move earlier: a later date changes nothing, and is answered with the child as it is.
    if (history === current.history) return childView(rt, current, principal, now);
    const next: ChildRecord = { ...current, status: 'ended', endDate: history.enrolment.endDate, history, updatedAt: at };
    const audit = auditEntry(rt, callerContext(principal, requestId), 'child.enrolment_ended', { childIds: [childId] });
    return settle(await rt.children.end(current, next, audit), () => childView(rt, { ...next, rev: current.rev + 1 }, principal, now));
  }, { exhausted: changedMeanwhile });
}

/** Links (or relinks) a guardian; a change of parental authority counts from now, the past keeps the authority it had. */
export async function linkGuardian(rt: Runtime, principal: Principal, requestId: string, childId: string, guardianId: string, body: LinkGuardianBody) {
  return retryOnStale(async () => {
    const current = await childForCaller(rt, principal, childId, 'manage');
    const at = rt.now().toISOString();
    const since = current.guardians[guardianId]?.since ?? at;
    const link = { parentalAuthority: body.parentalAuthority, since, ...(body.relationship ? { relationship: body.relationship } : {}) };
    const next: ChildRecord = {
      ...current,
      guardians: { ...current.guardians, [guardianId]: link },
      history: withGuardianLink(current.history, guardianId, body.parentalAuthority, at),
      updatedAt: at,
    };
    const audit = auditEntry(rt, callerContext(principal, requestId), 'child.guardian_linked', { childIds: [childId] }, { guardianId });
    return settle(await rt.children.linkGuardian(current, next, guardianId, audit), () => ({ childId, guardianId, ...link }));
  }, { exhausted: changedMeanwhile });
}

export async function unlinkGuardian(rt: Runtime, principal: Principal, requestId: string, childId: string, guardianId: string) {
  return retryOnStale(async () => {
    const current = await childForCaller(rt, principal, childId, 'manage');
    if (!current.guardians[guardianId]) throw new NotFoundError('guardian_link_not_found', 'This guardian is not linked to the child');
    const at = rt.now().toISOString();
    const { [guardianId]: _removed, ...guardians } = current.guardians;
    const next: ChildRecord = { ...current, guardians, history: withoutGuardianLink(current.history, guardianId, at), updatedAt: at };
    const audit = auditEntry(rt, callerContext(principal, requestId), 'child.guardian_unlinked', { childIds: [childId] }, { guardianId });
    return settle(await rt.children.unlinkGuardian(current, next, guardianId, audit), () => ({ status: 204, body: undefined }));
  }, { exhausted: changedMeanwhile });
}
