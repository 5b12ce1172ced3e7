/**
 * The one gate for every use of footage (SPEC sections 4 to 6), pure: table-driven on the edges
 * (a withdrawal before and after the recording, a re-grant, retention ending at Amsterdam
 * midnight, the group at the recording, a child gone or being erased, an export's copies) and as
 * a property against the oracle written from the specification.
 */
import fc from 'fast-check';
import { applyEvent, countedWhenMade, emptyProjection, type ConsentEvent, type ConsentSubject } from '../../../functions/domain/consent';
import { withGroups, withSafeguarding } from '../../../functions/domain/facts';
import { mayUse, type Depicted, type RulesChild, type Use, type UseItem } from '../../../functions/domain/gate';
import { PURPOSES, type AgePolicy } from '../../../functions/domain/purposes';
import { DEFAULT_RETENTION, deletionDates } from '../../../functions/domain/retention';
import * as oracle from '../../oracle/spec-oracle';
import { SINCE_ALWAYS, childFacts, grant, guardian, link, withdraw } from './builders';
import { DAY, FROM, SPAN_DAYS, TO, afterAll, rulesChild, scenarioArb, type Scenario } from './scenarios';

const POLICY: AgePolicy = 'youth-care';
const g1 = guardian('g1');

function child(childId: string, subject: ConsentSubject, events: ConsentEvent[], extra: Partial<RulesChild> = {}): RulesChild {
  const consent = events.reduce((p, e) => applyEvent(p, e, countedWhenMade(subject, e, POLICY)), emptyProjection());
  return { childId, ...subject, consent, ...extra };
}

function item(over: Partial<UseItem> & { recordedAt: string }): UseItem {
  const purposes = over.purposes ?? ['parent_information'];
  return {
    status: 'available',
    purposes,
    deletionDates: deletionDates(new Date(over.recordedAt), purposes, DEFAULT_RETENTION),
    createdAt: over.recordedAt,
    childIds: ['a'],
    objectKey: 'media/x',
    ...over,
  };
}

const depictedOf = (...children: RulesChild[]): Depicted => {
  const byId = new Map(children.map((c) => [c.childId, c]));
  return { child: (id) => byId.get(id) };
};

const six = childFacts('2020-01-10', [link('g1')]);
const view: Use = { kind: 'view', purpose: 'parent_information' };

describe('the gate, on the edges', () => {
  const granted = grant(g1, '2026-01-05T10:00:00Z', 'parent_information', 'e-grant');

  test('footage of no child is never blocked by consent', () => {
    expect(mayUse(POLICY, view, item({ recordedAt: '2026-02-01T10:00:00Z', childIds: [] }), depictedOf(), new Date('2026-03-01T10:00:00Z'))).toEqual({ allowed: true, purposes: ['parent_information'] });
  });

  test.each([
    ['granted before the recording, nothing since', [granted], true, []],
    ['withdrawn before the recording and granted again before it', [granted, withdraw(g1, '2026-01-10T10:00:00Z', 'parent_information'), grant(g1, '2026-01-20T10:00:00Z', 'parent_information')], true, []],
    ['withdrawn after the recording: the purpose is gone', [granted, withdraw(g1, '2026-02-10T10:00:00Z', 'parent_information')], false, ['withdrawn_by:guardian:g1', 'needs:guardian', 'withdrawn_since_recording']],
    ['withdrawn after the recording and granted again: still gone for this footage', [granted, withdraw(g1, '2026-02-10T10:00:00Z', 'parent_information'), grant(g1, '2026-02-11T10:00:00Z', 'parent_information')], false, ['withdrawn_since_recording']],
    ['another purpose withdrawn after the recording: unaffected', [granted, grant(g1, '2026-01-05T10:00:00Z', 'publication'), withdraw(g1, '2026-02-10T10:00:00Z', 'publication')], true, []],
  ] as [string, ConsentEvent[], boolean, string[]][])('a view: %s', (_name, events, allowed, reasons) => {
    const verdict = mayUse(POLICY, view, item({ recordedAt: '2026-02-01T10:00:00Z' }), depictedOf(child('a', six, events)), new Date('2026-03-01T10:00:00Z'));
    expect(verdict.allowed).toBe(allowed);
    if (!verdict.allowed) expect(verdict.blockers).toEqual([{ childId: 'a', purpose: 'parent_information', when: 'now', reasons }]);
  });

  test('a withdrawal by someone who does not count takes nothing (a guardian of a 17-year-old)', () => {
    const seventeen = childFacts('2009-01-10', [link('g1')]);
    const events = [grant({ kind: 'child' }, '2026-01-05T10:00:00Z', 'parent_information'), withdraw(g1, '2026-02-10T10:00:00Z', 'parent_information')];
    expect(mayUse(POLICY, view, item({ recordedAt: '2026-02-01T10:00:00Z' }), depictedOf(child('a', seventeen, events)), new Date('2026-03-01T10:00:00Z')).allowed).toBe(true);
  });

  test.each([
    ['2029-01-31T22:59:59.999Z', true],
    ['2029-01-31T23:00:00.000Z', false],
  ])('retention ends at 00:00 Amsterdam on its end date, whether or not the sweep has run (at %s: %s)', (at, allowed) => {
    const verdict = mayUse(POLICY, view, item({ recordedAt: '2026-02-01T10:00:00Z' }), depictedOf(child('a', six, [granted])), new Date(at));
    expect(verdict.allowed).toBe(allowed);
    if (!verdict.allowed) expect(verdict.reasons).toEqual(['retention_ended']);
  });

  test('a stored deletion date past the three-year ceiling does not extend the use', () => {
    const longer = item({ recordedAt: '2026-02-01T10:00:00Z', deletionDates: { parent_information: '2035-01-01' } });
    expect(mayUse(POLICY, view, longer, depictedOf(child('a', six, [granted])), new Date('2029-02-01T12:00:00Z'))).toMatchObject({ allowed: false, reasons: ['retention_ended'] });
  });

  test('a child that is gone or being erased blocks every use', () => {
    const at = new Date('2026-03-01T10:00:00Z');
    const it = item({ recordedAt: '2026-02-01T10:00:00Z', childIds: ['a', 'b'] });
    expect(mayUse(POLICY, view, it, depictedOf(child('a', six, [granted])), at)).toMatchObject({ allowed: false, blockers: [{ childId: 'b', reasons: ['child_not_found'] }] });
    const erasing = child('b', six, [granted], { erasure: { requestId: 'r', startedAt: '2026-02-20T10:00:00Z' } });
    expect(mayUse(POLICY, view, it, depictedOf(child('a', six, [granted]), erasing), at)).toMatchObject({ allowed: false, blockers: [{ childId: 'b', reasons: ['being_erased'] }] });
  });

  test('publishing: recorded for publication, available, not retained after a withdrawal', () => {
    const pubGrant = grant(g1, '2026-01-05T10:00:00Z', 'publication');
    const at = new Date('2026-03-01T10:00:00Z');
    const kid = child('a', six, [pubGrant]);
    expect(mayUse(POLICY, { kind: 'publish' }, item({ recordedAt: '2026-02-01T10:00:00Z', purposes: ['publication'] }), depictedOf(kid), at).allowed).toBe(true);
    expect(mayUse(POLICY, { kind: 'publish' }, item({ recordedAt: '2026-02-01T10:00:00Z', purposes: ['parent_information'] }), depictedOf(kid), at)).toMatchObject({ allowed: false, reasons: ['not_recorded_for_publication'] });
    expect(mayUse(POLICY, { kind: 'publish' }, item({ recordedAt: '2026-02-01T10:00:00Z', purposes: ['publication'], status: 'pending' }), depictedOf(kid), at)).toMatchObject({ allowed: false, reasons: ['not_available'] });
    expect(
      mayUse(POLICY, { kind: 'publish' }, item({ recordedAt: '2026-02-01T10:00:00Z', purposes: ['publication'], retainedBecausePublished: '2026-02-15T10:00:00Z' }), depictedOf(kid), at),
    ).toMatchObject({ allowed: false, reasons: ['retained_after_withdrawal'] });
  });

  describe('an upload', () => {
    const upload = (recordedAt: string, groupId = 'group-1'): Use => ({ kind: 'upload', purposes: ['parent_information'], recordedAt: new Date(recordedAt), groupId });
    const now = new Date('2026-03-01T10:00:00Z');
    const pending = (recordedAt: string) => item({ recordedAt, createdAt: now.toISOString(), status: 'pending' });

    test('example 8: consent granted only after the recording is refused, at recorded_at', () => {
      const late = grant(g1, '2026-02-20T10:00:00Z', 'parent_information');
      const verdict = mayUse(POLICY, upload('2026-02-10T10:00:00Z'), pending('2026-02-10T10:00:00Z'), { child: () => child('a', six, [late]), ledger: () => [] }, now);
      expect(verdict).toMatchObject({ allowed: false, blockers: [{ childId: 'a', purpose: 'parent_information', when: 'recorded_at', reasons: ['needs:guardian'] }] });
    });

    test('recorded before a withdrawal and uploaded after the grant that followed it: refused', () => {
      const events = [granted, withdraw(g1, '2026-02-15T10:00:00Z', 'parent_information'), grant(g1, '2026-02-20T10:00:00Z', 'parent_information')];
      const verdict = mayUse(POLICY, upload('2026-02-10T10:00:00Z'), pending('2026-02-10T10:00:00Z'), { child: () => child('a', six, events), ledger: () => [granted] }, now);
      expect(verdict).toMatchObject({ allowed: false, blockers: [{ when: 'now', reasons: ['withdrawn_since_recording'] }] });
    });

    test('the safeguarding flag set since the recording refuses it now; lifted since, the recording is refused', () => {
      const flagged = { ...six, history: withSafeguarding(six.history, true, '2026-02-20T10:00:00Z') };
      expect(mayUse(POLICY, upload('2026-02-10T10:00:00Z'), pending('2026-02-10T10:00:00Z'), { child: () => child('a', flagged, [granted]), ledger: () => [granted] }, now)).toMatchObject({
        allowed: false,
        blockers: [{ when: 'now', reasons: ['safeguarding'] }],
      });
      const lifted = { ...six, history: withSafeguarding(withSafeguarding(six.history, true, '2026-02-01T10:00:00Z'), false, '2026-02-20T10:00:00Z') };
      expect(mayUse(POLICY, upload('2026-02-10T10:00:00Z'), pending('2026-02-10T10:00:00Z'), { child: () => child('a', lifted, [granted]), ledger: () => [granted] }, now)).toMatchObject({
        allowed: false,
        blockers: [{ when: 'recorded_at', reasons: ['safeguarding'] }],
      });
    });

    test('the child must have been in the group when the footage was recorded', () => {
      const moved = { ...six, history: withGroups(six.history, ['group-2'], '2026-02-20T10:00:00Z') };
      const depicted = { child: () => child('a', moved, [granted]), ledger: () => [granted] };
      expect(mayUse(POLICY, upload('2026-02-10T10:00:00Z', 'group-1'), pending('2026-02-10T10:00:00Z'), depicted, now).allowed).toBe(true);
      expect(mayUse(POLICY, upload('2026-02-25T10:00:00Z', 'group-1'), pending('2026-02-25T10:00:00Z'), depicted, now)).toMatchObject({ allowed: false, blockers: [{ reasons: ['not_in_group'] }] });
    });

    test('not in the future beyond five minutes of clock drift, not past retention', () => {
      const depicted = { child: () => child('a', six, [granted]), ledger: () => [granted] };
      expect(mayUse(POLICY, upload('2026-03-01T10:04:59Z'), pending('2026-03-01T10:04:59Z'), depicted, now).allowed).toBe(true);
      expect(mayUse(POLICY, upload('2026-03-01T10:05:01Z'), pending('2026-03-01T10:05:01Z'), depicted, now)).toMatchObject({ allowed: false, reasons: ['recorded_in_future'] });
      expect(mayUse(POLICY, upload('2023-02-28T10:00:00Z'), pending('2023-02-28T10:00:00Z'), depicted, now)).toMatchObject({ reasons: ['retention_ended'] });
    });
  });

  describe('a completion', () => {
    const now = new Date('2026-03-01T10:00:00Z');
    const pending = item({ recordedAt: '2026-02-01T10:00:00Z', createdAt: '2026-02-01T10:01:00Z', status: 'pending', purposes: ['parent_information', 'coaching_video'] });
    const both = [granted, grant(g1, '2026-01-05T10:00:00Z', 'coaching_video')];

    test('keeps every purpose that holds; a purpose a withdrawal took is simply gone', () => {
      expect(mayUse(POLICY, { kind: 'complete' }, pending, depictedOf(child('a', six, both)), now)).toEqual({ allowed: true, purposes: ['parent_information', 'coaching_video'] });
      const withdrawn = [...both, withdraw(g1, '2026-02-10T10:00:00Z', 'coaching_video')];
      expect(mayUse(POLICY, { kind: 'complete' }, pending, depictedOf(child('a', six, withdrawn)), now)).toEqual({ allowed: true, purposes: ['parent_information'] });
    });

    test('is refused when a kept purpose does not hold now, or none is left', () => {
      expect(mayUse(POLICY, { kind: 'complete' }, pending, depictedOf(child('a', six, [granted])), now).allowed).toBe(false);
      const all = [...both, withdraw(g1, '2026-02-10T10:00:00Z', 'coaching_video'), withdraw(g1, '2026-02-10T10:00:00Z', 'parent_information')];
      expect(mayUse(POLICY, { kind: 'complete' }, pending, depictedOf(child('a', six, all)), now).allowed).toBe(false);
      expect(mayUse(POLICY, { kind: 'complete' }, { ...pending, status: 'available' }, depictedOf(child('a', six, both)), now)).toMatchObject({ allowed: false, reasons: ['not_pending'] });
    });
  });

  describe("an export's copies", () => {
    const at = new Date('2026-03-01T10:00:00Z');
    const family: Use = { kind: 'copy', subjectId: 'a', audience: 'family' };
    const admin: Use = { kind: 'copy', subjectId: 'a', audience: 'admin' };

    test("the family gets the child's own footage; footage of others only with their parent-information consent", () => {
      const mine = item({ recordedAt: '2026-02-01T10:00:00Z', purposes: ['coaching_video'] });
      expect(mayUse(POLICY, family, mine, depictedOf(child('a', six, [])), at).allowed).toBe(true);
      const shared = item({ recordedAt: '2026-02-01T10:00:00Z', childIds: ['a', 'b'] });
      expect(mayUse(POLICY, family, shared, depictedOf(child('a', six, []), child('b', six, [])), at)).toMatchObject({ allowed: false, reasons: ['depicts_other_children'] });
      expect(mayUse(POLICY, family, shared, depictedOf(child('a', six, []), child('b', six, [granted])), at).allowed).toBe(true);
      expect(mayUse(POLICY, admin, shared, depictedOf(child('a', six, []), child('b', six, [])), at).allowed).toBe(true);
    });

    test('no copy for the family while the flag is set, and none for anyone past retention', () => {
      const mine = item({ recordedAt: '2026-02-01T10:00:00Z' });
      const flagged = { ...six, history: withSafeguarding(six.history, true, SINCE_ALWAYS) };
      expect(mayUse(POLICY, family, mine, depictedOf(child('a', flagged, [])), at)).toMatchObject({ allowed: false, reasons: ['blocked_by_organisation'] });
      expect(mayUse(POLICY, admin, mine, depictedOf(child('a', six, [])), new Date('2029-03-01T10:00:00Z'))).toMatchObject({ allowed: false, reasons: ['not_available'] });
    });
  });
});

// ---- against the oracle ----

interface World {
  scenarios: Scenario[];
  item: UseItem;
  coachingYears: number;
  t: number;
}

const worldArb: fc.Arbitrary<World> = fc
  .record({
    scenarios: fc.tuple(scenarioArb('a', 12), scenarioArb('b', 12)).map(([a, b]) => [a, { ...b, policy: a.policy }]),
    depicts: fc.subarray(['a', 'b']),
    purposes: fc.subarray([...PURPOSES], { minLength: 1 }),
    // Often early, so that many decisions and fact changes come after the recording.
    recordedDay: fc.oneof(fc.integer({ min: 0, max: 30 }), fc.integer({ min: 0, max: SPAN_DAYS - 1 })),
    recordedHour: fc.integer({ min: 0, max: 23 }),
    coachingYears: fc.constantFrom(1, 3),
    retained: fc.nat(5).map((n) => n === 0),
    t: afterAll,
  })
  .map(({ scenarios, depicts, purposes, recordedDay, recordedHour, coachingYears, retained, t }) => {
    const recordedAt = new Date(FROM + recordedDay * DAY + recordedHour * 3_600_000);
    return {
      scenarios,
      t,
      coachingYears,
      item: {
        status: 'available' as const,
        purposes,
        deletionDates: deletionDates(recordedAt, purposes, { ...DEFAULT_RETENTION, coaching_video: coachingYears }),
        recordedAt: recordedAt.toISOString(),
        createdAt: new Date(recordedAt.getTime() + 60_000).toISOString(),
        childIds: depicts,
        objectKey: 'media/x',
        ...(retained ? { retainedBecausePublished: recordedAt.toISOString() } : {}),
      },
    };
  });

function oracleWorld(w: World) {
  const children = new Map(w.scenarios.map((s) => [s.oracle.childId, s.oracle]));
  const it: oracle.OracleItem = {
    recordedAt: Date.parse(w.item.recordedAt),
    createdAt: Date.parse(w.item.createdAt),
    purposes: [...w.item.purposes],
    childIds: [...w.item.childIds],
    status: w.item.status,
    retainedBecausePublished: w.item.retainedBecausePublished !== undefined,
  };
  const retention: oracle.Retention = { parent_information: 3, publication: 3, coaching_video: w.coachingYears };
  return { children, it, retention };
}

const domainWorld = (w: World): Depicted => {
  const byId = new Map(w.scenarios.map((s) => [s.oracle.childId, rulesChild(s)]));
  const ledgers = new Map(w.scenarios.map((s) => [s.oracle.childId, s.events]));
  return { child: (id) => byId.get(id), ledger: (id) => ledgers.get(id) };
};

describe('the gate against the oracle', () => {
  test('a view for each purpose, and publishing, at an instant after every decision', () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const policy = w.scenarios[0]!.policy;
        const o = oracleWorld(w);
        const depicted = domainWorld(w);
        for (const purpose of PURPOSES) {
          expect(mayUse(policy, { kind: 'view', purpose }, w.item, depicted, new Date(w.t)).allowed).toBe(oracle.usable(o.it, purpose, o.children, w.t, policy, o.retention));
        }
        expect(mayUse(policy, { kind: 'publish' }, w.item, depicted, new Date(w.t)).allowed).toBe(oracle.publishable(o.it, o.children, w.t, policy, o.retention));
      }),
      { numRuns: 300 },
    );
  });

  test('an upload of footage recorded at the item\'s instant, checked at a later instant', () => {
    fc.assert(
      fc.property(worldArb, fc.constantFrom('group-a', 'group-b'), fc.integer({ min: 0, max: 40 * DAY }), (w, groupId, delay) => {
        const policy = w.scenarios[0]!.policy;
        const recordedAt = Date.parse(w.item.recordedAt);
        // Checked some time after the recording, and after every decision (the projection covers now).
        const t = Math.max(recordedAt + delay, TO + 1);
        const o = oracleWorld(w);
        const use: Use = { kind: 'upload', purposes: w.item.purposes, recordedAt: new Date(recordedAt), groupId };
        const scenarios = w.scenarios.map((s) => ({ ...s }));
        const depicted: Depicted = {
          child: domainWorld({ ...w, scenarios }).child,
          // the ledger up to the recording, as the service reads it
          ledger: (id) => scenarios.find((s) => s.oracle.childId === id)?.events.filter((e) => Date.parse(e.at) <= recordedAt),
        };
        const expected = oracle.uploadAllowed({ recordedAt, groupId, purposes: [...w.item.purposes], childIds: [...w.item.childIds] }, o.children, t, policy, o.retention);
        expect(mayUse(policy, use, { ...w.item, status: 'pending', createdAt: new Date(t).toISOString() }, depicted, new Date(t)).allowed).toBe(expected);
      }),
      { numRuns: 300 },
    );
  });

  test('a counting withdrawal after the recording takes the purpose for good: grants by everyone after it never bring it back', () => {
    fc.assert(
      fc.property(worldArb, fc.nat(), fc.constantFrom(...PURPOSES), fc.integer({ min: 1, max: 30 * DAY }), (w, pick, purpose, gap) => {
        const policy = w.scenarios[0]!.policy;
        fc.pre(w.item.childIds.length > 0 && w.item.purposes.includes(purpose));
        const target = w.scenarios.find((s) => s.oracle.childId === w.item.childIds[0])!;
        const withdrawnAt = Date.parse(w.item.recordedAt) + gap;
        const actors: oracle.Actor[] = [{ kind: 'child' }, { kind: 'guardian', guardianId: 'g1' }, { kind: 'guardian', guardianId: 'g2' }, { kind: 'guardian', guardianId: 'g3' }];
        const counting = actors.filter((a) => oracle.counts(target.oracle, a, withdrawnAt, policy));
        fc.pre(counting.length > 0);
        const actor = counting[pick % counting.length]!;
        const event = (decision: 'granted' | 'withdrawn', who: oracle.Actor, at: number, id: string): ConsentEvent => ({
          eventId: id, childId: target.oracle.childId, purpose, decision, actor: who, noticeVersion: 'n', at: new Date(at).toISOString(),
          recordedBy: { userId: 'u', role: who.kind, channel: 'app' },
        });
        // Every actor grants after the withdrawal (and after every other decision), at the evaluated instant.
        const regrants = actors.map((a, i) => event('granted', a, w.t, `zz-regrant-${i}`));
        const events = [...target.events, event('withdrawn', actor, withdrawnAt, 'zz-withdrawal'), ...regrants];
        const changed = w.scenarios.map((s) => (s === target ? { ...s, events } : s));
        const verdict = mayUse(policy, { kind: 'view', purpose }, w.item, domainWorld({ ...w, scenarios: changed }), new Date(w.t));
        expect(verdict.allowed).toBe(false);
      }),
      { numRuns: 300 },
    );
  });

  test('a completion keeps exactly the purposes the oracle says hold', () => {
    fc.assert(
      fc.property(worldArb, (w) => {
        const policy = w.scenarios[0]!.policy;
        const o = oracleWorld(w);
        const pending = { ...w.item, status: 'pending' as const };
        const verdict = mayUse(policy, { kind: 'complete' }, pending, domainWorld(w), new Date(w.t));
        const expected = oracle.completable({ ...o.it, status: 'pending' }, o.children, w.t, policy, o.retention);
        expect(verdict.allowed ? verdict.purposes : undefined).toEqual(expected);
      }),
      { numRuns: 300 },
    );
  });
});

