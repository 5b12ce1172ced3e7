/** How a child and its consents are shown to each kind of caller. */
import { ageOn, amsterdamDate } from '../domain/calendar';
import { evaluateConsent, type ConsentVerdict, type Reason } from '../domain/consent';
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
