/**
 * The consent rules bound to one organisation's settings, once, at start: every service asks
 * these, and nothing outside `functions/domain/` computes ages, deciders, retention ends,
 * enrolment, safeguarding or "every depicted child". Pure: the instant is always an argument.
 */
import {
  CHILD_ALONE_FROM_AGE,
  ageAt,
  applyEvent,
  countedWhenMade,
  evaluateConsent,
  evaluateConsentAt,
  isCountingWithdrawal,
  mayDecide,
  mayExerciseRights,
  projectionSettledAt,
  type ActorRef,
  type ConsentEvent,
  type ConsentVerdict,
  type Projection,
} from './consent';
import { publicationEvidence, type KeptPublication, type PublicationEvidence } from './erasure';
import { enrolledAt, type Enrolment } from './facts';
import { mayUse, projectionOf, withdrawalTakes, type Depicted, type RulesChild, type Use, type UseItem, type UseVerdict } from './gate';
import type { AgePolicy, Purpose } from './purposes';
import { amsterdamDate } from './calendar';
import { channelsOf, type ChannelSetting } from './channels';
import { deletionDates, dueDate, pendingCleanupDate, purposeEnded, type RetentionYears } from './retention';

export interface RulesSettings {
  agePolicy: AgePolicy;
  retention: RetentionYears;
  /** The organisation's publication channels. */
  channels: readonly ChannelSetting[];
}

/** A guardian's link to a child as the feed reads it: the child's groups and enrolment, copied onto the link. */
export interface FamilyLink {
  groupIds: readonly string[];
  enrolment?: Pick<Enrolment, 'endDate' | 'endRecordedAt' | 'endsAt'>;
}

export function createRules(settings: RulesSettings) {
  const policy = settings.agePolicy;
  return {
    /** Which channels can be published to, and which of them are live (taken down after a withdrawal). */
    channels: channelsOf(settings.channels),

    /** Effective consent at `at` from the child's projection (every decision up to now). */
    consentNow: (child: RulesChild, at: Date): ConsentVerdict => evaluateConsent(child, projectionOf(child, policy), at, policy),

    /** Effective consent at a past instant, replayed from the ledger with the facts of then. */
    consentAt: (child: RulesChild, ledger: readonly ConsentEvent[], at: Date): ConsentVerdict => evaluateConsentAt(child, ledger, at, policy),

    /** Whether evaluating at `at` needs the ledger: a decision for these purposes was made after it. */
    ledgerNeededAt: (child: RulesChild, purposes: readonly Purpose[], at: Date): boolean => !projectionSettledAt(projectionOf(child, policy), purposes, at),

    /** May this actor decide now, and will the decision count? */
    mayDecide: (child: RulesChild, actor: ActorRef, at: Date) => mayDecide(child, actor, at, policy),

    /** May this actor exercise the child's rights now (requests, exports)? */
    mayExerciseRights: (child: RulesChild, actor: ActorRef, at: Date) => mayExerciseRights(child, actor, at),

    /** The child's projection once `event` is in its ledger. */
    withDecision: (child: RulesChild, event: ConsentEvent): Projection => applyEvent(projectionOf(child, policy), event, countedWhenMade(child, event, policy)),

    /** A withdrawal that counted when it was made: its purpose leaves the child's footage. */
    isCountingWithdrawal: (child: RulesChild, event: ConsentEvent): boolean => isCountingWithdrawal(child, event, policy),

    /** Whether a counting withdrawal takes its purpose from this item: footage that existed when it was made. */
    withdrawalTakes: (item: Pick<UseItem, 'recordedAt' | 'createdAt'>, event: Pick<ConsentEvent, 'at'>): boolean => withdrawalTakes(item, event.at),

    /** The one gate for every use of footage. */
    mayUse: (use: Use, item: UseItem, depicted: Depicted, at: Date): UseVerdict => mayUse(policy, use, item, depicted, at),

    /** Each purpose's first day without it, for footage recorded at `recordedAt`, and the day the item goes. */
    retention: (recordedAt: Date, purposes: readonly Purpose[]) => {
      const dates = deletionDates(recordedAt, purposes, settings.retention);
      return { deletionDates: dates, dueDate: dueDate(dates) };
    },

    /** The purposes among these whose retention has ended at `at` for footage with these dates. */
    endedPurposes: (item: Pick<UseItem, 'recordedAt' | 'deletionDates'>, purposes: readonly Purpose[], at: Date): Purpose[] =>
      purposes.filter((p) => purposeEnded(item, p, amsterdamDate(at))),

    /** The day from which an upload that never completed is cleaned up. */
    pendingCleanupDate: (createdAt: Date): string => pendingCleanupDate(createdAt),

    /** Completed years at `at`, by the Amsterdam calendar date. */
    ageAt: (birthDate: string, at: Date): number => ageAt(birthDate, at),

    /** From 16 the child acts alone: its own consent, its own feed, its own rights (guardians no longer). */
    actsAlone: (child: Pick<RulesChild, 'birthDate'>, at: Date): boolean => ageAt(child.birthDate, at) >= CHILD_ALONE_FROM_AGE,

    /**
     * The groups whose parent-information footage a family sees at `at`: those of its children that
     * still belong to the organisation (from a child's end date its family no longer sees its groups).
     */
    familyGroups: (links: readonly FamilyLink[], at: Date): string[] =>
      [...new Set(links.filter((l) => !l.enrolment || enrolledAt(l.enrolment, at)).flatMap((l) => l.groupIds))].sort(),

    /** What an erasure keeps as evidence for each kept publication. */
    publicationEvidence: (child: RulesChild, ledger: readonly ConsentEvent[], publications: readonly KeptPublication[]): PublicationEvidence[] =>
      publicationEvidence(child, ledger, publications, policy),
  };
}

export type Rules = ReturnType<typeof createRules>;
