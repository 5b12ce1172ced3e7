/** Test builders for the consent domain: events, actors and child facts. Not a test file itself. */
import type { ActorRef, ConsentEvent, ConsentSubject } from '../../../functions/domain/consent';
import type { FactsHistory } from '../../../functions/domain/facts';
import type { Decision, Purpose } from '../../../functions/domain/purposes';

export const CHILD_ID = 'child-1';

/** Long before any event of the tests: facts built here have held "since always". */
export const SINCE_ALWAYS = '2000-01-01T00:00:00.000Z';

export const childActor: ActorRef = { kind: 'child' };

export function guardian(guardianId: string): ActorRef {
  return { kind: 'guardian', guardianId };
}

export interface GuardianLinkFacts {
  guardianId: string;
  parentalAuthority: boolean;
}

/** A guardian link; parental authority unless told otherwise. */
export function link(guardianId: string, parentalAuthority = true): GuardianLinkFacts {
  return { guardianId, parentalAuthority };
}

let sequence = 0;

export interface EventSpec {
  decision: Decision;
  actor: ActorRef;
  at: string;
  purpose?: Purpose;
  eventId?: string;
  childId?: string;
}

/** One ledger event recorded by the actor in the app. Event ids are unique unless given. */
export function event(spec: EventSpec): ConsentEvent {
  sequence += 1;
  const role = spec.actor.kind === 'child' ? 'child' : 'guardian';
  const userId = spec.actor.kind === 'child' ? `user-${spec.childId ?? CHILD_ID}` : `user-${spec.actor.guardianId}`;
  return {
    eventId: spec.eventId ?? `evt-${String(sequence).padStart(6, '0')}`,
    childId: spec.childId ?? CHILD_ID,
    purpose: spec.purpose ?? 'publication',
    decision: spec.decision,
    actor: spec.actor,
    recordedBy: { userId, role, channel: 'app' },
    noticeVersion: '2026-01',
    at: spec.at,
  };
}

export function grant(actor: ActorRef, at: string, purpose: Purpose = 'publication', eventId?: string): ConsentEvent {
  return event({ decision: 'granted', actor, at, purpose, eventId });
}

export function withdraw(actor: ActorRef, at: string, purpose: Purpose = 'publication', eventId?: string): ConsentEvent {
  return event({ decision: 'withdrawn', actor, at, purpose, eventId });
}

/**
 * A child whose facts have held since always: these guardians, the flag when asked, and an
 * enrolment that ends on `endDate` when given (recorded long before).
 */
export function childFacts(birthDate: string, guardians: readonly GuardianLinkFacts[], extra: { safeguarding?: boolean; endDate?: string } = {}): ConsentSubject {
  const history: FactsHistory = {
    guardians: guardians.map((g) => ({ ...g, from: SINCE_ALWAYS })),
    safeguarding: extra.safeguarding ? [{ from: SINCE_ALWAYS }] : [],
    groups: [{ groupId: 'group-1', from: SINCE_ALWAYS }],
    enrolment: { from: SINCE_ALWAYS, ...(extra.endDate ? { endDate: extra.endDate, endRecordedAt: SINCE_ALWAYS } : {}) },
  };
  return { birthDate, history };
}
