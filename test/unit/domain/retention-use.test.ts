/** Retention dates and the use rule (SPEC sections 4 and 6), pure. */
import { evaluateConsent, emptyProjection, type ChildFacts } from '../../../functions/domain/consent';
import { DEFAULT_RETENTION, deletionDates, dueDate, expiredPurposes } from '../../../functions/domain/retention';
import { useBlockers } from '../../../functions/domain/use';

describe('retention', () => {
  test('example 7: recorded 2026-02-10 is due on 2029-02-10 whatever the upload date', () => {
    const dates = deletionDates(new Date('2026-02-10T09:00:00Z'), ['parent_information'], DEFAULT_RETENTION);
    expect(dates).toEqual({ parent_information: '2029-02-10' });
    expect(expiredPurposes(dates, new Date('2029-02-09T12:00:00Z'))).toEqual([]);
    expect(expiredPurposes(dates, new Date('2029-02-10T00:30:00+01:00'))).toEqual(['parent_information']);
  });

  test('a recording made on 29 February is due on 28 February three years later', () => {
    expect(deletionDates(new Date('2028-02-29T12:00:00Z'), ['publication'], DEFAULT_RETENTION)).toEqual({ publication: '2031-02-28' });
  });

  test('the recording date is the Amsterdam date: 23:30 UTC on 31 December is already 1 January', () => {
    expect(deletionDates(new Date('2026-12-31T23:30:00Z'), ['publication'], DEFAULT_RETENTION)).toEqual({ publication: '2030-01-01' });
  });

  test('a shorter period per purpose; the item is due when its last purpose ends', () => {
    const dates = deletionDates(new Date('2026-05-01T10:00:00Z'), ['coaching_video', 'publication'], { ...DEFAULT_RETENTION, coaching_video: 1 });
    expect(dates).toEqual({ coaching_video: '2027-05-01', publication: '2029-05-01' });
    expect(dueDate(dates)).toBe('2029-05-01');
    expect(expiredPurposes(dates, new Date('2027-06-01T10:00:00Z'))).toEqual(['coaching_video']);
  });

  test('three years is the ceiling whatever the setting says', () => {
    expect(deletionDates(new Date('2026-05-01T10:00:00Z'), ['publication'], { ...DEFAULT_RETENTION, publication: 9 })).toEqual({ publication: '2029-05-01' });
  });
});

describe('use of footage', () => {
  const child = (over: Partial<ChildFacts> = {}): ChildFacts => ({
    birthDate: '2019-01-01',
    status: 'active',
    safeguarding: false,
    guardians: [{ guardianId: 'g', parentalAuthority: true }],
    ...over,
  });
  const granted = () => {
    const p = emptyProjection();
    p.parent_information['guardian:g'] = { decision: 'granted', at: '2026-01-01T00:00:00Z', eventId: 'e1' };
    return p;
  };
  const at = new Date('2026-06-01T10:00:00Z');

  test('footage of no child is never blocked', () => {
    expect(useBlockers([], ['publication'])).toEqual([]);
  });

  test('every child must consent to every purpose; each gap is named with when it failed', () => {
    const ok = evaluateConsent(child(), granted(), at, 'youth-care');
    const silent = evaluateConsent(child(), emptyProjection(), at, 'youth-care');
    const blockers = useBlockers(
      [
        { childId: 'a', now: ok, atRecording: ok },
        { childId: 'b', now: ok, atRecording: silent },
      ],
      ['parent_information', 'publication'],
    );
    expect(blockers).toEqual([
      { childId: 'a', purpose: 'publication', when: 'recorded_at', reasons: ['needs:guardian'] },
      { childId: 'a', purpose: 'publication', when: 'now', reasons: ['needs:guardian'] },
      { childId: 'b', purpose: 'parent_information', when: 'recorded_at', reasons: ['needs:guardian'] },
      { childId: 'b', purpose: 'publication', when: 'recorded_at', reasons: ['needs:guardian'] },
      { childId: 'b', purpose: 'publication', when: 'now', reasons: ['needs:guardian'] },
    ]);
  });

  test('the safeguarding flag blocks the use even with consent', () => {
    const flagged = evaluateConsent(child({ safeguarding: true }), granted(), at, 'youth-care');
    expect(useBlockers([{ childId: 'a', now: flagged }], ['parent_information'])).toEqual([
      { childId: 'a', purpose: 'parent_information', when: 'now', reasons: ['safeguarding'] },
    ]);
  });
});
