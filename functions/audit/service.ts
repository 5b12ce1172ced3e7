/**
 * Reading the audit trail (SPEC section 7): the trail of a child or of a media item, newest first,
 * page by page, also after the child was erased or the item deleted; and the verification of a
 * month's chain.
 */
import { chainMonth } from '../domain/audit-chain';
import type { ConsentEvent } from '../domain/consent';
import type { AuditLink } from '../shared/audit';
import { NotFoundError, childNotFound } from '../shared/errors';
import type { AuditSubject } from '../shared/repositories/audit';
import type { Runtime } from '../shared/runtime';

const mediaNotFound = () => new NotFoundError('media_not_found', 'No such media item');

/** A subject exists for the trail when it exists now, existed (erased, deleted) or has entries. */
async function known(rt: Runtime, subject: AuditSubject): Promise<boolean> {
  if (subject.kind === 'child') {
    if ((await rt.children.get(subject.childId)) || (await rt.erasure.erased(subject.childId))) return true;
  } else if ((await rt.media.get(subject.mediaId)) || (await rt.media.getTombstone(subject.mediaId))) {
    return true;
  }
  return rt.audit.hasTrail(subject);
}

/** The ledger events the decision entries of a page name, read in one batch. */
async function decidedEvents(rt: Runtime, childId: string, entries: readonly AuditLink[]): Promise<Map<string, ConsentEvent>> {
  const wanted = entries.filter((e) => e.action === 'consent.decided' && typeof e.details?.eventId === 'string');
  const found = await rt.ledger.events(childId, wanted.map((e) => ({ at: e.at, eventId: String(e.details?.eventId) })));
  return new Map(found.map((e) => [e.eventId, e]));
}

/** The admin reads who did what to a child's data or an item, newest first. */
export async function trail(rt: Runtime, subject: AuditSubject, query: { cursor?: string | undefined; limit?: number | undefined }) {
  if (!(await known(rt, subject))) throw subject.kind === 'child' ? childNotFound() : mediaNotFound();
  const page = await rt.audit.trail(subject, query.cursor, query.limit ?? 50);
  const events = subject.kind === 'child' ? await decidedEvents(rt, subject.childId, page.entries) : new Map<string, ConsentEvent>();
  return {
    ...(subject.kind === 'child' ? { childId: subject.childId } : { mediaId: subject.mediaId }),
    // A decision's entry names its ledger event; what was decided is shown from the event while it
    // exists (after an erasure only the evidence kept), never copied into the trail.
    entries: page.entries.map((e) => {
      const event = events.get(String(e.details?.eventId));
      return event ? { ...e, ledgerEvent: { purpose: event.purpose, decision: event.decision, actor: event.actor, channel: event.recordedBy.channel } } : e;
    }),
    ...(page.missing.length ? { missing: page.missing } : {}),
    ...(page.cursor ? { cursor: page.cursor } : {}),
  };
}

/**
 * Recomputes a month's chain (default: the current month) and reports the first link where it
 * breaks, with the number of entries still waiting to be linked.
 */
export async function verify(rt: Runtime, month?: string) {
  const which = month ?? chainMonth(rt.now().toISOString());
  return { ...(await rt.audit.verifyMonth(which)), pending: await rt.audit.countPending() };
}
