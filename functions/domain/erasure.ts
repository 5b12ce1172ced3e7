/**
 * What an erasure keeps (SPEC section 7, issue 6): footage that was already published stays
 * published (SPEC section 5), and with it the evidence that publishing it was allowed: for each
 * kept publication, the decisions that made `publication` consent effective at that moment, and
 * the age band that decided whose decisions counted. Pure: time is an argument.
 */
import { actorKey, compareLedgerOrder, countedWhenMade, evaluateConsentAt, type AgeBand, type ConsentEvent, type ConsentSubject } from './consent';
import type { AgePolicy } from './purposes';

export interface KeptPublication {
  mediaId: string;
  publicationId: string;
  channel: string;
  publishedAt: string;
}

export interface PublicationEvidence extends KeptPublication {
  ageBand: AgeBand;
  policy: AgePolicy;
  /** Whether consent was effective at the publication according to the ledger (it always should be). */
  effective: boolean;
  /** The latest counting decision of each actor who counted at that moment: the ledger events kept. */
  eventIds: string[];
}

export function publicationEvidence(
  child: ConsentSubject,
  ledger: readonly ConsentEvent[],
  publications: readonly KeptPublication[],
  policy: AgePolicy,
): PublicationEvidence[] {
  // The facts as they were at each publication come from the child's history (guardian links and
  // authority then), and only decisions that counted when they were made are evidence.
  const ordered = [...ledger].filter((e) => e.purpose === 'publication').sort(compareLedgerOrder);
  return publications.map((pub) => {
    const at = new Date(pub.publishedAt);
    const verdict = evaluateConsentAt(child, ordered, at, policy);
    const counted = new Set(verdict.purposes.publication.deciders.filter((d) => d.decision !== null).map((d) => d.actor));
    const latest = new Map<string, ConsentEvent>();
    for (const e of ordered) {
      if (Date.parse(e.at) <= at.getTime() && counted.has(actorKey(e.actor)) && countedWhenMade(child, e, policy)) latest.set(actorKey(e.actor), e);
    }
    return {
      ...pub,
      ageBand: verdict.ageBand,
      policy,
      effective: verdict.purposes.publication.effective,
      eventIds: [...latest.values()].map((e) => e.eventId),
    };
  });
}

/** The ledger events an erasure keeps: those named as evidence. */
export function evidenceEventIds(evidence: readonly PublicationEvidence[]): Set<string> {
  return new Set(evidence.flatMap((e) => e.eventIds));
}
