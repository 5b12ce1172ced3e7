/**
 * The consent rules of SPEC sections 2 and 3, in one pure module: no I/O, no clock. Who decides
 * follows from the child's age in Amsterdam and the organisation's age policy; a decision counts
 * only while its actor counts and only if the actor counted when it was made; the facts (guardian
 * links and authority, the safeguarding flag, enrolment) are those of the evaluated instant.
 * Services do not call this module directly: they use the rules bound to the organisation's
 * settings (`rules.ts`).
 */
import { ageOn, amsterdamDate } from './calendar';
import { factsAt, type FactsHistory } from './facts';
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

export type DecisionsByActor = Record<Purpose, Partial<Record<ActorKey, LatestDecision>>>;

/**
 * The projection of the ledger, kept on the child: per purpose and actor the latest decision
 * (`latest`, shown as on record) and the latest decision made while the actor counted
 * (`counting`, what the rules use), and per purpose the instant of the latest withdrawal that
 * counted (`withdrawnAt`): footage recorded before it has lost that purpose for good (SPEC 5).
 */
export interface Projection {
  latest: DecisionsByActor;
  counting: DecisionsByActor;
  withdrawnAt: Partial<Record<Purpose, string>>;
}

const emptyByActor = (): DecisionsByActor => ({ parent_information: {}, coaching_video: {}, publication: {} });

export function emptyProjection(): Projection {
  return { latest: emptyByActor(), counting: emptyByActor(), withdrawnAt: {} };
}

/** Ledger order: by instant, then by event id. Arrival order never matters. */
export function compareLedgerOrder(a: { at: string; eventId: string }, b: { at: string; eventId: string }): number {
  const ta = Date.parse(a.at);
  const tb = Date.parse(b.at);
  if (ta !== tb) return ta < tb ? -1 : 1;
  if (a.eventId === b.eventId) return 0;
  return a.eventId < b.eventId ? -1 : 1;
}

/** True when `event` is later in the ledger than the projected decision it would replace. */
export function supersedes(event: { at: string; eventId: string }, current: LatestDecision | undefined): boolean {
  return current === undefined || compareLedgerOrder(event, current) > 0;
}

function put(byActor: DecisionsByActor, event: ConsentEvent): DecisionsByActor {
  const key = actorKey(event.actor);
  if (!supersedes(event, byActor[event.purpose][key])) return byActor;
  return { ...byActor, [event.purpose]: { ...byActor[event.purpose], [key]: { decision: event.decision, at: event.at, eventId: event.eventId } } };
}

/**
 * The projection after one more event, which counted when it was made or not; events may arrive
 * in any order and twice.
 */
export function applyEvent(projection: Projection, event: ConsentEvent, counted: boolean): Projection {
  const withdrawnAt = projection.withdrawnAt[event.purpose];
  const laterWithdrawal = counted && event.decision === 'withdrawn' && (withdrawnAt === undefined || Date.parse(event.at) > Date.parse(withdrawnAt));
  return {
    latest: put(projection.latest, event),
    counting: counted ? put(projection.counting, event) : projection.counting,
    withdrawnAt: laterWithdrawal ? { ...projection.withdrawnAt, [event.purpose]: event.at } : projection.withdrawnAt,
  };
}

/** Replays the ledger; with `until`, events after that instant are left out. */
export function project(events: readonly ConsentEvent[], counted: (event: ConsentEvent) => boolean, until?: Date): Projection {
  const limit = until?.getTime();
  return events.reduce((p, e) => (limit === undefined || Date.parse(e.at) <= limit ? applyEvent(p, e, counted(e)) : p), emptyProjection());
}

/** What the rules need to know about a child besides the ledger. */
export interface ConsentSubject {
  birthDate: string;
  history: FactsHistory;
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
  /** Whether this decision counts at the evaluated instant. */
  counts: boolean;
}

export interface PurposeVerdict {
  purpose: Purpose;
  effective: boolean;
  reasons: Reason[];
  /** Every actor whose decision counts at the instant, with their latest counting decision (null: none). */
  deciders: ActorDecision[];
  /**
   * Decisions on record that do not count: by someone who does not count at the instant (a
   * guardian of a 16-year-old, a guardian without authority), or made while the actor did not
   * count (a child's account before it could decide).
   */
  ignored: ActorDecision[];
}

export interface ConsentVerdict {
  evaluatedAt: string;
  age: number;
  ageBand: AgeBand;
  policy: AgePolicy;
  purposes: Record<Purpose, PurposeVerdict>;
}

/** From this age the child alone decides, sees its own feed and exercises its own rights (UAVG art. 5). */
export const CHILD_ALONE_FROM_AGE = 16;

/** The age from which a child's own decision counts: 12 in youth care (Jeugdwet), 16 under the UAVG alone. */
export function childDecidesFromAge(policy: AgePolicy): number {
  return policy === 'youth-care' ? 12 : CHILD_ALONE_FROM_AGE;
}

/** Completed years at instant `at`, by the calendar date in Amsterdam. */
export function ageAt(birthDate: string, at: Date): number {
  return ageOn(birthDate, amsterdamDate(at));
}

export function ageBand(age: number): AgeBand {
  if (age < 12) return 'under_12';
  if (age < CHILD_ALONE_FROM_AGE) return '12_to_15';
  return '16_plus';
}

/** Who decides at a given age under a policy (SPEC section 2). */
export function whoDecides(age: number, policy: AgePolicy): { guardians: boolean; child: boolean } {
  return { guardians: age < CHILD_ALONE_FROM_AGE, child: age >= childDecidesFromAge(policy) };
}

/** Whether `actor` counted at `at`: the child from its deciding age, a guardian with parental authority then, under 16. */
export function actorCounts(subject: ConsentSubject, actor: ActorRef, at: Date, policy: AgePolicy): boolean {
  const who = whoDecides(ageAt(subject.birthDate, at), policy);
  if (actor.kind === 'child') return who.child;
  return who.guardians && factsAt(subject.history, at).guardians.some((g) => g.guardianId === actor.guardianId && g.parentalAuthority);
}

/** Whether a decision counted when it was made: its actor counted at its instant. */
export function countedWhenMade(subject: ConsentSubject, event: ConsentEvent, policy: AgePolicy): boolean {
  return actorCounts(subject, event.actor, new Date(event.at), policy);
}

/**
 * A projection as stored before it kept counting decisions (only the latest decision per actor):
 * completed from the facts. Exact for every state the API can reach: a child's decisions come in
 * the order of its age, and once a guardian's decision stops counting (the child is 16) no
 * guardian counts again, so the latest counting decision is the latest one or none.
 */
export function completeProjection(latest: DecisionsByActor, subject: ConsentSubject, policy: AgePolicy): Projection {
  let projection: Projection = { latest, counting: emptyByActor(), withdrawnAt: {} };
  for (const purpose of PURPOSES) {
    for (const [key, d] of Object.entries(latest[purpose]) as [ActorKey, LatestDecision | undefined][]) {
      if (!d) continue;
      const event = { eventId: d.eventId, at: d.at, purpose, decision: d.decision, actor: actorFromKey(key) } as const;
      if (!actorCounts(subject, event.actor, new Date(d.at), policy)) continue;
      projection = {
        ...projection,
        counting: { ...projection.counting, [purpose]: { ...projection.counting[purpose], [key]: d } },
        withdrawnAt:
          d.decision === 'withdrawn' && (projection.withdrawnAt[purpose] === undefined || d.at > projection.withdrawnAt[purpose]!)
            ? { ...projection.withdrawnAt, [purpose]: d.at }
            : projection.withdrawnAt,
      };
    }
  }
  return projection;
}

/**
 * Effective consent per purpose at instant `at`, from a projection holding every decision up to
 * `at`. The rules, in order: who counts follows from the age in Amsterdam at `at`, the policy and
 * the guardians' authority then; each actor's latest counting decision is theirs; no decision is
 * no consent; any counting withdrawal blocks; the safeguarding flag and an ended enrolment block
 * every use whatever the decisions.
 */
export function evaluateConsent(subject: ConsentSubject, projection: Projection, at: Date, policy: AgePolicy): ConsentVerdict {
  const age = ageAt(subject.birthDate, at);
  const who = whoDecides(age, policy);
  const facts = factsAt(subject.history, at);
  const authority = facts.guardians.filter((g) => g.parentalAuthority);

  const purposes = {} as Record<Purpose, PurposeVerdict>;
  for (const purpose of PURPOSES) {
    const counting = projection.counting[purpose];
    const reasons: Reason[] = [];
    const deciders: ActorDecision[] = [];

    if (who.guardians) {
      if (authority.length === 0) reasons.push('no_guardian_with_authority');
      let anyGrant = false;
      for (const g of authority) {
        const key: ActorKey = `guardian:${g.guardianId}`;
        const decision = counting[key]?.decision ?? null;
        deciders.push({ actor: key, decision, counts: true });
        if (decision === 'withdrawn') reasons.push(`withdrawn_by:${key}`);
        if (decision === 'granted') anyGrant = true;
      }
      if (authority.length > 0 && !anyGrant) reasons.push('needs:guardian');
    }
    if (who.child) {
      const decision = counting.child?.decision ?? null;
      deciders.push({ actor: 'child', decision, counts: true });
      if (decision === 'withdrawn') reasons.push('withdrawn_by:child');
      if (decision === null) reasons.push('needs:child');
    }
    if (facts.safeguarding) reasons.push('safeguarding');
    if (!facts.enrolled) reasons.push('ended');

    const counted = new Set(deciders.map((d) => d.actor));
    const ignored = (Object.entries(projection.latest[purpose]) as [ActorKey, LatestDecision | undefined][])
      .filter((entry): entry is [ActorKey, LatestDecision] => entry[1] !== undefined)
      .filter(([actor, d]) => !counted.has(actor) || counting[actor]?.eventId !== d.eventId)
      .map(([actor, d]) => ({ actor, decision: d.decision, counts: false }))
      .sort((a, b) => (a.actor < b.actor ? -1 : a.actor > b.actor ? 1 : 0));

    purposes[purpose] = { purpose, effective: reasons.length === 0, reasons, deciders, ignored };
  }
  return { evaluatedAt: at.toISOString(), age, ageBand: ageBand(age), policy, purposes };
}

/** The state at any past or present instant from the ledger ("was consent effective at t?"), with the facts of then. */
export function evaluateConsentAt(subject: ConsentSubject, ledger: readonly ConsentEvent[], at: Date, policy: AgePolicy): ConsentVerdict {
  return evaluateConsent(subject, project(ledger, (e) => countedWhenMade(subject, e, policy), at), at, policy);
}

/**
 * True when no decision for `purposes` entered the ledger after `at`: the projection then equals
 * the projection at `at` for those purposes, and the ledger need not be read.
 */
export function projectionSettledAt(projection: Projection, purposes: readonly Purpose[], at: Date): boolean {
  const limit = at.getTime();
  return purposes.every((p) => Object.values(projection.latest[p]).every((d) => d === undefined || Date.parse(d.at) <= limit));
}

/**
 * True when `event` is a withdrawal by an actor who counted when it was made: the trigger for
 * removing the purpose from the child's footage (SPEC section 5). A withdrawal by someone who does
 * not count (a guardian of a 16-year-old) changes nothing.
 */
export function isCountingWithdrawal(subject: ConsentSubject, event: ConsentEvent, policy: AgePolicy): boolean {
  return event.decision === 'withdrawn' && countedWhenMade(subject, event, policy);
}

/** Why an actor may not decide: not linked, linked without authority, or a child below its deciding age. */
export type DecideRefusal = 'not_linked' | 'no_parental_authority' | 'too_young';

/**
 * May `actor` decide at `at`? A guardian must be linked with parental authority; the child decides
 * from its deciding age. A guardian's decision for a child of 16 or more is recorded but does not
 * count (SPEC example 3); `counts` says whether the decision will.
 */
export function mayDecide(
  subject: ConsentSubject,
  actor: ActorRef,
  at: Date,
  policy: AgePolicy,
): { allowed: true; counts: boolean } | { allowed: false; refusal: DecideRefusal; decidesFromAge?: number } {
  if (actor.kind === 'child') {
    return actorCounts(subject, actor, at, policy) ? { allowed: true, counts: true } : { allowed: false, refusal: 'too_young', decidesFromAge: childDecidesFromAge(policy) };
  }
  const link = factsAt(subject.history, at).guardians.find((g) => g.guardianId === actor.guardianId);
  if (!link) return { allowed: false, refusal: 'not_linked' };
  if (!link.parentalAuthority) return { allowed: false, refusal: 'no_parental_authority' };
  return { allowed: true, counts: actorCounts(subject, actor, at, policy) };
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

/** Why someone may not exercise the child's rights (access, erasure requests, exports). */
export type RightsRefusal = 'not_linked' | 'no_parental_authority' | 'rights_with_child' | 'rights_from_16';

/**
 * Who exercises a child's rights (UAVG art. 5): a guardian with parental authority while the child
 * is under 16, the child itself from 16.
 */
export function mayExerciseRights(subject: ConsentSubject, actor: ActorRef, at: Date): { allowed: true } | { allowed: false; refusal: RightsRefusal } {
  const alone = ageAt(subject.birthDate, at) >= CHILD_ALONE_FROM_AGE;
  if (actor.kind === 'child') return alone ? { allowed: true } : { allowed: false, refusal: 'rights_from_16' };
  const link = factsAt(subject.history, at).guardians.find((g) => g.guardianId === actor.guardianId);
  if (!link) return { allowed: false, refusal: 'not_linked' };
  if (!link.parentalAuthority) return { allowed: false, refusal: 'no_parental_authority' };
  return alone ? { allowed: false, refusal: 'rights_with_child' } : { allowed: true };
}
