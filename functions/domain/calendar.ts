/**
 * Calendar arithmetic in Europe/Amsterdam. Pure: the instant is always an argument.
 * Dates are ISO `YYYY-MM-DD` strings, which sort and compare as text.
 */
export const ORGANISATION_TIME_ZONE = 'Europe/Amsterdam';

const amsterdamDateFormat = new Intl.DateTimeFormat('en-CA', {
  timeZone: ORGANISATION_TIME_ZONE,
  year: 'numeric',
  month: '2-digit',
  day: '2-digit',
});

/** The calendar date in Amsterdam at instant `at` (`YYYY-MM-DD`, also for years before 1000). */
export function amsterdamDate(at: Date): string {
  const parts = Object.fromEntries(amsterdamDateFormat.formatToParts(at).map((p) => [p.type, p.value]));
  return `${String(parts.year).padStart(4, '0')}-${parts.month}-${parts.day}`;
}

const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True when `value` is a real calendar date (rejects 2023-02-29, 2024-13-01). */
export function isCalendarDate(value: string): boolean {
  const m = ISO_DATE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  return d <= daysInMonth(y, mo);
}

function parts(date: string): [number, number, number] {
  const m = ISO_DATE.exec(date);
  if (!m) throw new Error(`not an ISO date: ${date}`);
  return [Number(m[1]), Number(m[2]), Number(m[3])];
}

export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  return [31, isLeapYear(year) ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1] ?? 0;
}

/**
 * Completed years between `birthDate` and the calendar date `on`.
 * A child born on 29 February completes a year on 1 March in a non-leap year:
 * on 28 February the anniversary has not yet been reached.
 */
export function ageOn(birthDate: string, on: string): number {
  const [by, bm, bd] = parts(birthDate);
  const [y, m, d] = parts(on);
  let age = y - by;
  if (m < bm || (m === bm && d < bd)) age -= 1;
  return age;
}

/**
 * The same day `years` later; 29 February becomes 28 February in a non-leap year
 * (SPEC section 6: a recording of 29 February is due on 28 February three years later).
 */
export function addYears(date: string, years: number): string {
  const [y, m, d] = parts(date);
  const ty = y + years;
  const day = Math.min(d, daysInMonth(ty, m));
  return `${String(ty).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

/** The instant at which calendar day `date` starts in Amsterdam (00:00 local, summer or winter time). */
export function startOfAmsterdamDay(date: string): Date {
  const summer = new Date(`${date}T00:00:00+02:00`);
  return amsterdamDate(summer) === date ? summer : new Date(`${date}T00:00:00+01:00`);
}

/** The calendar day `days` after `date`. */
export function addDays(date: string, days: number): string {
  const [y, m, d] = parts(date);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** The calendar day after `date`. */
export function nextDay(date: string): string {
  const [y, m, d] = parts(date);
  return new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
}
