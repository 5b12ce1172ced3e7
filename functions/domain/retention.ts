/**
 * Retention dates (SPEC section 6): each purpose of an item ends a number of calendar years after
 * the recording's date in Amsterdam; the item goes when its last purpose has ended. Pure.
 */
import { addYears, amsterdamDate } from './calendar';
import { PURPOSES, type Purpose } from './purposes';

/** "De maximale bewaartermijn voor beeldmateriaal ... is drie jaar na de opname." */
export const MAX_RETENTION_YEARS = 3;

export type RetentionYears = Record<Purpose, number>;

export const DEFAULT_RETENTION: RetentionYears = Object.fromEntries(PURPOSES.map((p) => [p, MAX_RETENTION_YEARS])) as RetentionYears;

/**
 * The first day on which each purpose of an item recorded at `recordedAt` is no longer allowed.
 * Three years is the ceiling whatever the setting says.
 */
export function deletionDates(recordedAt: Date, purposes: readonly Purpose[], retention: RetentionYears): Partial<Record<Purpose, string>> {
  const recordedOn = amsterdamDate(recordedAt);
  return Object.fromEntries(
    purposes.map((p) => [p, addYears(recordedOn, Math.min(retention[p], MAX_RETENTION_YEARS))]),
  ) as Partial<Record<Purpose, string>>;
}

/** The day the item is due for deletion: when its last purpose ends. */
export function dueDate(dates: Partial<Record<Purpose, string>>): string {
  const all = Object.values(dates).filter((d): d is string => typeof d === 'string');
  if (all.length === 0) throw new Error('an item has at least one purpose');
  return all.reduce((a, b) => (a > b ? a : b));
}

/** Purposes whose retention has already ended on the Amsterdam date of `now`. */
export function expiredPurposes(dates: Partial<Record<Purpose, string>>, now: Date): Purpose[] {
  const today = amsterdamDate(now);
  return (Object.entries(dates) as [Purpose, string][]).filter(([, d]) => d <= today).map(([p]) => p);
}
