/** How a child and its consents are shown to each kind of caller. */
import { ageOn, amsterdamDate } from '../domain/calendar';
import { evaluateConsent, type ConsentEvent, type ConsentVerdict, type Reason } from '../domain/consent';
import type { Principal } from './auth';
import { childFacts, type ChildRecord } from './repositories/children';
import type { Runtime } from './runtime';

/**
 * The safeguarding flag may protect a child from someone in the family's circle: parents and the
 * child see that the organisation blocks use, not why.
 */
export function forAudience(verdict: ConsentVerdict, principal: Principal): ConsentVerdict {
  if (principal.role === 'admin' || principal.role === 'staff') return verdict;
  const mask = (r: Reason): string => (r === 'safeguarding' ? 'blocked_by_organisation' : r);
  const purposes = Object.fromEntries(
    Object.entries(verdict.purposes).map(([p, v]) => [p, { ...v, reasons: v.reasons.map(mask) }]),
  ) as unknown as ConsentVerdict['purposes'];
  return { ...verdict, purposes };
}

export function childView(child: ChildRecord, principal: Principal, at: Date) {
  const showFlag = principal.role === 'admin' || principal.role === 'staff';
  return {
    childId: child.childId,
    displayName: child.displayName,
    birthDate: child.birthDate,
    age: ageOn(child.birthDate, amsterdamDate(at)),
    groupIds: child.groupIds,
    status: child.status,
    ...(child.endDate ? { endDate: child.endDate } : {}),
    ...(showFlag ? { safeguarding: child.safeguarding } : {}),
    guardians: Object.entries(child.guardians)
      .map(([guardianId, l]) => ({ guardianId, parentalAuthority: l.parentalAuthority, ...(l.relationship ? { relationship: l.relationship } : {}) }))
      .sort((a, b) => a.guardianId.localeCompare(b.guardianId)),
  };
}

export function consentsOf(rt: Pick<Runtime, 'config'>, child: ChildRecord, principal: Principal, at: Date): ConsentVerdict {
  return forAudience(evaluateConsent(childFacts(child), child.consent, at, rt.config.AGE_POLICY), principal);
}

/**
 * Whom a family (a guardian, or the child itself) may see named in what is about its child: the
 * child, its guardians now and those who decided in its ledger, and the system's own actors.
 * Anyone else (a staff member, the admin, another family) is shown by role only.
 */
export function familyNameable(childId: string, guardianIds: Iterable<string>, ledger: readonly ConsentEvent[]): (userId: string, role: string) => boolean {
  const known = new Set([childId, ...guardianIds, ...ledger.flatMap((e) => (e.actor.kind === 'guardian' ? [e.actor.guardianId] : []))]);
  return (userId, role) => role === 'system' || known.has(userId);
}

/** A ledger event as a family reads it: who recorded it by role only, unless a family may see them named. */
export function eventForFamily(event: ConsentEvent, nameable: (userId: string, role: string) => boolean): ConsentEvent {
  if (nameable(event.recordedBy.userId, event.recordedBy.role)) return event;
  const { userId: _hidden, ...recordedBy } = event.recordedBy;
  return { ...event, recordedBy: recordedBy as ConsentEvent['recordedBy'] };
}
