/**
 * Random children for the property tests: a birth date, a history of fact changes (guardian links
 * and authority, the safeguarding flag, group moves, an enrolment end) and a ledger of decisions
 * by every kind of actor, some of whom do not count. Each scenario is built twice: for the oracle
 * (its own plain lists) and for the rules module (a history made with the domain's transitions, a
 * projection folded from the ledger). Not a test file itself.
 */
import fc from 'fast-check';
import { applyEvent, compareLedgerOrder, countedWhenMade, emptyProjection, type ConsentEvent, type ConsentSubject, type Projection } from '../../../functions/domain/consent';
import { initialHistory, withEnrolmentEnd, withGroups, withGuardianLink, withSafeguarding, withoutGuardianLink, type FactsHistory } from '../../../functions/domain/facts';
import type { RulesChild } from '../../../functions/domain/gate';
import { AGE_POLICIES, DECISIONS, PURPOSES, type AgePolicy } from '../../../functions/domain/purposes';
import type { Actor, FactChange, OracleChild } from '../../oracle/spec-oracle';

export const DAY = 86_400_000;
export const HOUR = 3_600_000;
/** Everything happens on a few hours of ~1000 days, often at the same instant. */
export const FROM = Date.UTC(2024, 0, 1);
export const SPAN_DAYS = 1000;
export const TO = FROM + SPAN_DAYS * DAY;

const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** Midnight and noon UTC, and 22:00 / 23:00 UTC (Amsterdam midnight in summer / winter). */
const HOURS = [0, 12, 22, 23].map((h) => h * HOUR);
export const slotAt = fc
  .tuple(fc.oneof({ arbitrary: fc.integer({ min: 0, max: 4 }), weight: 1 }, { arbitrary: fc.integer({ min: 0, max: SPAN_DAYS - 1 }), weight: 3 }), fc.constantFrom(...HOURS))
  .map(([day, hour]) => FROM + day * DAY + hour);

const GUARDIANS = ['g1', 'g2', 'g3'];
/** Decisions come from the child, the guardians, and one never linked. */
const ACTORS: Actor[] = [{ kind: 'child' }, ...GUARDIANS.map((guardianId) => ({ kind: 'guardian' as const, guardianId })), { kind: 'guardian', guardianId: 'g4' }];

const factArb: fc.Arbitrary<FactChange> = fc.oneof(
  { arbitrary: fc.record({ at: slotAt, kind: fc.constant('link' as const), guardianId: fc.constantFrom(...GUARDIANS), authority: fc.nat(3).map((n) => n > 0) }), weight: 4 },
  { arbitrary: fc.record({ at: slotAt, kind: fc.constant('unlink' as const), guardianId: fc.constantFrom(...GUARDIANS) }), weight: 1 },
  { arbitrary: fc.record({ at: slotAt, kind: fc.constant('safeguarding' as const), on: fc.boolean() }), weight: 1 },
  { arbitrary: fc.record({ at: slotAt, kind: fc.constant('end' as const), endDate: fc.integer({ min: FROM - 30 * DAY, max: TO + 60 * DAY }).map(isoDay) }), weight: 1 },
  { arbitrary: fc.record({ at: slotAt, kind: fc.constant('groups' as const), groupIds: fc.subarray(['group-a', 'group-b'], { minLength: 1 }) }), weight: 1 },
);

export function eventArb(childId: string, idPrefix: string, atArb: fc.Arbitrary<number>): fc.Arbitrary<ConsentEvent> {
  return fc
    .record({
      id: fc.string({ minLength: 1, maxLength: 6 }),
      purpose: fc.constantFrom(...PURPOSES),
      // grants twice as often as withdrawals, so that effective consent is common enough to be tested
      decision: fc.constantFrom(...DECISIONS, 'granted' as const),
      actor: fc.constantFrom(...ACTORS),
      at: atArb,
    })
    .map(({ id, purpose, decision, actor, at }) => ({
      eventId: `${idPrefix}${id}`,
      childId,
      purpose,
      decision,
      actor,
      recordedBy: { userId: actor.kind === 'child' ? 'user-child' : `user-${actor.guardianId}`, role: actor.kind, channel: 'app' as const },
      noticeVersion: '2026-03',
      at: new Date(at).toISOString(),
    }));
}

export interface Scenario {
  oracle: OracleChild;
  subject: ConsentSubject;
  policy: AgePolicy;
  events: ConsentEvent[];
}

/** The domain's history of the oracle's fact changes, made with the domain's own transitions. */
export function historyOf(child: Pick<OracleChild, 'createdAt' | 'initialGroups' | 'facts'>): FactsHistory {
  let h = initialHistory(new Date(child.createdAt).toISOString(), child.initialGroups);
  for (const f of [...child.facts].sort((a, b) => a.at - b.at)) {
    const at = new Date(f.at).toISOString();
    if (f.kind === 'link') h = withGuardianLink(h, f.guardianId, f.authority, at);
    if (f.kind === 'unlink') h = withoutGuardianLink(h, f.guardianId, at);
    if (f.kind === 'safeguarding') h = withSafeguarding(h, f.on, at);
    if (f.kind === 'end') h = withEnrolmentEnd(h, f.endDate, at);
    if (f.kind === 'groups') h = withGroups(h, f.groupIds, at);
  }
  return h;
}

export const toOracleDecision = (e: ConsentEvent) => ({ eventId: e.eventId, at: Date.parse(e.at), purpose: e.purpose, decision: e.decision, actor: e.actor });

/**
 * A child aged 0 to 20 during the span, created before it, with guardians linked at creation
 * (most with authority), then random fact changes and decisions.
 */
export function scenarioArb(childId = 'child-1', maxEvents = 25): fc.Arbitrary<Scenario> {
  return fc
    .record({
      ageDaysAtStart: fc.integer({ min: 0, max: 18 * 365 }),
      policy: fc.constantFrom(...AGE_POLICIES),
      initial: fc.array(fc.nat(3).map((n) => n > 0), { maxLength: 3 }),
      facts: fc.array(factArb, { maxLength: 8 }),
      events: fc.uniqueArray(eventArb(childId, 'e:', slotAt), { selector: (e) => e.eventId, maxLength: maxEvents }),
    })
    .map(({ ageDaysAtStart, policy, initial, facts, events }) => {
      const createdAt = FROM - 10 * DAY;
      const linkedAtCreation: FactChange[] = initial.map((authority, i) => ({ at: createdAt, kind: 'link', guardianId: GUARDIANS[i]!, authority }));
      const oracle: OracleChild = {
        childId,
        birthDate: isoDay(FROM - ageDaysAtStart * DAY),
        createdAt,
        initialGroups: ['group-a'],
        facts: [...linkedAtCreation, ...facts],
        ledger: events.map(toOracleDecision),
      };
      return { oracle, subject: { birthDate: oracle.birthDate, history: historyOf(oracle) }, policy, events };
    });
}

/** The projection the repository keeps: each event folded in as it arrives, judged by whether its actor counted when it was made. */
export function foldProjection(subject: ConsentSubject, events: readonly ConsentEvent[], policy: AgePolicy): Projection {
  return events.reduce((p, e) => applyEvent(p, e, countedWhenMade(subject, e, policy)), emptyProjection());
}

/** The child as the gate reads it: facts, history and the projection of the whole ledger. */
export function rulesChild(s: Scenario): RulesChild {
  return { childId: s.oracle.childId, ...s.subject, consent: foldProjection(s.subject, [...s.events].sort(compareLedgerOrder), s.policy) };
}

/** An instant after every event. */
export const afterAll = fc.integer({ min: TO + 1, max: TO + 730 * DAY });
/** Any instant, before, during or after the events. */
export const anyInstant = fc.integer({ min: FROM - 30 * DAY, max: TO + 365 * DAY });
