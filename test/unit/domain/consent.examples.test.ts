/**
 * The consent rules of SPEC sections 2 and 3, on the examples of section 10 (1 to 4) and the edges around them.
 */
import {
  actorFromKey,
  actorKey,
  applyEvent,
  blockers,
  compareLedgerOrder,
  emptyProjection,
  evaluateConsent,
  evaluateConsentAt,
  project,
  type ActorKey,
  type ConsentSubject as ChildFacts,
  type ConsentEvent,
  type ConsentVerdict,
  type Reason,
} from '../../../functions/domain/consent';
import { PURPOSES, type AgePolicy, type Purpose } from '../../../functions/domain/purposes';
import { childActor, childFacts, grant, guardian, link, withdraw } from './builders';

function verdictAt(child: ChildFacts, ledger: readonly ConsentEvent[], at: string, policy: AgePolicy = 'youth-care'): ConsentVerdict {
  return evaluateConsentAt(child, ledger, new Date(at), policy);
}

const sorted = (reasons: readonly Reason[]): Reason[] => [...reasons].sort();

interface ExampleRow {
  name: string;
  child: ChildFacts;
  policy: AgePolicy;
  ledger: ConsentEvent[];
  at: string;
  purpose: Purpose;
  effective: boolean;
  reasons: Reason[];
  age: number;
}

const g1 = guardian('g1');
const g2 = guardian('g2');

// Example 1: a child aged 8 with two guardians with authority.
const eight = childFacts('2018-03-15', [link('g1'), link('g2')]);
const ex1Grant = grant(g1, '2026-05-01T09:00:00Z', 'publication');
const ex1Withdraw = withdraw(g2, '2026-05-02T09:00:00Z', 'publication');

// Example 2: a child aged 13, coaching_video.
const thirteen = childFacts('2013-01-10', [link('g1')]);
const ex2Guardian = grant(g1, '2026-05-01T09:00:00Z', 'coaching_video');
const ex2ChildGrant = grant(childActor, '2026-05-02T09:00:00Z', 'coaching_video');
const ex2ChildWithdraw = withdraw(childActor, '2026-05-03T09:00:00Z', 'coaching_video');

// Example 3: a child aged 17.
const seventeen = childFacts('2009-02-01', [link('g1')]);
const ex3Guardian = grant(g1, '2026-05-01T09:00:00Z', 'publication');
const ex3Child = grant(childActor, '2026-05-02T09:00:00Z', 'publication');

// Example 4: born 2011-05-01, turns 16 on 2027-05-01.
const turning16 = childFacts('2011-05-01', [link('g1')]);
const ex4ChildGrant = grant(childActor, '2027-01-10T09:00:00Z', 'publication');
const ex4GuardianWithdraw = withdraw(g1, '2027-02-01T09:00:00Z', 'publication');
const ex4GuardianGrant = grant(g1, '2027-01-10T09:00:00Z', 'publication');

const EVAL_2026 = '2026-06-01T10:00:00Z';

const examples: ExampleRow[] = [
  {
    name: 'example 1: under 12, one guardian with authority granting makes publication effective',
    child: eight, policy: 'youth-care', ledger: [ex1Grant], at: EVAL_2026,
    purpose: 'publication', effective: true, reasons: [], age: 8,
  },
  {
    name: 'example 1: a withdrawal by the second guardian blocks publication',
    child: eight, policy: 'youth-care', ledger: [ex1Grant, ex1Withdraw], at: EVAL_2026,
    purpose: 'publication', effective: false, reasons: ['withdrawn_by:guardian:g2'], age: 8,
  },
  {
    name: "example 2: at 13 (youth-care) a guardian's grant alone is not enough, the child must decide",
    child: thirteen, policy: 'youth-care', ledger: [ex2Guardian], at: EVAL_2026,
    purpose: 'coaching_video', effective: false, reasons: ['needs:child'], age: 13,
  },
  {
    name: 'example 2: at 13 (youth-care) guardian and child both granting is effective',
    child: thirteen, policy: 'youth-care', ledger: [ex2Guardian, ex2ChildGrant], at: EVAL_2026,
    purpose: 'coaching_video', effective: true, reasons: [], age: 13,
  },
  {
    name: "example 2: at 13 (youth-care) the child's own withdrawal blocks despite the guardian's grant",
    child: thirteen, policy: 'youth-care', ledger: [ex2Guardian, ex2ChildGrant, ex2ChildWithdraw], at: EVAL_2026,
    purpose: 'coaching_video', effective: false, reasons: ['withdrawn_by:child'], age: 13,
  },
  {
    name: "example 2: at 13 under uavg the guardian's grant alone is effective",
    child: thirteen, policy: 'uavg', ledger: [ex2Guardian], at: EVAL_2026,
    purpose: 'coaching_video', effective: true, reasons: [], age: 13,
  },
  {
    name: "example 3: at 17 a guardian's grant no longer counts",
    child: seventeen, policy: 'youth-care', ledger: [ex3Guardian], at: EVAL_2026,
    purpose: 'publication', effective: false, reasons: ['needs:child'], age: 17,
  },
  {
    name: "example 3: at 17 the child's own grant is effective",
    child: seventeen, policy: 'youth-care', ledger: [ex3Guardian, ex3Child], at: EVAL_2026,
    purpose: 'publication', effective: true, reasons: [], age: 17,
  },
  {
    name: "example 4: at 15 (youth-care) the guardian's withdrawal counts against the child's grant",
    child: turning16, policy: 'youth-care', ledger: [ex4ChildGrant, ex4GuardianWithdraw], at: '2027-04-30T10:00:00Z',
    purpose: 'publication', effective: false, reasons: ['withdrawn_by:guardian:g1', 'needs:guardian'], age: 15,
  },
  {
    name: "example 4: on the 16th birthday only the child's grant counts",
    child: turning16, policy: 'youth-care', ledger: [ex4ChildGrant, ex4GuardianWithdraw], at: '2027-05-01T10:00:00Z',
    purpose: 'publication', effective: true, reasons: [], age: 16,
  },
  {
    name: "example 4: at 15 under uavg the guardian's grant alone is effective",
    child: turning16, policy: 'uavg', ledger: [ex4GuardianGrant], at: '2027-04-30T10:00:00Z',
    purpose: 'publication', effective: true, reasons: [], age: 15,
  },
  {
    name: "example 4: on the 16th birthday under uavg the guardian's grant stops counting",
    child: turning16, policy: 'uavg', ledger: [ex4GuardianGrant], at: '2027-05-01T10:00:00Z',
    purpose: 'publication', effective: false, reasons: ['needs:child'], age: 16,
  },
];

describe('SPEC section 10, examples 1 to 4', () => {
  test.each(examples)('$name', ({ child, policy, ledger, at, purpose, effective, reasons, age }) => {
    const verdict = verdictAt(child, ledger, at, policy);
    expect(verdict.age).toBe(age);
    expect(verdict.policy).toBe(policy);
    expect(verdict.purposes[purpose].effective).toBe(effective);
    expect(sorted(verdict.purposes[purpose].reasons)).toEqual(sorted(reasons));
  });

  test("example 4 at 16: the guardian's withdrawal is on record but listed as ignored", () => {
    const v = verdictAt(turning16, [ex4ChildGrant, ex4GuardianWithdraw], '2027-05-01T10:00:00Z');
    expect(v.purposes.publication.ignored).toEqual([{ actor: 'guardian:g1', decision: 'withdrawn', counts: false }]);
    expect(v.purposes.publication.deciders).toEqual([{ actor: 'child', decision: 'granted', counts: true }]);
  });

  test('example 3 at 17: the guardian grant is listed as ignored', () => {
    const v = verdictAt(seventeen, [ex3Guardian], EVAL_2026);
    expect(v.purposes.publication.ignored).toEqual([{ actor: 'guardian:g1', decision: 'granted', counts: false }]);
  });
});

describe('birthdays change the effective state at Amsterdam midnight, without a new event', () => {
  // Born 2015-05-01: turns 12 on 2027-05-01. Amsterdam is UTC+2 then, so midnight is 2027-04-30T22:00:00Z.
  const child = childFacts('2015-05-01', [link('g1')]);
  const ledger = [grant(g1, '2027-01-01T10:00:00Z', 'parent_information')];

  test.each([
    ['2027-04-30T21:59:59.999Z', 11, 'under_12', true, []],
    ['2027-04-30T22:00:00.000Z', 12, '12_to_15', false, ['needs:child']],
    ['2027-05-01T10:00:00.000Z', 12, '12_to_15', false, ['needs:child']],
  ] as const)('youth-care at %s: age %i (%s), effective %s', (at, age, band, effective, reasons) => {
    const v = verdictAt(child, ledger, at, 'youth-care');
    expect(v.age).toBe(age);
    expect(v.ageBand).toBe(band);
    expect(v.purposes.parent_information.effective).toBe(effective);
    expect(v.purposes.parent_information.reasons).toEqual(reasons);
  });

  test('turning 12 under uavg changes nothing: guardians still decide', () => {
    const v = verdictAt(child, ledger, '2027-04-30T22:00:00Z', 'uavg');
    expect(v.age).toBe(12);
    expect(v.purposes.parent_information.effective).toBe(true);
  });

  describe('turning 16 with no own decision gives no effective consent', () => {
    // Born 2011-05-01: 16 at 2027-04-30T22:00:00Z.
    const sixteen = childFacts('2011-05-01', [link('g1')]);
    const guardianOnly = [grant(g1, '2027-01-01T10:00:00Z')];

    test.each(['youth-care', 'uavg'] as const)('%s: the guardian grant stops counting, reason needs:child', (policy) => {
      const before = verdictAt(sixteen, guardianOnly, '2027-04-30T21:59:59Z', policy);
      const after = verdictAt(sixteen, guardianOnly, '2027-04-30T22:00:00Z', policy);
      expect(before.age).toBe(15);
      expect(after.age).toBe(16);
      expect(after.ageBand).toBe('16_plus');
      expect(after.purposes.publication.effective).toBe(false);
      expect(after.purposes.publication.reasons).toEqual(['needs:child']);
      expect(after.purposes.publication.deciders).toEqual([{ actor: 'child', decision: null, counts: true }]);
      // under uavg the guardian's grant was enough the moment before; under youth-care the child had not decided
      expect(before.purposes.publication.effective).toBe(policy === 'uavg');
    });

    test("a child who granted at 15 stays effective at 16, whatever the guardian's later withdrawal", () => {
      const ledger2 = [
        grant(g1, '2027-01-01T10:00:00Z'),
        grant(childActor, '2027-01-02T10:00:00Z'),
        withdraw(g1, '2027-05-01T08:00:00Z'),
      ];
      expect(verdictAt(sixteen, ledger2, '2027-05-02T10:00:00Z').purposes.publication.effective).toBe(true);
    });
  });

  describe('leap-day births', () => {
    // Born 2012-02-29: 12 on 2024-02-29 (leap year), Amsterdam midnight is 2024-02-28T23:00:00Z (CET).
    const leap = childFacts('2012-02-29', [link('g1')]);
    const ledger2 = [grant(g1, '2023-06-01T10:00:00Z')];

    test('turning 12 on 29 February of a leap year, at Amsterdam midnight', () => {
      const before = verdictAt(leap, ledger2, '2024-02-28T22:59:59Z');
      const after = verdictAt(leap, ledger2, '2024-02-28T23:00:00Z');
      expect(before.age).toBe(11);
      expect(before.purposes.publication.effective).toBe(true);
      expect(after.age).toBe(12);
      expect(after.purposes.publication.reasons).toEqual(['needs:child']);
    });

    test('in a non-leap year the birthday is 1 March: not yet a year older on 28 February', () => {
      expect(verdictAt(leap, ledger2, '2023-02-28T12:00:00Z').age).toBe(10);
      expect(verdictAt(leap, ledger2, '2023-02-28T23:00:00Z').age).toBe(11);
    });

    test('born 2088-02-29 turns 12 on 2100-03-01 (2100 is not a leap year)', () => {
      const child2100 = childFacts('2088-02-29', [link('g1')]);
      const l = [grant(g1, '2099-06-01T10:00:00Z')];
      const lastDayUnder12 = verdictAt(child2100, l, '2100-02-28T12:00:00Z');
      const firstDay12 = verdictAt(child2100, l, '2100-02-28T23:00:00Z');
      expect(lastDayUnder12.age).toBe(11);
      expect(lastDayUnder12.purposes.publication.effective).toBe(true);
      expect(firstDay12.age).toBe(12);
      expect(firstDay12.purposes.publication.reasons).toEqual(['needs:child']);
    });
  });
});

describe('who counts: guardians with parental authority', () => {
  test.each([
    ['no guardian at all', [] as ReturnType<typeof link>[]],
    ['only a guardian without parental authority', [link('g1', false)]],
  ])('a child under 16 with %s never has effective consent (no_guardian_with_authority)', (_label, guardians) => {
    const child = childFacts('2018-03-15', guardians);
    const ledger = [grant(g1, '2026-05-01T09:00:00Z'), grant(childActor, '2026-05-01T10:00:00Z')];
    const v = verdictAt(child, ledger, EVAL_2026);
    for (const purpose of PURPOSES) {
      expect(v.purposes[purpose].effective).toBe(false);
      expect(v.purposes[purpose].reasons).toContain('no_guardian_with_authority');
    }
    expect(v.purposes.publication.deciders).toEqual([]);
  });

  test.each(['youth-care', 'uavg'] as const)(
    'at 13 (%s) without a guardian with authority even the child grant is not enough',
    (policy) => {
      const child = childFacts('2013-01-10', []);
      const v = verdictAt(child, [grant(childActor, '2026-05-01T09:00:00Z')], EVAL_2026, policy);
      expect(v.purposes.publication.effective).toBe(false);
      expect(v.purposes.publication.reasons).toContain('no_guardian_with_authority');
    },
  );

  test('at 16 no guardian is needed: the child alone decides', () => {
    const child = childFacts('2009-02-01', []);
    const v = verdictAt(child, [grant(childActor, '2026-05-01T09:00:00Z')], EVAL_2026);
    expect(v.purposes.publication.effective).toBe(true);
    expect(v.purposes.publication.reasons).toEqual([]);
  });

  test("a guardian without parental authority: the grant does not count and is listed in 'ignored'", () => {
    const child = childFacts('2018-03-15', [link('g1'), link('g2', false)]);
    const v = verdictAt(child, [grant(g2, '2026-05-01T09:00:00Z')], EVAL_2026);
    expect(v.purposes.publication.effective).toBe(false);
    expect(v.purposes.publication.reasons).toEqual(['needs:guardian']);
    expect(v.purposes.publication.deciders).toEqual([{ actor: 'guardian:g1', decision: null, counts: true }]);
    expect(v.purposes.publication.ignored).toEqual([{ actor: 'guardian:g2', decision: 'granted', counts: false }]);
  });

  test('a withdrawal by a guardian without parental authority does not block', () => {
    const child = childFacts('2018-03-15', [link('g1'), link('g2', false)]);
    const ledger = [grant(g1, '2026-05-01T09:00:00Z'), withdraw(g2, '2026-05-02T09:00:00Z')];
    const v = verdictAt(child, ledger, EVAL_2026);
    expect(v.purposes.publication.effective).toBe(true);
    expect(v.purposes.publication.ignored).toEqual([{ actor: 'guardian:g2', decision: 'withdrawn', counts: false }]);
  });

  test("a decision by someone who is not linked to the child is ignored", () => {
    const child = childFacts('2018-03-15', [link('g1')]);
    const ledger = [grant(g1, '2026-05-01T09:00:00Z'), withdraw(guardian('stranger'), '2026-05-02T09:00:00Z')];
    const v = verdictAt(child, ledger, EVAL_2026);
    expect(v.purposes.publication.effective).toBe(true);
    expect(v.purposes.publication.ignored).toEqual([{ actor: 'guardian:stranger', decision: 'withdrawn', counts: false }]);
  });

  test("under 12 the child's own decision is ignored, a withdrawal does not block", () => {
    const child = childFacts('2018-03-15', [link('g1')]);
    const ledger = [grant(g1, '2026-05-01T09:00:00Z'), withdraw(childActor, '2026-05-02T09:00:00Z')];
    const v = verdictAt(child, ledger, EVAL_2026);
    expect(v.purposes.publication.effective).toBe(true);
    expect(v.purposes.publication.ignored).toEqual([{ actor: 'child', decision: 'withdrawn', counts: false }]);
  });
});

describe('decisions: silence, disagreement, the latest decision per actor', () => {
  const two = childFacts('2018-03-15', [link('g1'), link('g2')]);

  test('silence is not consent: no decision at all gives needs:guardian for every purpose', () => {
    const v = verdictAt(two, [], EVAL_2026);
    for (const purpose of PURPOSES) {
      expect(v.purposes[purpose].effective).toBe(false);
      expect(v.purposes[purpose].reasons).toEqual(['needs:guardian']);
      expect(v.purposes[purpose].deciders).toEqual([
        { actor: 'guardian:g1', decision: null, counts: true },
        { actor: 'guardian:g2', decision: null, counts: true },
      ]);
      expect(v.purposes[purpose].ignored).toEqual([]);
    }
  });

  test.each([
    ['the grant came first', [grant(g1, '2026-05-01T09:00:00Z'), withdraw(g2, '2026-05-02T09:00:00Z')]],
    ['the withdrawal came first', [withdraw(g2, '2026-05-01T09:00:00Z'), grant(g1, '2026-05-02T09:00:00Z')]],
  ])('two guardians disagree (%s): the withdrawal blocks', (_label, ledger) => {
    const v = verdictAt(two, ledger, EVAL_2026);
    expect(v.purposes.publication.effective).toBe(false);
    expect(v.purposes.publication.reasons).toEqual(['withdrawn_by:guardian:g2']);
    expect(v.purposes.publication.deciders).toEqual([
      { actor: 'guardian:g1', decision: 'granted', counts: true },
      { actor: 'guardian:g2', decision: 'withdrawn', counts: true },
    ]);
  });

  test('both guardians withdrawing gives one reason per guardian', () => {
    const ledger = [withdraw(g1, '2026-05-01T09:00:00Z'), withdraw(g2, '2026-05-02T09:00:00Z')];
    expect(sorted(verdictAt(two, ledger, EVAL_2026).purposes.publication.reasons)).toEqual(
      sorted(['withdrawn_by:guardian:g1', 'withdrawn_by:guardian:g2', 'needs:guardian']),
    );
  });

  const grantWithdrawGrant = [
    grant(g1, '2026-05-01T09:00:00Z'),
    withdraw(g1, '2026-05-02T09:00:00Z'),
    grant(g1, '2026-05-03T09:00:00Z'),
  ];

  test.each([
    ['grant, withdraw, grant: the latest grant counts', grantWithdrawGrant, true],
    ['grant, withdraw: the latest withdrawal counts', grantWithdrawGrant.slice(0, 2), false],
    ['the same events delivered in reverse arrival order', [...grantWithdrawGrant].reverse(), true],
  ])('same guardian, %s', (_label, ledger, effective) => {
    const v = verdictAt(childFacts('2018-03-15', [link('g1')]), ledger, EVAL_2026);
    expect(v.purposes.publication.effective).toBe(effective);
  });

  test('two decisions by one actor at the same instant: the larger event id is later in the ledger', () => {
    const at = '2026-05-01T09:00:00Z';
    const ledger = [withdraw(g1, at, 'publication', 'evt-b'), grant(g1, at, 'publication', 'evt-a')];
    const v = verdictAt(childFacts('2018-03-15', [link('g1')]), ledger, EVAL_2026);
    expect(v.purposes.publication.effective).toBe(false);
    expect(v.purposes.publication.reasons).toContain('withdrawn_by:guardian:g1');
  });

  test('per-purpose independence: a grant or withdrawal for one purpose leaves the others alone', () => {
    const child = childFacts('2018-03-15', [link('g1')]);
    const ledger = [
      grant(g1, '2026-05-01T09:00:00Z', 'publication'),
      grant(g1, '2026-05-01T09:00:00Z', 'parent_information'),
      withdraw(g1, '2026-05-02T09:00:00Z', 'parent_information'),
    ];
    const v = verdictAt(child, ledger, EVAL_2026);
    expect(v.purposes.publication.effective).toBe(true);
    expect(v.purposes.parent_information.effective).toBe(false);
    expect(v.purposes.parent_information.reasons).toEqual(['withdrawn_by:guardian:g1', 'needs:guardian']);
    expect(v.purposes.coaching_video.effective).toBe(false);
    expect(v.purposes.coaching_video.reasons).toEqual(['needs:guardian']);
  });
});

describe('deciders: who may decide now', () => {
  const guardians = [link('g1'), link('g2'), link('g3', false)];
  test.each([
    ['2018-03-15', 'youth-care', 8, ['guardian:g1', 'guardian:g2']],
    ['2018-03-15', 'uavg', 8, ['guardian:g1', 'guardian:g2']],
    ['2013-01-10', 'youth-care', 13, ['guardian:g1', 'guardian:g2', 'child']],
    ['2013-01-10', 'uavg', 13, ['guardian:g1', 'guardian:g2']],
    ['2009-02-01', 'youth-care', 17, ['child']],
    ['2009-02-01', 'uavg', 17, ['child']],
  ] as [string, AgePolicy, number, ActorKey[]][])('born %s, %s, age %i: %j', (birthDate, policy, age, expected) => {
    const v = verdictAt(childFacts(birthDate, guardians), [], EVAL_2026, policy);
    expect(v.age).toBe(age);
    for (const purpose of PURPOSES) {
      expect(v.purposes[purpose].deciders.map((d) => d.actor)).toEqual(expected);
      expect(v.purposes[purpose].deciders.every((d) => d.counts && d.decision === null)).toBe(true);
    }
  });
});

describe('blocks on every use: ended enrolment and the safeguarding flag', () => {
  const allGranted = PURPOSES.flatMap((purpose) => [
    grant(g1, '2026-05-01T09:00:00Z', purpose),
    grant(childActor, '2026-05-01T10:00:00Z', purpose),
  ]);

  describe('status ended, from its endDate in Amsterdam', () => {
    // endDate 2026-09-01: Amsterdam midnight (CEST) is 2026-08-31T22:00:00Z.
    const ended = childFacts('2013-01-10', [link('g1')], { endDate: '2026-09-01' });

    test.each([
      ['2026-08-31T12:00:00Z', true, []],
      ['2026-08-31T21:59:59Z', true, []],
      ['2026-08-31T22:00:00Z', false, ['ended']],
      ['2026-09-01T12:00:00Z', false, ['ended']],
      ['2027-01-01T12:00:00Z', false, ['ended']],
    ] as [string, boolean, Reason[]][])('at %s effective is %s', (at, effective, reasons) => {
      const v = verdictAt(ended, allGranted, at);
      for (const purpose of PURPOSES) {
        expect(v.purposes[purpose].effective).toBe(effective);
        expect(v.purposes[purpose].reasons).toEqual(reasons);
      }
    });

    test('an end date in the past counts from when it was recorded: what was allowed before is not rewritten', () => {
      const late = { ...ended, history: { ...ended.history, enrolment: { ...ended.history.enrolment, endRecordedAt: '2026-10-01T08:00:00Z' } } };
      expect(verdictAt(late, allGranted, '2026-09-15T12:00:00Z').purposes.publication.effective).toBe(true);
      expect(verdictAt(late, allGranted, '2026-10-01T07:59:59.999Z').purposes.publication.effective).toBe(true);
      expect(verdictAt(late, allGranted, '2026-10-01T08:00:00Z').purposes.publication.reasons).toEqual(['ended']);
    });
  });

  test('the safeguarding flag blocks all three purposes even with every consent granted', () => {
    const flagged = childFacts('2013-01-10', [link('g1')], { safeguarding: true });
    const v = verdictAt(flagged, allGranted, EVAL_2026);
    for (const purpose of PURPOSES) {
      expect(v.purposes[purpose].effective).toBe(false);
      expect(v.purposes[purpose].reasons).toEqual(['safeguarding']);
    }
    expect(blockers(v, PURPOSES)).toEqual(PURPOSES.map((purpose) => ({ purpose, reasons: ['safeguarding'] })));
    // the same ledger without the flag is effective everywhere
    const unflagged = verdictAt(childFacts('2013-01-10', [link('g1')]), allGranted, EVAL_2026);
    expect(PURPOSES.every((p) => unflagged.purposes[p].effective)).toBe(true);
  });
});

describe('evaluateConsentAt: the state at a past instant ignores later events', () => {
  const child = childFacts('2018-03-15', [link('g1')]);
  const ledger = [grant(g1, '2026-05-01T10:00:00Z'), withdraw(g1, '2026-05-01T12:00:00Z')];

  test.each([
    ['2026-05-01T09:59:59.999Z', false, ['needs:guardian']],
    ['2026-05-01T10:00:00.000Z', true, []],
    ['2026-05-01T11:00:00.000Z', true, []],
    ['2026-05-01T11:59:59.999Z', true, []],
    ['2026-05-01T12:00:00.000Z', false, ['withdrawn_by:guardian:g1', 'needs:guardian']],
    ['2026-06-01T12:00:00.000Z', false, ['withdrawn_by:guardian:g1', 'needs:guardian']],
  ] as [string, boolean, Reason[]][])('at %s effective is %s (an event at exactly t counts)', (at, effective, reasons) => {
    const v = verdictAt(child, ledger, at);
    expect(v.evaluatedAt).toBe(new Date(at).toISOString());
    expect(v.purposes.publication.effective).toBe(effective);
    expect(v.purposes.publication.reasons).toEqual(reasons);
  });

  test('equals evaluating the projection of the events up to t', () => {
    const t = new Date('2026-05-01T11:00:00Z');
    expect(evaluateConsentAt(child, ledger, t, 'youth-care')).toEqual(
      evaluateConsent(child, project([ledger[0] as ConsentEvent], () => true), t, 'youth-care'),
    );
  });
});

describe('blockers', () => {
  const child = childFacts('2018-03-15', [link('g1')]);
  const ledger = [
    grant(g1, '2026-05-01T09:00:00Z', 'publication'),
    withdraw(g1, '2026-05-01T09:00:00Z', 'coaching_video'),
  ];
  const v = verdictAt(child, ledger, EVAL_2026);

  test('empty when every wanted purpose is effective', () => {
    expect(blockers(v, ['publication'])).toEqual([]);
    expect(blockers(v, [])).toEqual([]);
  });

  test('lists only the wanted purposes that are not effective, in the order asked, with reasons', () => {
    expect(blockers(v, ['parent_information', 'publication', 'coaching_video'])).toEqual([
      { purpose: 'parent_information', reasons: ['needs:guardian'] },
      { purpose: 'coaching_video', reasons: ['withdrawn_by:guardian:g1', 'needs:guardian'] },
    ]);
  });
});

describe('ledger mechanics', () => {
  test('actorKey and actorFromKey round-trip', () => {
    expect(actorKey(childActor)).toBe('child');
    expect(actorKey(guardian('g-7'))).toBe('guardian:g-7');
    expect(actorFromKey('child')).toEqual(childActor);
    expect(actorFromKey('guardian:g-7')).toEqual(guardian('g-7'));
    expect(() => actorFromKey('guardian:')).toThrow(/not an actor key/);
    expect(() => actorFromKey('staff:1')).toThrow(/not an actor key/);
  });

  test('ledger order is by instant (not by text), then by event id', () => {
    const a = { at: '2026-05-01T10:00:00+02:00', eventId: 'z' };
    const b = { at: '2026-05-01T09:00:00Z', eventId: 'a' };
    expect(compareLedgerOrder(a, b)).toBeLessThan(0); // 08:00Z before 09:00Z
    expect(compareLedgerOrder(b, a)).toBeGreaterThan(0);
    expect(compareLedgerOrder({ at: b.at, eventId: 'a' }, { at: b.at, eventId: 'b' })).toBeLessThan(0);
    expect(compareLedgerOrder(b, { ...b })).toBe(0);
  });

  test('applyEvent: an older event does not replace a newer one; redelivery changes nothing', () => {
    const newer = withdraw(g1, '2026-05-02T09:00:00Z');
    const older = grant(g1, '2026-05-01T09:00:00Z');
    const p = applyEvent(applyEvent(emptyProjection(), newer, true), older, true);
    expect(p.latest.publication['guardian:g1']).toEqual({ decision: 'withdrawn', at: newer.at, eventId: newer.eventId });
    expect(p.counting.publication['guardian:g1']).toEqual({ decision: 'withdrawn', at: newer.at, eventId: newer.eventId });
    expect(p.withdrawnAt.publication).toBe(newer.at);
    expect(applyEvent(p, newer, true)).toEqual(p);
  });

  test('project with until ignores later events', () => {
    const early = grant(g1, '2026-05-01T09:00:00Z');
    const late = withdraw(g1, '2026-05-02T09:00:00Z');
    expect(project([late, early], () => true, new Date('2026-05-01T12:00:00Z')).latest.publication['guardian:g1']?.decision).toBe('granted');
    expect(project([late, early], () => true).latest.publication['guardian:g1']?.decision).toBe('withdrawn');
  });
});
