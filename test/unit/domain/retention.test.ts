/** Retention dates (SPEC section 6), pure. The use rule is the gate's (gate.test.ts). */
import { DEFAULT_RETENTION, deletionDates, dueDate, expiredPurposes, purposeEndDate } from '../../../functions/domain/retention';

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

describe('the end of a purpose', () => {
  test('is the stored deletion date, and never later than three years after the recording', () => {
    const item = { recordedAt: '2026-05-01T10:00:00Z', deletionDates: { coaching_video: '2027-05-01', publication: '2031-05-01' } };
    expect(purposeEndDate(item, 'coaching_video')).toBe('2027-05-01');
    expect(purposeEndDate(item, 'publication')).toBe('2029-05-01');
    expect(purposeEndDate(item, 'parent_information')).toBe('2029-05-01');
  });
});
