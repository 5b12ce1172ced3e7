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

/**
 * The first day an item may no longer be used for `purpose`: its recorded deletion date, and
 * never later than the three-year ceiling from its recording, whatever was stored.
 */
export function purposeEndDate(item: { recordedAt: string; deletionDates: Partial<Record<Purpose, string>> }, purpose: Purpose): string {
  const ceiling = addYears(amsterdamDate(new Date(item.recordedAt)), MAX_RETENTION_YEARS);
  const stored = item.deletionDates[purpose];
  return stored !== undefined && stored < ceiling ? stored : ceiling;
}

/** True from 00:00 Amsterdam on the purpose's end date (`today` is an Amsterdam date). */
export function purposeEnded(item: { recordedAt: string; deletionDates: Partial<Record<Purpose, string>> }, purpose: Purpose, today: string): boolean {
  return purposeEndDate(item, purpose) <= today;
}

/** An upload that has not completed is cleaned up from the day after it was created (SPEC 6: within a day). */
export function pendingCleanupDate(createdAt: Date): string {
  return amsterdamDate(new Date(createdAt.getTime() + 24 * 60 * 60 * 1000));
}

/** The next day the sweep must look at an item: when the first of its remaining purposes ends. */
export function nextSweepDate(dates: Partial<Record<Purpose, string>>, purposes: readonly Purpose[]): string | undefined {
  const remaining = purposes.map((p) => dates[p]).filter((d): d is string => typeof d === 'string');
  return remaining.length ? remaining.reduce((a, b) => (a < b ? a : b)) : undefined;
}

export type SweepPlan =
  | { action: 'delete'; reason: 'retention' | 'withdrawn' | 'incomplete_upload' }
  | { action: 'drop_purposes'; expired: Purpose[]; remaining: Purpose[] }
  | { action: 'keep' };

/**
 * An upload is given at least this long to complete before the sweep removes it, on or after its
 * clean-up day: an upload started just before midnight is not removed by the sweep that follows.
 */
export const PENDING_GRACE_MS = 60 * 60 * 1000;

/**
 * What the sweep does with one item it found due, decided from the item itself (never from the
 * index alone), so it never deletes an item that is not due.
 */
export function planSweep(
  item: {
    status: 'pending' | 'available' | 'refused';
    createdAt: string;
    recordedAt: string;
    purposes: readonly Purpose[];
    deletionDates: Partial<Record<Purpose, string>>;
    deletionReason?: string;
  },
  now: Date,
): SweepPlan {
  if (item.status === 'refused') return { action: 'delete', reason: 'incomplete_upload' };
  if (item.status === 'pending') {
    const due = pendingCleanupDate(new Date(item.createdAt)) <= amsterdamDate(now) && now.getTime() - Date.parse(item.createdAt) >= PENDING_GRACE_MS;
    return due ? { action: 'delete', reason: 'incomplete_upload' } : { action: 'keep' };
  }
  if (item.purposes.length === 0) return { action: 'delete', reason: item.deletionReason === 'retention' ? 'retention' : 'withdrawn' };
  const today = amsterdamDate(now);
  const expired = item.purposes.filter((p) => purposeEnded(item, p, today));
  if (expired.length === 0) return { action: 'keep' };
  const remaining = item.purposes.filter((p) => !expired.includes(p));
  return remaining.length === 0 ? { action: 'delete', reason: 'retention' } : { action: 'drop_purposes', expired, remaining };
}
