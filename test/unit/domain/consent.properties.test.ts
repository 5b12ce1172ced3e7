/**
 * Properties of the consent rules (SPEC sections 2 and 3) against the oracle written from the
 * specification (test/oracle/spec-oracle.ts): effective consent at any instant, with the facts as
 * they were then and only decisions that counted when they were made; who may decide; the
 * projection the repository keeps always equals a replay of the ledger, whatever the arrival order.
 */
import fc from 'fast-check';
import {
  actorKey,
  compareLedgerOrder,
  countedWhenMade,
  emptyProjection,
  evaluateConsent,
  evaluateConsentAt,
  mayDecide,
  project,
  type ActorRef,
  type ConsentEvent,
} from '../../../functions/domain/consent';
import { PURPOSES } from '../../../functions/domain/purposes';
import * as oracle from '../../oracle/spec-oracle';
import { DAY, afterAll, anyInstant, eventArb, foldProjection, scenarioArb, toOracleDecision, type Scenario } from './scenarios';

const NUM_RUNS = 300;

function withPermutation(s: Scenario): fc.Arbitrary<Scenario & { permuted: ConsentEvent[] }> {
  const n = s.events.length;
  return fc.shuffledSubarray(s.events, { minLength: n, maxLength: n }).map((permuted) => ({ ...s, permuted }));
}

const ACTORS: ActorRef[] = [{ kind: 'child' }, { kind: 'guardian', guardianId: 'g1' }, { kind: 'guardian', guardianId: 'g2' }, { kind: 'guardian', guardianId: 'g3' }, { kind: 'guardian', guardianId: 'g4' }];

describe('consent rules against the oracle', () => {
  test('effective consent at any instant equals the oracle, with the facts of that instant', () => {
    fc.assert(
      fc.property(scenarioArb(), anyInstant, (s, t) => {
        const verdict = evaluateConsentAt(s.subject, s.events, new Date(t), s.policy);
        expect(verdict.age).toBe(oracle.ageAt(s.oracle, t));
        for (const purpose of PURPOSES) {
          expect(verdict.purposes[purpose].effective).toBe(oracle.effective(s.oracle, purpose, t, s.policy));
          expect(verdict.purposes[purpose].effective).toBe(verdict.purposes[purpose].reasons.length === 0);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('who may decide equals the oracle at any instant', () => {
    fc.assert(
      fc.property(scenarioArb(), anyInstant, fc.constantFrom(...ACTORS), (s, t, actor) => {
        const may = mayDecide(s.subject, actor, new Date(t), s.policy);
        const expected = oracle.mayDecide(s.oracle, actor, t, s.policy);
        expect(may.allowed ? 'yes' : may.refusal === 'no_parental_authority' ? 'no_authority' : may.refusal).toBe(expected);
        if (may.allowed) expect(may.counts).toBe(oracle.counts(s.oracle, actor, t, s.policy));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('the projection folded in any arrival order equals the replay of the ledger, and evaluates the same', () => {
    fc.assert(
      fc.property(scenarioArb().chain(withPermutation), afterAll, (s, t) => {
        const folded = foldProjection(s.subject, s.permuted, s.policy);
        const ledger = [...s.events].sort(compareLedgerOrder);
        expect(folded).toEqual(project(ledger, (e) => countedWhenMade(s.subject, e, s.policy)));
        // redelivering every event once more changes nothing
        expect(foldProjection(s.subject, [...s.permuted, ...s.permuted], s.policy)).toEqual(folded);
        expect(evaluateConsent(s.subject, folded, new Date(t), s.policy)).toEqual(evaluateConsentAt(s.subject, ledger, new Date(t), s.policy));
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('the latest counting withdrawal of each purpose is kept, as the oracle finds it', () => {
    fc.assert(
      fc.property(scenarioArb(), (s) => {
        const p = foldProjection(s.subject, s.events, s.policy);
        for (const purpose of PURPOSES) {
          const instants = oracle.countingWithdrawals(s.oracle, purpose, s.policy);
          expect(p.withdrawnAt[purpose] === undefined ? undefined : Date.parse(p.withdrawnAt[purpose]!)).toBe(instants.length ? Math.max(...instants) : undefined);
        }
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('a withdrawal by a counting actor, later than every other event, blocks that purpose', () => {
    fc.assert(
      fc.property(scenarioArb(), afterAll, fc.nat(), fc.constantFrom(...PURPOSES), (s, t, pick, purpose) => {
        const counting = ACTORS.filter((a) => oracle.counts(s.oracle, a, t, s.policy));
        fc.pre(counting.length > 0);
        const actor = counting[pick % counting.length]!;
        const withdrawal: ConsentEvent = {
          eventId: 'w:final',
          childId: s.oracle.childId,
          purpose,
          decision: 'withdrawn',
          actor,
          recordedBy: { userId: 'user-w', role: actor.kind, channel: 'app' },
          noticeVersion: '2026-03',
          at: new Date(t).toISOString(),
        };
        const verdict = evaluateConsentAt(s.subject, [...s.events, withdrawal], new Date(t), s.policy);
        expect(verdict.purposes[purpose].effective).toBe(false);
        expect(verdict.purposes[purpose].reasons).toContain(`withdrawn_by:${actorKey(actor)}`);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('evaluation at t ignores events after t: adding later events changes nothing', () => {
    const arb = scenarioArb().chain((s) =>
      fc.record({
        t: anyInstant,
        later: fc.array(eventArb(s.oracle.childId, 'x:', fc.integer({ min: 1, max: 400 * DAY })), { maxLength: 10 }),
      }).map(({ t, later }) => ({ s, t, later: later.map((e) => ({ ...e, at: new Date(t + Date.parse(e.at)).toISOString() })) })),
    );
    fc.assert(
      fc.property(arb, ({ s, t, later }) => {
        const at = new Date(t);
        const expected = evaluateConsentAt(s.subject, s.events, at, s.policy);
        expect(evaluateConsentAt(s.subject, [...later, ...s.events], at, s.policy)).toEqual(expected);
        // and the oracle agrees that nothing after t matters
        const withLater = { ...s.oracle, ledger: [...s.oracle.ledger, ...later.map(toOracleDecision)] };
        for (const purpose of PURPOSES) expect(oracle.effective(withLater, purpose, t, s.policy)).toBe(expected.purposes[purpose].effective);
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('nothing a child did before its deciding age ever starts to count', () => {
    fc.assert(
      fc.property(scenarioArb(), afterAll, (s, t) => {
        const early = s.events.filter((e) => e.actor.kind === 'child' && !countedWhenMade(s.subject, e, s.policy));
        const without = s.events.filter((e) => !early.includes(e));
        expect(evaluateConsentAt(s.subject, s.events, new Date(t), s.policy).purposes).toEqual(
          expect.objectContaining(
            Object.fromEntries(PURPOSES.map((p) => [p, expect.objectContaining({ effective: evaluateConsentAt(s.subject, without, new Date(t), s.policy).purposes[p].effective })])),
          ),
        );
      }),
      { numRuns: NUM_RUNS },
    );
  });

  test('an empty ledger is never consent', () => {
    fc.assert(
      fc.property(scenarioArb(), anyInstant, (s, t) => {
        const verdict = evaluateConsent(s.subject, emptyProjection(), new Date(t), s.policy);
        for (const purpose of PURPOSES) expect(verdict.purposes[purpose].effective).toBe(false);
      }),
      { numRuns: 100 },
    );
  });
});
