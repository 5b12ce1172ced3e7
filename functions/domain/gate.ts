/**
 * The one gate for every use of footage (SPEC section 4): an upload, its completion, a listing or
 * a single download, a copy in an export, the publication check and publishing. Pure; the instant
 * is an argument. A use needs, for every depicted child, effective consent for each purpose at
 * the moment of use; a purpose whose retention has ended is never used again, whether or not the
 * sweep has run; and footage recorded before a counting withdrawal of a purpose by a depicted
 * child has lost that purpose for good (SPEC 5), whether or not propagation has run, so a later
 * grant never brings it back.
 */
import { amsterdamDate } from './calendar';
import {
  blockers,
  completeProjection,
  evaluateConsent,
  evaluateConsentAt,
  type ConsentEvent,
  type ConsentSubject,
  type ConsentVerdict,
  type Projection,
  type Reason,
} from './consent';
import { factsAt } from './facts';
import type { AgePolicy, Purpose } from './purposes';
import { purposeEnded } from './retention';

/**
 * A child as the rules read it: the facts and their history, and the projection of its ledger.
 * `incomplete` marks a projection stored before counting decisions were kept (completed from the
 * facts on the way in); `erasure`, set once the child's erasure has started (no new use of it).
 */
export interface RulesChild extends ConsentSubject {
  childId: string;
  consent: Projection & { incomplete?: boolean };
  erasure?: object;
}

/** The projection with its counting decisions, whatever was stored. */
export function projectionOf(child: RulesChild, policy: AgePolicy): Projection {
  return child.consent.incomplete ? completeProjection(child.consent.latest, child, policy) : child.consent;
}

export interface UseItem {
  status: 'pending' | 'available' | 'refused';
  purposes: readonly Purpose[];
  deletionDates: Partial<Record<Purpose, string>>;
  recordedAt: string;
  createdAt: string;
  childIds: readonly string[];
  /** Set when a withdrawal of `publication` found the item published: kept, never published again. */
  retainedBecausePublished?: string;
  objectKey?: string;
}

export type Use =
  /** A staff tablet uploads footage recorded at `recordedAt` in a group, for some purposes. */
  | { kind: 'upload'; purposes: readonly Purpose[]; recordedAt: Date; groupId: string }
  /** The upload is completed: every purpose it keeps must hold now. */
  | { kind: 'complete' }
  /** Shown for a purpose: a feed or library page, a single download URL. */
  | { kind: 'view'; purpose: Purpose }
  /** Published to a new channel (also the publication check). */
  | { kind: 'publish' }
  /** A copy of the file in an export of `subjectId`, for the admin or for the child's family. */
  | { kind: 'copy'; subjectId: string; audience: 'admin' | 'family' };

/** What stops a use besides a child's consent. */
export type ItemReason =
  | 'not_available'
  | 'not_pending'
  | 'not_recorded_for_purpose'
  | 'not_recorded_for_publication'
  | 'retention_ended'
  | 'retained_after_withdrawal'
  | 'recorded_in_future'
  /** Copies in an export: the family does not get files while the child is protected, or files that show other children. */
  | 'blocked_by_organisation'
  | 'depicts_other_children';

/** Why one depicted child blocks a use besides its consent verdict. */
export type ChildReason = Reason | 'child_not_found' | 'being_erased' | 'withdrawn_since_recording' | 'not_in_group';

export interface UseBlocker {
  childId: string;
  purpose: Purpose;
  /** `recorded_at`: it did not hold when the footage was made; `now`: it does not hold at the moment of use. */
  when: 'recorded_at' | 'now';
  reasons: ChildReason[];
}

export type UseVerdict =
  | { allowed: true; purposes: Purpose[] }
  | { allowed: false; reasons: ItemReason[]; blockers: UseBlocker[] };

/** How far a tablet's clock may run ahead: a recording a few minutes "in the future" is not an error. */
export const CLOCK_SKEW_MS = 5 * 60 * 1000;

/** Everything the gate is told: each depicted child (absent: gone), and its ledger where the projection does not cover the recording instant. */
export interface Depicted {
  child: (childId: string) => RulesChild | undefined;
  ledger?: (childId: string) => readonly ConsentEvent[] | undefined;
}

/** The instant from which footage exists: a withdrawal at or after it takes the purpose away. */
function boundary(recordedAt: Date, createdAt: Date): number {
  return Math.min(recordedAt.getTime(), createdAt.getTime());
}

/**
 * Whether a counting withdrawal at `at` takes its purpose from this footage: it existed then
 * (recorded, or uploaded, no later). Footage recorded after it, under a new grant, keeps it.
 */
export function withdrawalTakes(item: Pick<UseItem, 'recordedAt' | 'createdAt'>, at: string): boolean {
  return Date.parse(at) >= boundary(new Date(item.recordedAt), new Date(item.createdAt));
}

function takenBy(child: RulesChild, projection: Projection, purpose: Purpose, from: number): boolean {
  const w = projection.withdrawnAt[purpose];
  return w !== undefined && Date.parse(w) >= from;
}

/** Per child: whether it blocks the purposes now (consent, erasure, a withdrawal since the recording). */
function childBlockers(
  policy: AgePolicy,
  childIds: readonly string[],
  purposes: readonly Purpose[],
  depicted: Depicted,
  at: Date,
  from: number,
): UseBlocker[] {
  return childIds.flatMap((childId) => {
    const child = depicted.child(childId);
    if (!child || child.erasure !== undefined) return purposes.map((purpose) => ({ childId, purpose, when: 'now' as const, reasons: [child ? 'being_erased' : 'child_not_found'] as ChildReason[] }));
    const projection = projectionOf(child, policy);
    const verdict = evaluateConsent(child, projection, at, policy);
    return purposes.flatMap((purpose) => {
      const reasons: ChildReason[] = [...(verdict.purposes[purpose].reasons as ChildReason[])];
      if (takenBy(child, projection, purpose, from)) reasons.push('withdrawn_since_recording');
      return reasons.length ? [{ childId, purpose, when: 'now' as const, reasons }] : [];
    });
  });
}

/** The child's consent at the recording instant, from its projection when nothing was decided since, else from its ledger. */
function consentAtRecording(policy: AgePolicy, child: RulesChild, ledger: readonly ConsentEvent[] | undefined, at: Date): ConsentVerdict {
  return ledger ? evaluateConsentAt(child, ledger, at, policy) : evaluateConsent(child, projectionOf(child, policy), at, policy);
}

const denied = (reasons: ItemReason[], blockers: UseBlocker[] = []): UseVerdict => ({ allowed: false, reasons, blockers });

function decide(reasons: ItemReason[], found: UseBlocker[], purposes: Purpose[]): UseVerdict {
  return reasons.length === 0 && found.length === 0 ? { allowed: true, purposes } : denied(reasons, found);
}

/**
 * May this use of this item happen at `at`? Yes (with the purposes it is allowed for), or the
 * reasons of the item and, per depicted child and purpose, why not.
 */
export function mayUse(policy: AgePolicy, use: Use, item: UseItem, depicted: Depicted, at: Date): UseVerdict {
  const today = amsterdamDate(at);
  const from = boundary(new Date(item.recordedAt), new Date(item.createdAt));
  const ended = (p: Purpose) => purposeEnded(item, p, today);
  switch (use.kind) {
    case 'upload': {
      const reasons: ItemReason[] = [];
      if (use.recordedAt.getTime() > at.getTime() + CLOCK_SKEW_MS) reasons.push('recorded_in_future');
      if (use.purposes.some(ended)) reasons.push('retention_ended');
      const start = boundary(use.recordedAt, at);
      const found = item.childIds.flatMap((childId): UseBlocker[] => {
        const child = depicted.child(childId);
        if (!child || child.erasure !== undefined) return childBlockers(policy, [childId], use.purposes, depicted, at, start);
        // Footage of a group's activity shows children of that group when it was recorded.
        const outside: UseBlocker[] = factsAt(child.history, use.recordedAt).groupIds.includes(use.groupId)
          ? []
          : use.purposes.map((purpose) => ({ childId, purpose, when: 'recorded_at' as const, reasons: ['not_in_group'] }));
        const then = consentAtRecording(policy, child, depicted.ledger?.(childId), use.recordedAt);
        return [
          ...outside,
          ...blockers(then, use.purposes).map((b) => ({ childId, purpose: b.purpose, when: 'recorded_at' as const, reasons: b.reasons as ChildReason[] })),
          ...childBlockers(policy, [childId], use.purposes, depicted, at, start),
        ];
      });
      return decide(reasons, found, [...use.purposes]);
    }
    case 'complete': {
      if (item.status !== 'pending') return denied(['not_pending']);
      // Purposes a withdrawal has taken or retention has ended are gone, propagated or not; the rest must hold now.
      const takenOrEnded = (p: Purpose) => ended(p) || item.childIds.some((id) => {
        const child = depicted.child(id);
        return child !== undefined && child.erasure === undefined && takenBy(child, projectionOf(child, policy), p, from);
      });
      const live = item.purposes.filter((p) => !takenOrEnded(p));
      if (live.length === 0) {
        const found = childBlockers(policy, item.childIds, item.purposes, depicted, at, from);
        return denied(item.purposes.every(ended) ? ['retention_ended'] : [], found);
      }
      return decide([], childBlockers(policy, item.childIds, live, depicted, at, from), live);
    }
    case 'view':
    case 'publish': {
      const purpose = use.kind === 'view' ? use.purpose : 'publication';
      const reasons: ItemReason[] = [];
      if (item.status !== 'available') reasons.push('not_available');
      if (!item.purposes.includes(purpose)) reasons.push(use.kind === 'publish' ? 'not_recorded_for_publication' : 'not_recorded_for_purpose');
      else if (ended(purpose)) reasons.push('retention_ended');
      // SPEC 5: once withdrawn while published, never to a new channel, whatever is granted later.
      if (use.kind === 'publish' && item.retainedBecausePublished) reasons.push('retained_after_withdrawal');
      return decide(reasons, childBlockers(policy, item.childIds, [purpose], depicted, at, from), [purpose]);
    }
    case 'copy': {
      // Held only until the sweep or the propagation removes it: no copy either.
      if (item.status !== 'available' || !item.objectKey) return denied(['not_available']);
      const live = item.purposes.filter((p) => !ended(p) && !item.childIds.some((id) => {
        const child = depicted.child(id);
        return child !== undefined && takenBy(child, projectionOf(child, policy), p, from);
      }));
      if (live.length === 0) return denied(['not_available']);
      if (use.audience === 'admin') return { allowed: true, purposes: live };
      const subject = depicted.child(use.subjectId);
      // SPEC 2: while the flag is set, no footage of the child is shown to parents, whatever the consents.
      if (!subject || factsAt(subject.history, at).safeguarding) return denied(['blocked_by_organisation']);
      const others = item.childIds.filter((c) => c !== use.subjectId);
      if (others.length === 0) return { allowed: true, purposes: live };
      // Other children's footage goes to this family only as it would in the feed: with their parent-information consent now.
      const shown = item.purposes.includes('parent_information') && !ended('parent_information')
        && childBlockers(policy, others, ['parent_information'], depicted, at, from).length === 0;
      return shown ? { allowed: true, purposes: live } : denied(['depicts_other_children']);
    }
  }
}
