/**
 * Facts with a history (SPEC section 3) and who may decide (section 2), table-driven: evaluation at
 * a past instant uses the guardian links, authority, flag and enrolment as they were then; a
 * decision counts only if its actor counted when it was made; a child decides from its deciding age.
 */
import { amsterdamDate } from '../../../functions/domain/calendar';
import { completeProjection, evaluateConsentAt, mayDecide, type ConsentSubject } from '../../../functions/domain/consent';
import {
  enrolledAt,
  enrolmentEndsAt,
  factsAt,
  initialHistory,
  migratedHistory,
  withEnrolmentEnd,
  withGroups,
  withGuardianLink,
  withSafeguarding,
  withoutGuardianLink,
} from '../../../functions/domain/facts';
import { childActor, childFacts, grant, guardian, link, withdraw } from './builders';

const g1 = guardian('g1');
const g2 = guardian('g2');
const at = (iso: string) => new Date(iso);

describe('the history of facts', () => {
  const created = '2026-01-01T08:00:00.000Z';
  const h0 = initialHistory(created, ['zon']);

  test('a guardian linked, given authority, and unlinked: each instant sees the facts of then', () => {
    let h = withGuardianLink(h0, 'g1', false, '2026-02-01T08:00:00.000Z');
    h = withGuardianLink(h, 'g1', true, '2026-03-01T08:00:00.000Z');
    h = withoutGuardianLink(h, 'g1', '2026-04-01T08:00:00.000Z');
    expect(factsAt(h, at('2026-01-15T00:00:00Z')).guardians).toEqual([]);
    expect(factsAt(h, at('2026-02-15T00:00:00Z')).guardians).toEqual([{ guardianId: 'g1', parentalAuthority: false }]);
    expect(factsAt(h, at('2026-03-01T08:00:00Z')).guardians).toEqual([{ guardianId: 'g1', parentalAuthority: true }]);
    expect(factsAt(h, at('2026-04-01T07:59:59.999Z')).guardians).toEqual([{ guardianId: 'g1', parentalAuthority: true }]);
    expect(factsAt(h, at('2026-04-01T08:00:00Z')).guardians).toEqual([]);
  });

  test('relinking with the same authority changes nothing', () => {
    const h = withGuardianLink(h0, 'g1', true, '2026-02-01T08:00:00.000Z');
    expect(withGuardianLink(h, 'g1', true, '2026-03-01T08:00:00.000Z')).toBe(h);
  });

  test('the flag and the groups have periods of their own', () => {
    let h = withSafeguarding(h0, true, '2026-02-01T08:00:00.000Z');
    h = withSafeguarding(h, false, '2026-03-01T08:00:00.000Z');
    h = withGroups(h, ['zon', 'maan'], '2026-02-10T08:00:00.000Z');
    h = withGroups(h, ['maan'], '2026-02-20T08:00:00.000Z');
    expect(factsAt(h, at('2026-02-15T00:00:00Z'))).toMatchObject({ safeguarding: true, groupIds: ['zon', 'maan'] });
    expect(factsAt(h, at('2026-03-15T00:00:00Z'))).toMatchObject({ safeguarding: false, groupIds: ['maan'] });
    expect(withSafeguarding(h, false, '2026-04-01T08:00:00.000Z')).toBe(h);
  });

  test.each([
    ['an end date in the future counts from 00:00 Amsterdam that day', '2026-05-01', '2026-03-01T08:00:00.000Z', '2026-04-30T22:00:00.000Z'],
    ['an end date in the past counts from when it is recorded', '2026-02-01', '2026-03-01T08:00:00.000Z', '2026-03-01T08:00:00.000Z'],
  ])('%s', (_name, endDate, recordedAt, endsAt) => {
    const h = withEnrolmentEnd(h0, endDate, recordedAt);
    expect(enrolmentEndsAt(h.enrolment)?.toISOString()).toBe(endsAt);
    expect(enrolledAt(h.enrolment, new Date(Date.parse(endsAt) - 1))).toBe(true);
    expect(enrolledAt(h.enrolment, new Date(endsAt))).toBe(false);
  });

  test('an end only moves earlier, and one that counted already keeps counting from then', () => {
    const first = withEnrolmentEnd(h0, '2026-03-01', '2026-02-01T08:00:00.000Z');
    expect(withEnrolmentEnd(first, '2026-04-01', '2026-02-10T08:00:00.000Z')).toBe(first);
    // Recorded after the first end counted: the child has been out since then.
    const earlier = withEnrolmentEnd(first, '2026-02-15', '2026-03-10T08:00:00.000Z');
    expect(earlier.enrolment.endDate).toBe('2026-02-15');
    expect(enrolmentEndsAt(earlier.enrolment)?.toISOString()).toBe('2026-02-28T23:00:00.000Z');
  });

  test('a child stored before facts had a history: its current facts since creation, a link since it was made', () => {
    const h = migratedHistory({
      createdAt: created,
      updatedAt: '2026-05-05T10:00:00.000Z',
      groupIds: ['zon'],
      safeguarding: true,
      status: 'ended',
      guardians: { g1: { parentalAuthority: true, since: '2026-02-01T08:00:00.000Z' }, g0: { parentalAuthority: false, since: '2025-01-01T00:00:00.000Z' } },
    });
    expect(h.guardians).toEqual([
      { guardianId: 'g1', parentalAuthority: true, from: '2026-02-01T08:00:00.000Z' },
      { guardianId: 'g0', parentalAuthority: false, from: created },
    ]);
    expect(h.safeguarding).toEqual([{ from: created }]);
    // Ended without a date: from the day it was last changed.
    expect(h.enrolment).toEqual({ from: created, endDate: '2026-05-05' });
  });
});

describe('who may decide, and whether it counts', () => {
  test.each([
    ['a child of 11 (youth care)', '2015-06-01', 'youth-care', { allowed: false, refusal: 'too_young', decidesFromAge: 12 }],
    ['a child of 12 (youth care)', '2014-01-01', 'youth-care', { allowed: true, counts: true }],
    ['a child of 13 under uavg', '2013-01-01', 'uavg', { allowed: false, refusal: 'too_young', decidesFromAge: 16 }],
    ['a child of 16 under uavg', '2010-01-01', 'uavg', { allowed: true, counts: true }],
  ] as const)('%s', (_name, birthDate, policy, expected) => {
    expect(mayDecide(childFacts(birthDate, [link('g1')]), childActor, at('2026-06-01T10:00:00Z'), policy)).toEqual(expected);
  });

  test('a guardian must be linked with authority; of a 17-year-old the decision is recorded but does not count', () => {
    const t = at('2026-06-01T10:00:00Z');
    expect(mayDecide(childFacts('2020-01-01', [link('g1')]), g2, t, 'youth-care')).toEqual({ allowed: false, refusal: 'not_linked' });
    expect(mayDecide(childFacts('2020-01-01', [link('g1', false)]), g1, t, 'youth-care')).toEqual({ allowed: false, refusal: 'no_parental_authority' });
    expect(mayDecide(childFacts('2009-01-01', [link('g1')]), g1, t, 'youth-care')).toEqual({ allowed: true, counts: false });
  });

  test('nothing a child did before 12 ever starts to count: a grant at 11 is ignored at 12', () => {
    const child = childFacts('2014-06-15', [link('g1')]);
    const ledger = [grant(g1, '2026-01-10T10:00:00Z', 'publication'), grant(childActor, '2026-01-11T10:00:00Z', 'publication')];
    const at12 = evaluateConsentAt(child, ledger, at('2026-06-15T10:00:00Z'), 'youth-care');
    expect(at12.age).toBe(12);
    expect(at12.purposes.publication).toMatchObject({ effective: false, reasons: ['needs:child'] });
    expect(at12.purposes.publication.ignored).toEqual([{ actor: 'child', decision: 'granted', counts: false }]);
    // The child decides again at 12: now it counts.
    const again = evaluateConsentAt(child, [...ledger, grant(childActor, '2026-06-15T11:00:00Z', 'publication')], at('2026-06-15T12:00:00Z'), 'youth-care');
    expect(again.purposes.publication).toMatchObject({ effective: true, ignored: [] });
  });

  test('a guardian who withdrew and later lost authority: the past instant is not consented, the present no longer counts the withdrawal', () => {
    const base = childFacts('2020-01-01', [link('g1'), link('g2')]);
    const subject: ConsentSubject = { ...base, history: withGuardianLink(base.history, 'g2', false, '2026-03-01T10:00:00.000Z') };
    const ledger = [grant(g1, '2026-01-10T10:00:00Z', 'publication'), withdraw(g2, '2026-02-01T10:00:00Z', 'publication')];
    expect(evaluateConsentAt(subject, ledger, at('2026-02-15T10:00:00Z'), 'youth-care').purposes.publication).toMatchObject({ effective: false, reasons: ['withdrawn_by:guardian:g2'] });
    expect(evaluateConsentAt(subject, ledger, at('2026-03-15T10:00:00Z'), 'youth-care').purposes.publication).toMatchObject({ effective: true });
  });

  test('a projection stored before counting decisions were kept is completed from the facts', () => {
    const child = childFacts('2014-06-15', [link('g1')]);
    const latest = {
      parent_information: {},
      coaching_video: { 'guardian:g1': { decision: 'withdrawn' as const, at: '2026-01-05T10:00:00Z', eventId: 'e1' } },
      publication: { child: { decision: 'granted' as const, at: '2026-01-11T10:00:00Z', eventId: 'e2' } },
    };
    const p = completeProjection(latest, child, 'youth-care');
    expect(p.counting.coaching_video).toEqual(latest.coaching_video);
    // made at 11: never counts
    expect(p.counting.publication).toEqual({});
    expect(p.withdrawnAt).toEqual({ coaching_video: '2026-01-05T10:00:00Z' });
  });
});

describe('calendar', () => {
  test('an instant in a year before 1000 still gives an ISO date', () => {
    expect(amsterdamDate(new Date('0999-06-01T12:00:00Z'))).toBe('0999-06-01');
  });
});
