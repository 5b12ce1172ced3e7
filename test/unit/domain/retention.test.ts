/** Retention dates (SPEC section 6), pure. The use rule is the gate's (gate.test.ts). */
import fc from 'fast-check';
import { PURPOSES } from '../../../functions/domain/purposes';
import { amsterdamDate } from '../../../functions/domain/calendar';
import type { Purpose } from '../../../functions/domain/purposes';
import { DEFAULT_RETENTION, deletionDates, dueDate, planSweep, purposeEndDate, purposeEnded } from '../../../functions/domain/retention';

/** The purposes of footage recorded at `recordedAt` with these dates whose retention has ended at `now`. */
const expiredPurposes = (dates: Partial<Record<Purpose, string>>, now: Date, recordedAt = '2026-05-01T10:00:00Z') =>
  (Object.keys(dates) as Purpose[]).filter((p) => purposeEnded({ recordedAt, deletionDates: dates }, p, amsterdamDate(now)));
import * as oracle from '../../oracle/spec-oracle';

describe('retention', () => {
  test('example 7: recorded 2026-02-10 is due on 2029-02-10 whatever the upload date', () => {
    const dates = deletionDates(new Date('2026-02-10T09:00:00Z'), ['parent_information'], DEFAULT_RETENTION);
    expect(dates).toEqual({ parent_information: '2029-02-10' });
    expect(expiredPurposes(dates, new Date('2029-02-09T12:00:00Z'), '2026-02-10T09:00:00Z')).toEqual([]);
    expect(expiredPurposes(dates, new Date('2029-02-10T00:30:00+01:00'), '2026-02-10T09:00:00Z')).toEqual(['parent_information']);
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

describe('the end of a purpose', () => {
  test('is the stored deletion date, and never later than three years after the recording', () => {
    const item = { recordedAt: '2026-05-01T10:00:00Z', deletionDates: { coaching_video: '2027-05-01', publication: '2031-05-01' } };
    expect(purposeEndDate(item, 'coaching_video')).toBe('2027-05-01');
    expect(purposeEndDate(item, 'publication')).toBe('2029-05-01');
    expect(purposeEndDate(item, 'parent_information')).toBe('2029-05-01');
  });
});

describe('the sweep plan for one item, against the oracle', () => {
  const itemArb = fc
    .record({
      status: fc.constantFrom('pending' as const, 'available' as const, 'available' as const, 'refused' as const),
      recordedMs: fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2027, 0, 1) }),
      createdDelay: fc.integer({ min: 0, max: 3 * 86_400_000 }),
      purposes: fc.subarray([...PURPOSES]),
      coachingYears: fc.constantFrom(1, 2, 3),
      // a stored date past the ceiling (an old setting) must not keep an item longer
      stretched: fc.nat(9).map((n) => n === 0),
      deletionReason: fc.constantFrom(undefined, 'withdrawn', 'retention'),
    })
    .map((r) => {
      const recordedAt = new Date(r.recordedMs).toISOString();
      const dates = deletionDates(new Date(r.recordedMs), PURPOSES, { ...DEFAULT_RETENTION, coaching_video: r.coachingYears });
      return {
        status: r.status,
        recordedAt,
        createdAt: new Date(r.recordedMs + r.createdDelay).toISOString(),
        purposes: r.purposes,
        deletionDates: r.stretched ? { ...dates, publication: '2040-01-01' } : dates,
        ...(r.deletionReason ? { deletionReason: r.deletionReason } : {}),
      };
    });
  // Around midnight in Amsterdam and across years.
  const nowArb = fc.integer({ min: Date.UTC(2024, 0, 1), max: Date.UTC(2031, 0, 1) });

  // Or within two days of the item's creation: the unfinished upload's grace and clean-up day.
  const soonAfter = fc.integer({ min: 0, max: 2 * 86_400_000 });

  test('planSweep deletes, drops or keeps exactly as the oracle says', () => {
    fc.assert(
      fc.property(itemArb, fc.oneof(nowArb.map((at) => ({ at })), soonAfter.map((after) => ({ after }))), (item, when) => {
        const now = 'at' in when ? when.at : Date.parse(item.createdAt) + when.after;
        const plan = planSweep(item, new Date(now));
        const expected = oracle.sweepExpectation({ ...item, createdAt: Date.parse(item.createdAt), recordedAt: Date.parse(item.recordedAt), endDates: item.deletionDates }, now);
        if ('delete' in expected) expect(plan).toEqual({ action: 'delete', reason: expected.delete });
        else if (expected.keep.length === item.purposes.length) expect(plan).toEqual({ action: 'keep' });
        else expect(plan).toEqual({ action: 'drop_purposes', expired: item.purposes.filter((p) => !expected.keep.includes(p)), remaining: expected.keep });
      }),
      { numRuns: 1000 },
    );
  });
});
