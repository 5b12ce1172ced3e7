/** How a child and its consents are shown to each kind of caller. */
import type { ConsentEvent, ConsentVerdict, PurposeVerdict, Reason } from '../domain/consent';
import type { FactsHistory } from '../domain/facts';
import type { Purpose } from '../domain/purposes';
import type { Principal } from './auth';
import type { ChildRecord } from './repositories/children';
import type { Runtime } from './runtime';

/**
 * The safeguarding flag may protect a child from someone in the family's circle: parents and the
 * child see that the organisation blocks use, not why.
 */
export type ShownReason = Reason | 'blocked_by_organisation';
export interface ShownVerdict extends Omit<ConsentVerdict, 'purposes'> {
  purposes: Record<Purpose, Omit<PurposeVerdict, 'reasons'> & { reasons: ShownReason[] }>;
}

export function forAudience(verdict: ConsentVerdict, principal: Pick<Principal, 'role'>): ShownVerdict {
  if (principal.role === 'admin' || principal.role === 'staff') return verdict;
  const mask = (r: Reason): ShownReason => (r === 'safeguarding' ? 'blocked_by_organisation' : r);
  const shown = (p: Purpose) => ({ ...verdict.purposes[p], reasons: verdict.purposes[p].reasons.map(mask) });
  return { ...verdict, purposes: { parent_information: shown('parent_information'), coaching_video: shown('coaching_video'), publication: shown('publication') } };
}

/**
 * The history of the child's facts as a family may read it: guardian links, groups and enrolment,
 * never the safeguarding flag (it may protect the child from someone close).
 */
export function historyFor(history: FactsHistory, principal: Pick<Principal, 'role'>): Omit<FactsHistory, 'safeguarding'> & Partial<Pick<FactsHistory, 'safeguarding'>> {
  if (principal.role === 'admin') return history;
  const { safeguarding: _hidden, ...shown } = history;
  return shown;
}

export function childView(rt: Pick<Runtime, 'rules'>, child: ChildRecord, principal: Principal, at: Date) {
  const showFlag = principal.role === 'admin' || principal.role === 'staff';
  return {
    childId: child.childId,
    displayName: child.displayName,
    birthDate: child.birthDate,
    age: rt.rules.ageAt(child.birthDate, at),
    groupIds: child.groupIds,
    status: child.status,
    ...(child.endDate ? { endDate: child.endDate } : {}),
    ...(showFlag ? { safeguarding: child.safeguarding } : {}),
    guardians: Object.entries(child.guardians)
      .map(([guardianId, l]) => ({ guardianId, parentalAuthority: l.parentalAuthority, ...(l.relationship ? { relationship: l.relationship } : {}) }))
      .sort((a, b) => a.guardianId.localeCompare(b.guardianId)),
    // The privacy officer sees how the facts changed over time (each change with its instant).
    ...(principal.role === 'admin' ? { history: child.history } : {}),
  };
}

export function consentsOf(rt: Pick<Runtime, 'rules'>, child: ChildRecord, principal: Principal, at: Date): ShownVerdict {
  return forAudience(rt.rules.consentNow(child, at), principal);
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
