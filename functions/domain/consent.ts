/**
 * The consent rules of SPEC sections 2 and 3, in one pure module: no I/O, no clock.
 * Every caller (the consent API, the upload gate, the feeds, the sweep) asks here.
 */
import { ageOn, amsterdamDate } from './calendar';
import { PURPOSES, type AgePolicy, type Decision, type Purpose } from './purposes';

export type ActorRef = { kind: 'guardian'; guardianId: string } | { kind: 'child' };

/** `guardian:<id>` or `child`: the key under which an actor's latest decision is projected. */
export type ActorKey = `guardian:${string}` | 'child';

export function actorKey(actor: ActorRef): ActorKey {
  return actor.kind === 'child' ? 'child' : `guardian:${actor.guardianId}`;
}

export function actorFromKey(key: string): ActorRef {
  if (key === 'child') return { kind: 'child' };
  if (key.startsWith('guardian:') && key.length > 'guardian:'.length) {
    return { kind: 'guardian', guardianId: key.slice('guardian:'.length) };
  }
  throw new Error(`not an actor key: ${key}`);
}

/** How a decision reached the ledger: in the app by the actor, or from a signed paper form by staff. */
export interface RecordedBy {
  userId: string;
  role: 'guardian' | 'child' | 'staff' | 'admin';
  channel: 'app' | 'paper_form';
  formReference?: string;
  /** The date written on a paper form; evidence only, the decision counts from `at`. */
  signedOn?: string;
}

/** One immutable ledger entry. */
export interface ConsentEvent {
  eventId: string;
  childId: string;
  purpose: Purpose;
  decision: Decision;
  actor: ActorRef;
  recordedBy: RecordedBy;
  noticeVersion: string;
  /** ISO instant at which the decision entered the ledger; ledger order is (`at`, `eventId`). */
  at: string;
}

export interface LatestDecision {
  decision: Decision;
  at: string;
  eventId: string;
}

/** Latest decision per actor per purpose: the projection of the ledger. */
export type Projection = Record<Purpose, Partial<Record<ActorKey, LatestDecision>>>;

export function emptyProjection(): Projection {
  return { parent_information: {}, coaching_video: {}, publication: {} };
}

/** Ledger order: by instant, then by event id. Arrival order never matters. */
export function compareLedgerOrder(a: { at: string; eventId: string }, b: { at: string; eventId: string }): number {
  const ta = Date.parse(a.at);
  const tb = Date.parse(b.at);
  if (ta !== tb) return ta < tb ? -1 : 1;
  if (a.eventId === b.eventId) return 0;
  return a.eventId < b.eventId ? -1 : 1;
}

/** True when `event` is later in the ledger than the projected latest decision it would replace. */
export function supersedes(event: ConsentEvent, current: LatestDecision | undefined): boolean {
  return current === undefined || compareLedgerOrder(event, current) > 0;
}

/** The projection after one more event; events may arrive in any order. */
export function applyEvent(projection: Projection, event: ConsentEvent): Projection {
  const key = actorKey(event.actor);
  const forPurpose = projection[event.purpose];
  if (!supersedes(event, forPurpose[key])) return projection;
  return {
    ...projection,
    [event.purpose]: { ...forPurpose, [key]: { decision: event.decision, at: event.at, eventId: event.eventId } },
  };
}

/** Replays the ledger; with `until`, events after that instant are ignored. */
export function project(events: readonly ConsentEvent[], until?: Date): Projection {
  const limit = until?.getTime();
  return events.reduce(
    (p, e) => (limit === undefined || Date.parse(e.at) <= limit ? applyEvent(p, e) : p),
    emptyProjection(),
  );
}

export interface GuardianLinkFacts {
  guardianId: string;
  parentalAuthority: boolean;
}

/** What the rules need to know about a child besides the ledger. */
export interface ChildFacts {
  birthDate: string;
  status: 'active' | 'ended';
  /** First day on which the child no longer belongs to the organisation. */
  endDate?: string;
  safeguarding: boolean;
  guardians: readonly GuardianLinkFacts[];
}

export type AgeBand = 'under_12' | '12_to_15' | '16_plus';

/**
 * Why consent is not effective. Stable strings the apps translate:
 * `needs:guardian`, `needs:child`, `withdrawn_by:guardian:<id>`, `withdrawn_by:child`,
 * `no_guardian_with_authority`, `safeguarding`, `ended`.
 */
export type Reason =
  | 'needs:guardian'
  | 'needs:child'
  | `withdrawn_by:${ActorKey}`
  | 'no_guardian_with_authority'
  | 'safeguarding'
  | 'ended';

export interface ActorDecision {
  actor: ActorKey;
  decision: Decision | null;
  /** Whether this actor's decision counts at the evaluated instant. */
  counts: boolean;
}

export interface PurposeVerdict {
  purpose: Purpose;
  effective: boolean;
  reasons: Reason[];
  /** Every actor whose decision counts now, with their latest decision (null: not decided). */
  deciders: ActorDecision[];
  /** Decisions on record that do not count (a guardian of a 16-year-old, a guardian without authority). */
  ignored: ActorDecision[];
}

export interface ConsentVerdict {
  evaluatedAt: string;
  age: number;
  ageBand: AgeBand;
  policy: AgePolicy;
  purposes: Record<Purpose, PurposeVerdict>;
}

export function ageBand(age: number): AgeBand {
  if (age < 12) return 'under_12';
  if (age < 16) return '12_to_15';
  return '16_plus';
}

/** Who decides at a given age under a policy (SPEC section 2). */
export function whoDecides(age: number, policy: AgePolicy): { guardians: boolean; child: boolean } {
  return { guardians: age < 16, child: age >= (policy === 'youth-care' ? 12 : 16) };
}

export function hasEnded(child: Pick<ChildFacts, 'status' | 'endDate'>, on: string): boolean {
  if (child.status !== 'ended') return false;
  return child.endDate === undefined || on >= child.endDate;
}

/**
 * Effective consent per purpose at instant `at`, from the projected latest decisions.
 * The rules, in order: who counts follows from the age in Amsterdam at `at` and the policy;
 * no decision is no consent; any counting withdrawal blocks; the safeguarding flag and an
 * ended enrolment block every use whatever the decisions.
 */
export function evaluateConsent(child: ChildFacts, projection: Projection, at: Date, policy: AgePolicy): ConsentVerdict {
  const today = amsterdamDate(at);
  const age = ageOn(child.birthDate, today);
  const who = whoDecides(age, policy);
  const ended = hasEnded(child, today);
  const authority = child.guardians.filter((g) => g.parentalAuthority);

  const purposes = {} as Record<Purpose, PurposeVerdict>;
  for (const purpose of PURPOSES) {
    const latest = projection[purpose];
    const reasons: Reason[] = [];
    const deciders: ActorDecision[] = [];

    if (who.guardians) {
      if (authority.length === 0) reasons.push('no_guardian_with_authority');
      let anyGrant = false;
      for (const g of authority) {
        const key: ActorKey = `guardian:${g.guardianId}`;
        const decision = latest[key]?.decision ?? null;
        deciders.push({ actor: key, decision, counts: true });
        if (decision === 'withdrawn') reasons.push(`withdrawn_by:${key}`);
        if (decision === 'granted') anyGrant = true;
      }
      if (authority.length > 0 && !anyGrant) reasons.push('needs:guardian');
    }
    if (who.child) {
      const decision = latest.child?.decision ?? null;
      deciders.push({ actor: 'child', decision, counts: true });
      if (decision === 'withdrawn') reasons.push('withdrawn_by:child');
      if (decision === null) reasons.push('needs:child');
    }
    if (child.safeguarding) reasons.push('safeguarding');
    if (ended) reasons.push('ended');

    const counted = new Set(deciders.map((d) => d.actor));
    const ignored = (Object.entries(latest) as [ActorKey, LatestDecision | undefined][])
      .filter((entry): entry is [ActorKey, LatestDecision] => entry[1] !== undefined && !counted.has(entry[0]))
      .map(([actor, d]) => ({ actor, decision: d.decision, counts: false }))
      .sort((a, b) => (a.actor < b.actor ? -1 : a.actor > b.actor ? 1 : 0));

    purposes[purpose] = { purpose, effective: reasons.length === 0, reasons, deciders, ignored };
  }
  return { evaluatedAt: at.toISOString(), age, ageBand: ageBand(age), policy, purposes };
}

/** The state at any past or present instant from the full ledger ("was consent effective at t?"). */
export function evaluateConsentAt(
  child: ChildFacts,
  ledger: readonly ConsentEvent[],
  at: Date,
  policy: AgePolicy,
): ConsentVerdict {
  return evaluateConsent(child, project(ledger, at), at, policy);
}

export interface Blocker {
  purpose: Purpose;
  reasons: Reason[];
}

/** The purposes among `wanted` that are not effective, with why. Empty: every use is allowed. */
export function blockers(verdict: ConsentVerdict, wanted: readonly Purpose[]): Blocker[] {
  return wanted
    .map((purpose) => verdict.purposes[purpose])
    .filter((v) => !v.effective)
    .map((v) => ({ purpose: v.purpose, reasons: v.reasons }));
}

/**
 * True when no decision for `purposes` entered the ledger after `at`: the projection then equals
 * the projection at `at` for those purposes, and the ledger need not be read.
 */
export function projectionSettledAt(projection: Projection, purposes: readonly Purpose[], at: Date): boolean {
  const limit = at.getTime();
  return purposes.every((p) => Object.values(projection[p]).every((d) => d === undefined || Date.parse(d.at) <= limit));
}

/**
 * True when `event` is a withdrawal by an actor whose decision counted when it was made: the
 * trigger for removing the purpose from the child's footage (SPEC section 5). A withdrawal by
 * someone who does not count (a guardian of a 16-year-old) changes nothing.
 */
export function isCountingWithdrawal(child: ChildFacts, event: ConsentEvent, policy: AgePolicy): boolean {
  if (event.decision !== 'withdrawn') return false;
  const verdict = evaluateConsent(child, emptyProjection(), new Date(event.at), policy);
  return verdict.purposes[event.purpose].deciders.some((d) => d.actor === actorKey(event.actor));
}
