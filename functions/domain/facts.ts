/**
 * The facts the consent rules depend on besides the ledger (SPEC sections 2 and 3), kept as
 * timelines so that any past instant is evaluated with the facts as they were then: guardian links
 * and parental authority, the safeguarding flag, group membership and enrolment. Pure: every
 * change takes the instant it is recorded at, and nothing recorded later rewrites the past.
 *
 * Periods are half-open, `[from, to)`, in ISO instants; an open period has no `to`.
 */
import { amsterdamDate, startOfAmsterdamDay } from './calendar';

export interface Period {
  from: string;
  to?: string;
}

export interface GuardianPeriod extends Period {
  guardianId: string;
  parentalAuthority: boolean;
}

export interface GroupPeriod extends Period {
  groupId: string;
}

/**
 * The child's enrolment: known from `from` (its creation); it ends on `endDate` (the first day the
 * child no longer belongs to the organisation, an Amsterdam date), recorded at `endRecordedAt`,
 * and counts as ended from `endsAt` (see `enrolmentEndsAt`).
 */
export interface Enrolment {
  from: string;
  endDate?: string;
  endRecordedAt?: string;
  endsAt?: string;
}

export interface FactsHistory {
  guardians: GuardianPeriod[];
  safeguarding: Period[];
  groups: GroupPeriod[];
  enrolment: Enrolment;
}

/** The facts at one instant. */
export interface FactsAt {
  /** Guardians linked at the instant, with their parental authority then. */
  guardians: { guardianId: string; parentalAuthority: boolean }[];
  safeguarding: boolean;
  groupIds: string[];
  /** False from the instant the enrolment ended. */
  enrolled: boolean;
}

const holds = (p: Period, at: number): boolean => Date.parse(p.from) <= at && (p.to === undefined || at < Date.parse(p.to));

/**
 * The instant from which an end date recorded at `recordedAt` counts: 00:00 in Amsterdam on the
 * date, but never before it was recorded. An end date in the past may be entered late; like a
 * paper form, it counts from when it is recorded, so that what was allowed before is not rewritten.
 */
function endCountsFrom(endDate: string, recordedAt: string | undefined): Date {
  const day = startOfAmsterdamDay(endDate);
  const recorded = recordedAt === undefined ? undefined : new Date(recordedAt);
  return recorded && recorded.getTime() > day.getTime() ? recorded : day;
}

/** The instant from which the child counts as having left; undefined while no end is recorded. */
export function enrolmentEndsAt(enrolment: Pick<Enrolment, 'endDate' | 'endRecordedAt' | 'endsAt'>): Date | undefined {
  if (enrolment.endsAt !== undefined) return new Date(enrolment.endsAt);
  return enrolment.endDate === undefined ? undefined : endCountsFrom(enrolment.endDate, enrolment.endRecordedAt);
}

/** Whether the child still belongs to the organisation at `at`. */
export function enrolledAt(enrolment: Pick<Enrolment, 'endDate' | 'endRecordedAt' | 'endsAt'>, at: Date): boolean {
  const ends = enrolmentEndsAt(enrolment);
  return ends === undefined || at.getTime() < ends.getTime();
}

export function factsAt(history: FactsHistory, at: Date): FactsAt {
  const t = at.getTime();
  return {
    guardians: history.guardians.filter((p) => holds(p, t)).map((p) => ({ guardianId: p.guardianId, parentalAuthority: p.parentalAuthority })),
    safeguarding: history.safeguarding.some((p) => holds(p, t)),
    groupIds: history.groups.filter((p) => holds(p, t)).map((p) => p.groupId),
    enrolled: enrolledAt(history.enrolment, at),
  };
}

/** The history of a child created at `at` in `groupIds`: no guardians, no flag, enrolled. */
export function initialHistory(at: string, groupIds: readonly string[]): FactsHistory {
  return { guardians: [], safeguarding: [], groups: groupIds.map((groupId) => ({ groupId, from: at })), enrolment: { from: at } };
}

function close<P extends Period>(periods: readonly P[], match: (p: P) => boolean, at: string): P[] {
  return periods.map((p) => (p.to === undefined && match(p) ? { ...p, to: at } : p));
}

/** A guardian linked (or relinked) with this authority from `at`; unchanged when it already held. */
export function withGuardianLink(history: FactsHistory, guardianId: string, parentalAuthority: boolean, at: string): FactsHistory {
  const open = history.guardians.find((p) => p.guardianId === guardianId && p.to === undefined);
  if (open?.parentalAuthority === parentalAuthority) return history;
  return {
    ...history,
    guardians: [...close(history.guardians, (p) => p.guardianId === guardianId, at), { guardianId, parentalAuthority, from: at }],
  };
}

/** The guardian is no longer linked from `at`. */
export function withoutGuardianLink(history: FactsHistory, guardianId: string, at: string): FactsHistory {
  return { ...history, guardians: close(history.guardians, (p) => p.guardianId === guardianId, at) };
}

/** The safeguarding flag set or lifted at `at`; unchanged when it already was so. */
export function withSafeguarding(history: FactsHistory, on: boolean, at: string): FactsHistory {
  const open = history.safeguarding.some((p) => p.to === undefined);
  if (open === on) return history;
  return { ...history, safeguarding: on ? [...history.safeguarding, { from: at }] : close(history.safeguarding, () => true, at) };
}

/** The child's groups from `at`: memberships that end are closed, new ones opened. */
export function withGroups(history: FactsHistory, groupIds: readonly string[], at: string): FactsHistory {
  const current = new Set(history.groups.filter((p) => p.to === undefined).map((p) => p.groupId));
  const added = groupIds.filter((g) => !current.has(g));
  return {
    ...history,
    groups: [...close(history.groups, (p) => !groupIds.includes(p.groupId), at), ...added.map((groupId) => ({ groupId, from: at }))],
  };
}

/**
 * The enrolment ends on `endDate`, recorded at `at`. An end can only move earlier: a later date
 * than the one recorded changes nothing. An end that already counted keeps counting from when it
 * did: the earlier of the two instants.
 */
export function withEnrolmentEnd(history: FactsHistory, endDate: string, at: string): FactsHistory {
  if (history.enrolment.endDate !== undefined && history.enrolment.endDate <= endDate) return history;
  const before = enrolmentEndsAt(history.enrolment);
  const now = endCountsFrom(endDate, at);
  const endsAt = before && before.getTime() < now.getTime() ? before : now;
  return { ...history, enrolment: { ...history.enrolment, endDate, endRecordedAt: at, endsAt: endsAt.toISOString() } };
}

/** What a child record kept before facts had a history: its current facts. */
export interface CurrentFacts {
  createdAt: string;
  updatedAt: string;
  groupIds: readonly string[];
  safeguarding: boolean;
  status: 'active' | 'ended';
  endDate?: string;
  guardians: Readonly<Record<string, { parentalAuthority: boolean; since: string }>>;
}

/**
 * The history of a child recorded before facts had one: its current facts, held since the child
 * was created (a guardian's link since it was made). What changed before cannot be recovered; the
 * ledger was complete all along.
 */
export function migratedHistory(current: CurrentFacts): FactsHistory {
  const since = (at: string) => (Date.parse(at) < Date.parse(current.createdAt) ? current.createdAt : at);
  return {
    guardians: Object.entries(current.guardians).map(([guardianId, l]) => ({ guardianId, parentalAuthority: l.parentalAuthority, from: since(l.since) })),
    safeguarding: current.safeguarding ? [{ from: current.createdAt }] : [],
    groups: current.groupIds.map((groupId) => ({ groupId, from: current.createdAt })),
    enrolment:
      current.status === 'ended'
        ? // An end without a date ended at once: from the day it was recorded.
          { from: current.createdAt, endDate: current.endDate ?? amsterdamDate(new Date(current.updatedAt)) }
        : { from: current.createdAt },
  };
}
