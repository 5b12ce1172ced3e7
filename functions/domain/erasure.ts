/**
 * What an erasure keeps (SPEC section 7, issue 6): footage that was already published stays
 * published (SPEC section 5), and with it the evidence that publishing it was allowed: for each
 * kept publication, the decisions that made `publication` consent effective at that moment, and
 * the age band that decided whose decisions counted. Pure: time is an argument.
 */
import { actorKey, compareLedgerOrder, evaluateConsentAt, type AgeBand, type ChildFacts, type ConsentEvent } from './consent';
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
  /** The latest decision of each actor who counted at that moment: the ledger events kept. */
  eventIds: string[];
}

export function publicationEvidence(
  child: ChildFacts,
  ledger: readonly ConsentEvent[],
  publications: readonly KeptPublication[],
  policy: AgePolicy,
): PublicationEvidence[] {
  const ordered = [...ledger].filter((e) => e.purpose === 'publication').sort(compareLedgerOrder);
  // Guardian links have no history: a guardian who decided may have been unlinked, or lost
  // authority, since. But a decision is only ever recorded while its guardian has parental
  // authority (the app and paper forms both check it), so whoever decided had it then.
  const decided = new Set(ordered.flatMap((e) => (e.actor.kind === 'guardian' ? [e.actor.guardianId] : [])));
  const then: ChildFacts = {
    ...child,
    guardians: [...child.guardians.filter((g) => !decided.has(g.guardianId)), ...[...decided].map((guardianId) => ({ guardianId, parentalAuthority: true }))],
  };
  return publications.map((pub) => {
    const at = new Date(pub.publishedAt);
    const verdict = evaluateConsentAt(then, ordered, at, policy);
    const counted = new Set(verdict.purposes.publication.deciders.filter((d) => d.decision !== null).map((d) => d.actor));
    const latest = new Map<string, ConsentEvent>();
    for (const e of ordered) if (Date.parse(e.at) <= at.getTime() && counted.has(actorKey(e.actor))) latest.set(actorKey(e.actor), e);
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
