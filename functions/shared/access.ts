/**
 * Relationship checks: a valid token is not access to every child. A caller who may not know
 * that a child exists gets 404, exactly as for a child that does not exist.
 */
import type { Principal } from './auth';
import { ConflictError, childNotFound } from './errors';
import type { ChildRecord } from './repositories/children';
import type { Runtime } from './runtime';

export type ChildAccess = 'read' | 'decide' | 'record_paper' | 'manage';

/** Loads the child and checks the caller's relationship to it for the kind of access wanted. */
export async function childForCaller(
  rt: Pick<Runtime, 'children' | 'directory'>,
  principal: Principal,
  childId: string,
  access: ChildAccess,
): Promise<ChildRecord> {
  const child = await rt.children.get(childId);
  if (!child) throw childNotFound();
  if (child.erasure) {
    // Being erased: gone for everyone but the admin, who may look at it but no longer change it.
    if (principal.role !== 'admin') throw childNotFound();
    if (access !== 'read') throw new ConflictError('child_being_erased', 'The child is being erased; it can no longer be changed');
  }
  switch (principal.role) {
    case 'admin':
      return child;
    case 'guardian': {
      // Linked: the relationship. Whether the guardian may decide (authority) is the rules' answer.
      if (!child.guardians[principal.userId] || access === 'record_paper' || access === 'manage') throw childNotFound();
      return child;
    }
    case 'child':
      if (principal.userId !== childId || access === 'record_paper' || access === 'manage') throw childNotFound();
      return child;
    case 'staff': {
      if (access === 'decide' || access === 'manage') throw childNotFound();
      const staff = await rt.directory.getStaff(principal.userId);
      if (!staff || !staff.groupIds.some((g) => child.groupIds.includes(g))) throw childNotFound();
      return child;
    }
  }
}
