/**
 * Administration: children, groups, guardians and their authority, staff and their groups.
 * Only the admin changes these; staff read their own groups.
 */
import { amsterdamDate } from '../domain/calendar';
import { auditEntry, callerContext } from '../shared/audit';
import type { Principal } from '../shared/auth';
import { childForCaller } from '../shared/access';
import { ValidationError } from '../shared/errors';
import type { Runtime } from '../shared/runtime';
import { childView, consentsOf } from '../shared/child-view';
import type { CreateChildBody, CreateGroupBody, CreateGuardianBody, LinkGuardianBody, PutStaffBody, UpdateChildBody } from './schema';

function checkBirthDate(rt: Runtime, birthDate: string): void {
  if (birthDate > amsterdamDate(rt.now())) throw new ValidationError('birthDate', 'must not be in the future');
  if (birthDate < '1990-01-01') throw new ValidationError('birthDate', 'must be 1990-01-01 or later');
}

export async function createGroup(rt: Runtime, body: CreateGroupBody) {
  const group = await rt.directory.createGroup({
    groupId: body.groupId ?? rt.newId(),
    name: body.name,
    createdAt: rt.now().toISOString(),
  });
  return { status: 201, body: group };
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
export async function createGuardian(rt: Runtime, body: CreateGuardianBody) {
  const guardian = await rt.directory.createGuardian({ ...body, createdAt: rt.now().toISOString() });
  return { status: 201, body: guardian };
}

/** Creates a staff member or replaces their name and groups; their id is their Cognito username. */
export async function putStaff(rt: Runtime, staffId: string, body: PutStaffBody) {
  const previous = await rt.directory.getStaff(staffId);
  const now = rt.now().toISOString();
  const staff = await rt.directory.putStaff(
    { staffId, displayName: body.displayName, groupIds: body.groupIds, createdAt: previous?.createdAt ?? now, updatedAt: now },
    previous,
  );
  return { status: previous ? 200 : 201, body: staff };
}

export async function createChild(rt: Runtime, principal: Principal, requestId: string, body: CreateChildBody) {
  checkBirthDate(rt, body.birthDate);
  const now = rt.now();
  const childId = body.childId ?? rt.newId();
  const audit = auditEntry(rt, callerContext(principal, requestId), 'child.created', { childIds: [childId] });
  const child = await rt.children.create({
    childId,
    displayName: body.displayName,
    birthDate: body.birthDate,
    groupIds: body.groupIds,
    status: 'active',
    safeguarding: false,
    createdAt: now.toISOString(),
    updatedAt: now.toISOString(),
  }, audit);
  return { status: 201, body: childView(child, principal, now) };
}

export async function getChild(rt: Runtime, principal: Principal, childId: string) {
  const now = rt.now();
  const child = await childForCaller(rt, principal, childId, 'read');
  return { ...childView(child, principal, now), consents: consentsOf(rt, child, principal, now) };
}

export async function updateChild(rt: Runtime, principal: Principal, requestId: string, childId: string, body: UpdateChildBody) {
  if (body.birthDate) checkBirthDate(rt, body.birthDate);
  const child = await childForCaller(rt, principal, childId, 'manage');
  // Which fields changed, never their values: the trail refers to the record, it does not copy it.
  const audit = auditEntry(rt, callerContext(principal, requestId), 'child.updated', { childIds: [childId] }, { fields: Object.keys(body).sort() });
  const updated = await rt.children.update(child, body, rt.now().toISOString(), audit);
  return childView(updated, principal, rt.now());
}

/** The child has no effective consent for any new use from `endDate` on. */
export async function endEnrolment(rt: Runtime, principal: Principal, requestId: string, childId: string, endDate: string) {
  const child = await childForCaller(rt, principal, childId, 'manage');
  if (child.status === 'ended' && child.endDate && child.endDate <= endDate) {
    return childView(child, principal, rt.now());
  }
  const audit = auditEntry(rt, callerContext(principal, requestId), 'child.enrolment_ended', { childIds: [childId] });
  await rt.children.end(childId, endDate, rt.now().toISOString(), audit);
  return childView({ ...child, status: 'ended', endDate }, principal, rt.now());
}

export async function linkGuardian(rt: Runtime, principal: Principal, requestId: string, childId: string, guardianId: string, body: LinkGuardianBody) {
  const child = await childForCaller(rt, principal, childId, 'manage');
  const now = rt.now().toISOString();
  const since = child.guardians[guardianId]?.since ?? now;
  const audit = auditEntry(rt, callerContext(principal, requestId), 'child.guardian_linked', { childIds: [childId] }, { guardianId });
  await rt.children.linkGuardian(childId, guardianId, { parentalAuthority: body.parentalAuthority, since, ...(body.relationship ? { relationship: body.relationship } : {}) }, now, child.groupIds, audit);
  return { childId, guardianId, parentalAuthority: body.parentalAuthority, since, ...(body.relationship ? { relationship: body.relationship } : {}) };
}

export async function unlinkGuardian(rt: Runtime, principal: Principal, requestId: string, childId: string, guardianId: string) {
  await childForCaller(rt, principal, childId, 'manage');
  const audit = auditEntry(rt, callerContext(principal, requestId), 'child.guardian_unlinked', { childIds: [childId] }, { guardianId });
  await rt.children.unlinkGuardian(childId, guardianId, rt.now().toISOString(), audit);
  return { status: 204, body: undefined };
}

