import fc from 'fast-check';
import { addYears, ageOn, amsterdamDate, isCalendarDate, isLeapYear } from '../../../functions/domain/calendar';

describe('amsterdamDate: the calendar date in Europe/Amsterdam at an instant', () => {
  test.each([
    // summer time (CEST, UTC+2)
    ['2027-04-30T22:30:00Z', '2027-05-01', 'after midnight in summer time is already the next day'],
    ['2027-04-30T22:00:00Z', '2027-05-01', 'Amsterdam midnight in summer time is the next day'],
    ['2027-04-30T21:59:59.999Z', '2027-04-30', 'the last millisecond before Amsterdam midnight in summer time'],
    // winter time (CET, UTC+1)
    ['2026-12-31T23:30:00Z', '2027-01-01', 'after midnight in winter time is already the next year'],
    ['2026-12-31T23:00:00Z', '2027-01-01', 'Amsterdam midnight in winter time is the next day'],
    ['2026-12-31T22:59:59.999Z', '2026-12-31', 'the last millisecond before Amsterdam midnight in winter time'],
    // the days the clocks change
    ['2026-03-28T23:00:00Z', '2026-03-29', 'midnight (CET) starting the spring-forward day'],
    ['2026-03-29T21:59:59Z', '2026-03-29', 'late on the spring-forward day, now in CEST'],
    ['2026-03-29T22:00:00Z', '2026-03-30', 'midnight (CEST) after the spring-forward day'],
    ['2026-10-24T22:00:00Z', '2026-10-25', 'midnight (CEST) starting the fall-back day'],
    ['2026-10-25T22:59:59Z', '2026-10-25', 'late on the fall-back day, now in CET'],
    ['2026-10-25T23:00:00Z', '2026-10-26', 'midnight (CET) after the fall-back day'],
    ['2026-06-15T12:00:00Z', '2026-06-15', 'midday is the same date as in UTC'],
  ])('%s is %s (%s)', (instant, expected) => {
    expect(amsterdamDate(new Date(instant))).toBe(expected);
  });

  test('returns ISO YYYY-MM-DD text', () => {
    expect(amsterdamDate(new Date('2026-01-05T08:00:00Z'))).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});

describe('ageOn: completed years on an Amsterdam calendar date', () => {
  test.each([
    ['2015-05-01', '2027-05-01', 12, 'on the birthday itself the year is completed'],
    ['2015-05-01', '2027-04-30', 11, 'the day before the birthday it is not'],
    ['2015-05-01', '2027-05-02', 12, 'the day after the birthday'],
    ['2015-05-01', '2027-01-31', 11, 'an earlier month in the birthday year'],
    ['2015-05-01', '2027-12-01', 12, 'a later month in the birthday year'],
    ['2015-05-01', '2015-05-01', 0, 'the day of birth'],
    ['2011-05-01', '2027-04-30', 15, 'SPEC example 4: the day before turning 16'],
    ['2011-05-01', '2027-05-01', 16, 'SPEC example 4: turning 16'],
    // Leap-day births: the anniversary is 1 March in a non-leap year, 29 February in a leap year.
    ['2012-02-29', '2023-02-28', 10, 'leap-day birth: 28 Feb of a non-leap year is before the anniversary'],
    ['2012-02-29', '2023-03-01', 11, 'leap-day birth: 1 March of a non-leap year completes the year'],
    ['2012-02-29', '2024-02-28', 11, 'leap-day birth: the day before the 12th birthday'],
    ['2012-02-29', '2024-02-29', 12, 'leap-day birth: 29 Feb of a leap year is the birthday'],
    ['2012-02-29', '2024-03-01', 12, 'leap-day birth: 1 March of a leap year'],
    ['2088-02-29', '2100-02-28', 11, 'leap-day birth turning 12 in 2100 (not a leap year): not yet on 28 Feb'],
    ['2088-02-29', '2100-03-01', 12, 'leap-day birth turning 12 in 2100 (not a leap year): 12 on 1 March'],
  ])('born %s, on %s: %i (%s)', (birthDate, on, expected) => {
    expect(ageOn(birthDate, on)).toBe(expected);
  });

  test('rejects text that is not an ISO date', () => {
    expect(() => ageOn('2012-2-29', '2024-02-29')).toThrow(/not an ISO date/);
    expect(() => ageOn('2012-02-29', '2024-02-29T00:00:00Z')).toThrow(/not an ISO date/);
  });
});

describe('addYears: the same day n years later', () => {
  test.each([
    ['2028-02-29', 3, '2031-02-28', '29 Feb becomes 28 Feb in a non-leap year'],
    ['2028-02-29', 4, '2032-02-29', '29 Feb stays 29 Feb in a leap year'],
    ['2026-02-10', 3, '2029-02-10', 'SPEC example 7: recorded 2026-02-10, due 2029-02-10'],
    ['2026-12-31', 3, '2029-12-31', 'year end'],
    ['2024-02-28', 1, '2025-02-28', '28 Feb stays 28 Feb'],
    ['2024-03-01', 3, '2027-03-01', '1 March stays 1 March'],
    ['2024-01-15', 0, '2024-01-15', 'zero years is the same date'],
  ])('%s + %i years = %s (%s)', (date, years, expected) => {
    expect(addYears(date, years)).toBe(expected);
  });

  test('rejects text that is not an ISO date', () => {
    expect(() => addYears('2024-2-01', 1)).toThrow(/not an ISO date/);
  });

  const calendarDate = fc
    .integer({ min: Date.UTC(1990, 0, 1) / 86_400_000, max: Date.UTC(2060, 11, 31) / 86_400_000 })
    .map((day) => new Date(day * 86_400_000).toISOString().slice(0, 10));

  test('always gives a real calendar date, the same month, and the day (or 28 Feb for 29 Feb)', () => {
    fc.assert(
      fc.property(calendarDate, fc.integer({ min: 0, max: 10 }), (date, years) => {
        const result = addYears(date, years);
        expect(isCalendarDate(result)).toBe(true);
        expect(Number(result.slice(0, 4))).toBe(Number(date.slice(0, 4)) + years);
        expect(result.slice(5, 7)).toBe(date.slice(5, 7));
        const shortened = date.endsWith('-02-29') && !isLeapYear(Number(result.slice(0, 4)));
        expect(result.slice(8)).toBe(shortened ? '28' : date.slice(8));
      }),
      { numRuns: 200 },
    );
  });
});

describe('isCalendarDate', () => {
  test.each(['2024-02-29', '2000-02-29', '2023-02-28', '2024-12-31', '2024-01-01', '2024-04-30'])(
    'accepts %s',
    (value) => {
      expect(isCalendarDate(value)).toBe(true);
    },
  );

  test.each([
    ['2023-02-29', 'no 29 February in a non-leap year'],
    ['1900-02-29', '1900 is not a leap year'],
    ['2024-13-01', 'there is no month 13'],
    ['2024-00-10', 'there is no month 0'],
    ['2024-01-00', 'there is no day 0'],
    ['2024-04-31', 'April has 30 days'],
    ['2024-01-32', 'no month has 32 days'],
    ['2024-1-01', 'the month must have two digits'],
    ['2024-01-1', 'the day must have two digits'],
    ['24-01-01', 'the year must have four digits'],
    ['2024/01/01', 'the separator is a hyphen'],
    ['2024-01-01T00:00:00Z', 'an instant is not a date'],
    [' 2024-01-01', 'no surrounding whitespace'],
    ['', 'empty text'],
  ])('rejects %j (%s)', (value) => {
    expect(isCalendarDate(value)).toBe(false);
  });
});

describe('isLeapYear', () => {
  test.each([
    [2024, true],
    [2000, true],
    [2023, false],
    [1900, false],
    [2100, false],
  ])('%i: %s', (year, expected) => {
    expect(isLeapYear(year)).toBe(expected);
  });
});
