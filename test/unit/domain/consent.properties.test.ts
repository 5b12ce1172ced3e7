/**
 * Properties of the consent ledger (SPEC section 3): the projection is a replay of the ledger whatever the arrival
 * order, evaluation at t only sees events up to t, and a later counting withdrawal always blocks.
 */
import fc from 'fast-check';
import { ageOn, amsterdamDate } from '../../../functions/domain/calendar';
import {
  actorKey,
  applyEvent,
  compareLedgerOrder,
  emptyProjection,
  evaluateConsent,
  evaluateConsentAt,
  project,
  type ActorKey,
  type ActorRef,
  type ChildFacts,
  type ConsentEvent,
  type Projection,
} from '../../../functions/domain/consent';
import { AGE_POLICIES, DECISIONS, PURPOSES, type AgePolicy, type Purpose } from '../../../functions/domain/purposes';
import { CHILD_ID } from './builders';

const NUM_RUNS = 200;
const DAY = 86_400_000;
const HOUR = 3_600_000;
/** Events fall on a few hours of ~1000 days (often the same instant), a quarter of them in the first 5 days. */
const EVENTS_FROM = Date.UTC(2024, 0, 1);
const EVENT_DAYS = 1000;
const EVENTS_TO = EVENTS_FROM + EVENT_DAYS * DAY;

const ACTORS: ActorRef[] = [
  { kind: 'child' },
  { kind: 'guardian', guardianId: 'g1' },
  { kind: 'guardian', guardianId: 'g2' },
  { kind: 'guardian', guardianId: 'g3' },
  // never linked to the child
  { kind: 'guardian', guardianId: 'g4' },
];

function isoDay(ms: number): string {
  return new Date(ms).toISOString().slice(0, 10);
}

function eventArb(idPrefix: string, atArb: fc.Arbitrary<number>): fc.Arbitrary<ConsentEvent> {
  return fc
    .record({
      id: fc.string({ minLength: 1, maxLength: 6 }),
      purpose: fc.constantFrom(...PURPOSES),
      // grants twice as often as withdrawals, so that effective consent is common enough to be tested
      decision: fc.constantFrom(...DECISIONS, 'granted' as const),
      actor: fc.constantFrom(...ACTORS),
      at: atArb,
      noticeVersion: fc.constantFrom('2025-01', '2026-03'),
    })
    .map(({ id, purpose, decision, actor, at, noticeVersion }) => ({
      eventId: `${idPrefix}${id}`,
      childId: CHILD_ID,
      purpose,
      decision,
      actor,
      recordedBy: {
        userId: actor.kind === 'child' ? 'user-child' : `user-${actor.guardianId}`,
        role: actor.kind === 'child' ? ('child' as const) : ('guardian' as const),
        channel: 'app' as const,
      },
      noticeVersion,
      at: new Date(at).toISOString(),
    }));
}

function eventsArb(idPrefix: string, atArb: fc.Arbitrary<number>, maxLength = 25): fc.Arbitrary<ConsentEvent[]> {
  return fc.uniqueArray(eventArb(idPrefix, atArb), { selector: (e) => e.eventId, maxLength, size: 'medium' });
}

/** Midnight and noon UTC, and 22:00 / 23:00 UTC (Amsterdam midnight in summer / winter). */
const HOURS = [0, 12, 22, 23].map((h) => h * HOUR);
const slotAt = fc
  .tuple(
    fc.oneof(
      { arbitrary: fc.integer({ min: 0, max: 4 }), weight: 1 },
      { arbitrary: fc.integer({ min: 0, max: EVENT_DAYS - 1 }), weight: 3 },
    ),
    fc.constantFrom(...HOURS),
  )
  .map(([day, hour]) => EVENTS_FROM + day * DAY + hour);

interface Scenario {
  child: ChildFacts;
  policy: AgePolicy;
  events: ConsentEvent[];
  t: Date;
}

/** A child aged 0 to 20 at the evaluation instant `t`, 0 to 3 guardians, either policy, and a random ledger. */
function scenarioArb(tArb: fc.Arbitrary<number>): fc.Arbitrary<Scenario> {
  return fc
    .record({
      t: tArb,
      ageDays: fc.integer({ min: 0, max: 21 * 365 - 1 }),
      // parental authority three times in four
      authorities: fc.array(fc.nat(3).map((n) => n > 0), { maxLength: 3 }),
      policy: fc.constantFrom(...AGE_POLICIES),
      safeguarding: fc.nat(9).map((n) => n === 0),
      ended: fc.nat(9).map((n) => n === 0),
      endDay: fc.option(fc.integer({ min: EVENTS_FROM, max: EVENTS_TO + 730 * DAY }).map(isoDay), { nil: undefined }),
      events: eventsArb('e:', slotAt),
    })
    .map(({ t, ageDays, authorities, policy, safeguarding, ended, endDay, events }) => ({
      child: {
        birthDate: isoDay(t - ageDays * DAY),
        status: ended ? ('ended' as const) : ('active' as const),
        ...(ended && endDay !== undefined ? { endDate: endDay } : {}),
        safeguarding,
        guardians: authorities.map((parentalAuthority, i) => ({ guardianId: `g${i + 1}`, parentalAuthority })),
      },
      policy,
      events,
      t: new Date(t),
    }));
}

/** An instant after every event. */
const afterAllEvents = fc.integer({ min: EVENTS_TO + 1, max: EVENTS_TO + 730 * DAY });
/** Any instant, before, during or after the events. */
const anyInstant = fc.integer({ min: EVENTS_FROM - 30 * DAY, max: EVENTS_TO + 365 * DAY });

function withPermutation(s: Scenario): fc.Arbitrary<Scenario & { permuted: ConsentEvent[] }> {
  const n = s.events.length;
  return fc.shuffledSubarray(s.events, { minLength: n, maxLength: n }).map((permuted) => ({ ...s, permuted }));
}

/** Independent reference: sort by (instant, eventId) and keep the last decision per actor per purpose. */
function referenceProjection(events: readonly ConsentEvent[]): Projection {
  const ledger = [...events].sort((a, b) => {
    const d = Date.parse(a.at) - Date.parse(b.at);
    if (d !== 0) return d;
    return a.eventId < b.eventId ? -1 : a.eventId > b.eventId ? 1 : 0;
  });
  const p = emptyProjection();
  for (const e of ledger) p[e.purpose][actorKey(e.actor)] = { decision: e.decision, at: e.at, eventId: e.eventId };
  return p;
}

function ageAt(child: ChildFacts, t: Date): number {
  return ageOn(child.birthDate, amsterdamDate(t));
}

/** The actors whose decisions count at `t` (SPEC section 2). */
function countingActors(child: ChildFacts, t: Date, policy: AgePolicy): ActorRef[] {
  const age = ageAt(child, t);
  const actors: ActorRef[] = [];
  if (age < 16) {
    for (const g of child.guardians) if (g.parentalAuthority) actors.push({ kind: 'guardian', guardianId: g.guardianId });
  }
  if (age >= 16 || (policy === 'youth-care' && age >= 12)) actors.push({ kind: 'child' });
  return actors;
}

/** Independent reference for the table in SPEC section 2. */
function referenceEffective(child: ChildFacts, events: readonly ConsentEvent[], t: Date, policy: AgePolicy, purpose: Purpose): boolean {
  const today = amsterdamDate(t);
  if (child.safeguarding) return false;
  if (child.status === 'ended' && (child.endDate === undefined || today >= child.endDate)) return false;
  const latest = referenceProjection(events.filter((e) => Date.parse(e.at) <= t.getTime()))[purpose];
  const decisionOf = (key: ActorKey) => latest[key]?.decision;
  const authority = child.guardians.filter((g) => g.parentalAuthority).map((g) => decisionOf(`guardian:${g.guardianId}`));
  const guardiansAgree = authority.some((d) => d === 'granted') && !authority.some((d) => d === 'withdrawn');
  const childGranted = decisionOf('child') === 'granted';
  const age = ageOn(child.birthDate, today);
  if (age < 12) return guardiansAgree;
  if (age < 16) return policy === 'youth-care' ? guardiansAgree && childGranted : guardiansAgree;
  return childGranted;
}

describe('consent ledger properties', () => {
  test('folding applyEvent over the events in any arrival order equals project() of the ledger', () => {
    fc.assert(
      fc.property(scenarioArb(afterAllEvents).chain(withPermutation), ({ events, permuted }) => {
        const ledger = [...events].sort(compareLedgerOrder);
        const folded = permuted.reduce(applyEvent, emptyProjection());
        expect(folded).toEqual(project(ledger));
        expect(folded).toEqual(referenceProjection(events));
        // redelivering every event once more changes nothing
        expect(permuted.reduce(applyEvent, folded)).toEqual(folded);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('evaluating the folded projection equals evaluateConsentAt over the full ledger after all events', () => {
    fc.assert(
      fc.property(scenarioArb(afterAllEvents).chain(withPermutation), ({ child, policy, events, permuted, t }) => {
        const ledger = [...events].sort(compareLedgerOrder);
        const folded = permuted.reduce(applyEvent, emptyProjection());
        expect(evaluateConsent(child, folded, t, policy)).toEqual(evaluateConsentAt(child, ledger, t, policy));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('a withdrawal by a counting actor, later than every other event, blocks that purpose', () => {
    const arb = scenarioArb(afterAllEvents).chain((s) =>
      fc.record({ pick: fc.nat(), offset: fc.nat(), purpose: fc.constantFrom(...PURPOSES) }).map((r) => ({ ...s, ...r })),
    );
    fc.assert(
      fc.property(arb, ({ child, policy, events, t, pick, offset, purpose }) => {
        const counting = countingActors(child, t, policy);
        fc.pre(counting.length > 0);
        const actor = counting[pick % counting.length] as ActorRef;
        const lastAt = Math.max(EVENTS_FROM, ...events.map((e) => Date.parse(e.at)));
        const at = lastAt + 1 + (offset % (t.getTime() - lastAt)); // strictly after every event, not after t
        const withdrawal: ConsentEvent = {
          eventId: 'w:final',
          childId: CHILD_ID,
          purpose,
          decision: 'withdrawn',
          actor,
          recordedBy: { userId: 'user-w', role: actor.kind, channel: 'app' },
          noticeVersion: '2026-03',
          at: new Date(at).toISOString(),
        };
        const ledger = [...events, withdrawal];
        for (const verdict of [
          evaluateConsentAt(child, ledger, t, policy),
          evaluateConsent(child, ledger.reduce(applyEvent, emptyProjection()), t, policy),
        ]) {
          expect(verdict.purposes[purpose].effective).toBe(false);
          expect(verdict.purposes[purpose].reasons).toContain(`withdrawn_by:${actorKey(actor)}`);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('shuffling the ledger array never changes evaluateConsentAt at any t', () => {
    fc.assert(
      fc.property(scenarioArb(anyInstant).chain(withPermutation), ({ child, policy, events, permuted, t }) => {
        expect(evaluateConsentAt(child, permuted, t, policy)).toEqual(evaluateConsentAt(child, events, t, policy));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('evaluateConsentAt(t) ignores events after t: adding later events changes nothing', () => {
    const arb = scenarioArb(anyInstant).chain((s) =>
      eventsArb('x:', fc.integer({ min: s.t.getTime() + 1, max: s.t.getTime() + 400 * DAY }), 10)
        .filter((later) => later.length > 0)
        .chain((later) => {
          const all = [...s.events, ...later];
          return fc
            .shuffledSubarray(all, { minLength: all.length, maxLength: all.length })
            .map((mixed) => ({ ...s, mixed }));
        }),
    );
    fc.assert(
      fc.property(arb, ({ child, policy, events, mixed, t }) => {
        const upToT = events.filter((e) => Date.parse(e.at) <= t.getTime());
        const expected = evaluateConsent(child, project(upToT), t, policy);
        expect(evaluateConsentAt(child, events, t, policy)).toEqual(expected);
        expect(evaluateConsentAt(child, mixed, t, policy)).toEqual(expected);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('effective consent at any t agrees with a reference model of the SPEC section 2 table', () => {
    fc.assert(
      fc.property(scenarioArb(anyInstant), ({ child, policy, events, t }) => {
        const verdict = evaluateConsentAt(child, events, t, policy);
        expect(verdict.age).toBe(ageAt(child, t));
        for (const purpose of PURPOSES) {
          expect(verdict.purposes[purpose].effective).toBe(referenceEffective(child, events, t, policy, purpose));
          expect(verdict.purposes[purpose].effective).toBe(verdict.purposes[purpose].reasons.length === 0);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });
});
