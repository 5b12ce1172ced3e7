/**
 * An oracle of the consent rules, written from the specification (sections 2 to 6) and the
 * README's stated choices, independently of `functions/domain`: it imports nothing from the code
 * under test and keeps its own model of a child (fact changes and decisions as two plain lists).
 * Property tests compare the rules module, the sweep's plan and the API against it.
 *
 * Instants are epoch milliseconds; calendar dates are `YYYY-MM-DD` in Europe/Amsterdam.
 */

export type Purpose = 'parent_information' | 'coaching_video' | 'publication';
export const ALL_PURPOSES: readonly Purpose[] = ['parent_information', 'coaching_video', 'publication'];
export type Policy = 'youth-care' | 'uavg';
export type Actor = { kind: 'child' } | { kind: 'guardian'; guardianId: string };

/** A change of a fact, recorded at an instant. */
export type FactChange =
  | { at: number; kind: 'link'; guardianId: string; authority: boolean }
  | { at: number; kind: 'unlink'; guardianId: string }
  | { at: number; kind: 'safeguarding'; on: boolean }
  | { at: number; kind: 'end'; endDate: string }
  | { at: number; kind: 'groups'; groupIds: string[] };

export interface Decision {
  eventId: string;
  at: number;
  purpose: Purpose;
  decision: 'granted' | 'withdrawn';
  actor: Actor;
}

export interface OracleChild {
  childId: string;
  birthDate: string;
  createdAt: number;
  initialGroups: string[];
  facts: FactChange[];
  ledger: Decision[];
}

// ---- calendar, from scratch ----

const dayFormat = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Amsterdam', year: 'numeric', month: '2-digit', day: '2-digit' });

export function amsterdamDay(ms: number): string {
  const parts = Object.fromEntries(dayFormat.formatToParts(new Date(ms)).map((p) => [p.type, p.value]));
  return `${String(parts.year).padStart(4, '0')}-${parts.month}-${parts.day}`;
}

/** 00:00 in Amsterdam on `date`: the first millisecond whose Amsterdam day is `date` (searched, not computed from offsets). */
export function midnight(date: string): number {
  const utcMidnight = Date.parse(`${date}T00:00:00Z`);
  for (let hours = -3; hours <= 1; hours++) {
    const candidate = utcMidnight + hours * 3_600_000;
    if (amsterdamDay(candidate) === date && amsterdamDay(candidate - 1) !== date) return candidate;
  }
  throw new Error(`no midnight found for ${date}`);
}

const leap = (y: number) => (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;

/** Whole years lived on `day`: a birthday on 29 February falls on 1 March in other years (README). */
export function ageOnDay(birthDate: string, day: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  let age = y - by;
  const birthdayThisYear = bm === 2 && bd === 29 && !leap(y) ? [3, 1] : [bm, bd];
  if (m < birthdayThisYear[0]! || (m === birthdayThisYear[0] && d < birthdayThisYear[1]!)) age--;
  return age;
}

/** The same calendar day `years` later; 29 February becomes 28 February (SPEC 6). */
export function plusYears(date: string, years: number): string {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const ty = y + years;
  const day = m === 2 && d === 29 && !leap(ty) ? 28 : d;
  return `${String(ty).padStart(4, '0')}-${String(m).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

// ---- facts at an instant: replay the changes recorded up to then ----

export interface Facts {
  guardians: Map<string, boolean>;
  safeguarding: boolean;
  enrolled: boolean;
  groups: string[];
}

export function factsAt(child: OracleChild, t: number): Facts {
  const guardians = new Map<string, boolean>();
  let safeguarding = false;
  let groups = [...child.initialGroups];
  let earliestEnd: string | undefined;
  let ended = false;
  for (const f of [...child.facts].sort((a, b) => a.at - b.at)) {
    if (f.at > t) break;
    if (f.kind === 'link') guardians.set(f.guardianId, f.authority);
    if (f.kind === 'unlink') guardians.delete(f.guardianId);
    if (f.kind === 'safeguarding') safeguarding = f.on;
    if (f.kind === 'groups') groups = [...f.groupIds];
    // "The child left on D", known from when it was recorded: it has left once D has begun. An end
    // is only ever moved earlier; a later date is refused (changes nothing).
    if (f.kind === 'end' && (earliestEnd === undefined || f.endDate < earliestEnd)) {
      earliestEnd = f.endDate;
      if (midnight(f.endDate) <= t) ended = true;
    }
  }
  return { guardians, safeguarding, enrolled: !ended, groups: t < child.createdAt ? [] : groups };
}

// ---- SPEC 2: who decides, and effective consent ----

const childFrom = (policy: Policy) => (policy === 'youth-care' ? 12 : 16);

export function ageAt(child: Pick<OracleChild, 'birthDate'>, t: number): number {
  return ageOnDay(child.birthDate, amsterdamDay(t));
}

/** Whether the actor's decisions count at `t`. */
export function counts(child: OracleChild, actor: Actor, t: number, policy: Policy): boolean {
  const age = ageAt(child, t);
  if (actor.kind === 'child') return age >= childFrom(policy);
  return age < 16 && factsAt(child, t).guardians.get(actor.guardianId) === true;
}

const later = (a: Decision, b: Decision) => a.at > b.at || (a.at === b.at && a.eventId > b.eventId);

/** The actor's latest decision up to `t` among those made while the actor counted. */
export function standing(child: OracleChild, actor: Actor, purpose: Purpose, t: number, policy: Policy): 'granted' | 'withdrawn' | undefined {
  let best: Decision | undefined;
  for (const d of child.ledger) {
    if (d.purpose !== purpose || d.at > t) continue;
    if (d.actor.kind !== actor.kind || (d.actor.kind === 'guardian' && actor.kind === 'guardian' && d.actor.guardianId !== actor.guardianId)) continue;
    if (!counts(child, d.actor, d.at, policy)) continue;
    if (!best || later(d, best)) best = d;
  }
  return best?.decision;
}

export function effective(child: OracleChild, purpose: Purpose, t: number, policy: Policy): boolean {
  const facts = factsAt(child, t);
  if (facts.safeguarding || !facts.enrolled) return false;
  const age = ageAt(child, t);
  const withAuthority = [...facts.guardians].filter(([, a]) => a).map(([g]) => g);
  const guardiansSay = withAuthority.map((g) => standing(child, { kind: 'guardian', guardianId: g }, purpose, t, policy));
  const guardiansAgree = withAuthority.length > 0 && guardiansSay.includes('granted') && !guardiansSay.includes('withdrawn');
  const childGranted = standing(child, { kind: 'child' }, purpose, t, policy) === 'granted';
  if (age >= 16) return childGranted;
  if (age >= 12 && policy === 'youth-care') return guardiansAgree && childGranted;
  return guardiansAgree;
}

/** May this actor decide at `t`? A guardian with authority (recorded, maybe not counting); the child from 12 (youth care) or 16. */
export function mayDecide(child: OracleChild, actor: Actor, t: number, policy: Policy): 'yes' | 'not_linked' | 'no_authority' | 'too_young' {
  if (actor.kind === 'child') return ageAt(child, t) >= childFrom(policy) ? 'yes' : 'too_young';
  const authority = factsAt(child, t).guardians.get(actor.guardianId);
  if (authority === undefined) return 'not_linked';
  return authority ? 'yes' : 'no_authority';
}

/** The instants of withdrawals that counted when they were made (SPEC 5: the trigger). */
export function countingWithdrawals(child: OracleChild, purpose: Purpose, policy: Policy): number[] {
  return child.ledger.filter((d) => d.purpose === purpose && d.decision === 'withdrawn' && counts(child, d.actor, d.at, policy)).map((d) => d.at);
}

// ---- SPEC 4 and 6: uses of an item ----

export interface OracleItem {
  recordedAt: number;
  createdAt: number;
  purposes: Purpose[];
  childIds: string[];
  status: 'pending' | 'available' | 'refused';
  retainedBecausePublished?: boolean;
}

export type Retention = Record<Purpose, number>;

/** Whether `purpose` of footage recorded at `recordedAt` is past its retention at `t` (from 00:00 Amsterdam on its end date). */
export function retentionEnded(recordedAt: number, purpose: Purpose, t: number, retention: Retention): boolean {
  return amsterdamDay(t) >= plusYears(amsterdamDay(recordedAt), Math.min(3, retention[purpose]));
}

/** SPEC 5: a counting withdrawal at or after the footage existed took the purpose for good. */
function taken(child: OracleChild, purpose: Purpose, from: number, t: number, policy: Policy): boolean {
  return countingWithdrawals(child, purpose, policy).some((w) => w >= from && w <= t);
}

/** May an available item be shown (or published) for `purpose` at `t`? */
export function usable(item: OracleItem, purpose: Purpose, children: ReadonlyMap<string, OracleChild>, t: number, policy: Policy, retention: Retention): boolean {
  if (item.status !== 'available' || !item.purposes.includes(purpose) || retentionEnded(item.recordedAt, purpose, t, retention)) return false;
  const from = Math.min(item.recordedAt, item.createdAt);
  return item.childIds.every((id) => {
    const child = children.get(id);
    return child !== undefined && effective(child, purpose, t, policy) && !taken(child, purpose, from, t, policy);
  });
}

export function publishable(item: OracleItem, children: ReadonlyMap<string, OracleChild>, t: number, policy: Policy, retention: Retention): boolean {
  return !item.retainedBecausePublished && usable(item, 'publication', children, t, policy, retention);
}

/**
 * May footage recorded at `recordedAt` in `groupId`, of these children, for these purposes, be
 * uploaded at `t`? Not in the future (5 minutes of clock drift), no purpose past retention, every
 * child in the group when recorded, consent at the recording and now, and no counting withdrawal
 * in between.
 */
export function uploadAllowed(
  upload: { recordedAt: number; groupId: string; purposes: Purpose[]; childIds: string[] },
  children: ReadonlyMap<string, OracleChild>,
  t: number,
  policy: Policy,
  retention: Retention,
): boolean {
  if (upload.recordedAt > t + 5 * 60_000) return false;
  if (upload.purposes.some((p) => retentionEnded(upload.recordedAt, p, t, retention))) return false;
  const from = Math.min(upload.recordedAt, t);
  return upload.childIds.every((id) => {
    const child = children.get(id);
    if (!child || !factsAt(child, upload.recordedAt).groups.includes(upload.groupId)) return false;
    return upload.purposes.every((p) => effective(child, p, upload.recordedAt, policy) && effective(child, p, t, policy) && !taken(child, p, from, t, policy));
  });
}

/**
 * May a pending upload be completed at `t`, and for which purposes? Purposes a withdrawal took or
 * retention ended are gone; every other one must hold now for every child; none left is a refusal.
 */
export function completable(item: OracleItem, children: ReadonlyMap<string, OracleChild>, t: number, policy: Policy, retention: Retention): Purpose[] | undefined {
  if (item.status !== 'pending') return undefined;
  const from = Math.min(item.recordedAt, item.createdAt);
  const live = item.purposes.filter(
    (p) => !retentionEnded(item.recordedAt, p, t, retention) && !item.childIds.some((id) => { const c = children.get(id); return c !== undefined && taken(c, p, from, t, policy); }),
  );
  if (live.length === 0) return undefined;
  const ok = item.childIds.every((id) => {
    const child = children.get(id);
    return child !== undefined && live.every((p) => effective(child, p, t, policy));
  });
  return ok ? live : undefined;
}

// ---- SPEC 6: the sweep, for one item ----

export type SweepExpectation = { delete: 'retention' | 'withdrawn' | 'incomplete_upload' } | { keep: Purpose[] };

/**
 * What must happen to an item in a sweep at `t`: an unfinished upload goes once its clean-up day
 * (the day after its creation) has come and it has had an hour; a refused one at once; an item
 * without purposes (all withdrawn) goes; otherwise the purposes past their end date go, and the
 * item with them when none is left.
 */
export function sweepExpectation(
  item: { status: 'pending' | 'available' | 'refused'; createdAt: number; recordedAt: number; purposes: Purpose[]; endDates: Partial<Record<Purpose, string>>; deletionReason?: string },
  t: number,
): SweepExpectation {
  if (item.status === 'refused') return { delete: 'incomplete_upload' };
  if (item.status === 'pending') {
    const cleanupDay = amsterdamDay(item.createdAt + 24 * 3_600_000);
    return amsterdamDay(t) >= cleanupDay && t - item.createdAt >= 3_600_000 ? { delete: 'incomplete_upload' } : { keep: item.purposes };
  }
  if (item.purposes.length === 0) return { delete: item.deletionReason === 'retention' ? 'retention' : 'withdrawn' };
  const ceiling = plusYears(amsterdamDay(item.recordedAt), 3);
  const endOf = (p: Purpose) => {
    const stored = item.endDates[p];
    return stored !== undefined && stored < ceiling ? stored : ceiling;
  };
  const left = item.purposes.filter((p) => amsterdamDay(t) < endOf(p));
  return left.length === 0 ? { delete: 'retention' } : { keep: left };
}
