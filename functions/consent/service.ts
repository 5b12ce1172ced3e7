/**
 * Consent use cases: what parents and children see and decide, and paper forms entered by staff.
 */
import { amsterdamDate } from '../domain/calendar';
import { evaluateConsentAt, type ActorRef, type ConsentEvent } from '../domain/consent';
import { auditEntry, callerContext } from '../shared/audit';
import { childView, consentsOf, eventForFamily, familyNameable, forAudience } from '../shared/child-view';
import type { Principal } from '../shared/auth';
import { childForCaller } from '../shared/access';
import { ConflictError, ValidationError } from '../shared/errors';
import { childFacts, type ChildRecord } from '../shared/repositories/children';
import type { Runtime } from '../shared/runtime';
import type { DecisionBody, PaperDecisionBody } from './schema';

/** Guardian: every linked child; child account: itself. Each with its effective consents now. */
export async function listMyChildren(rt: Runtime, principal: Principal) {
  const now = rt.now();
  const ids =
    principal.role === 'child'
      ? [principal.userId]
      : (await rt.children.listLinksOfGuardian(principal.userId)).map((l) => l.childId);
  const children = await rt.children.getMany(ids);
  return {
    children: children
      // The link index is eventually consistent; the child item is the truth.
      .filter((c) => !c.erasure && (principal.role === 'child' || c.guardians[principal.userId] !== undefined))
      .map((c) => ({ ...childView(c, principal, now), consents: consentsOf(rt, c, principal, now) })),
  };
}

/** The child's effective consents now, or at a past instant replayed from the ledger. */
export async function getConsents(rt: Runtime, principal: Principal, childId: string, at?: string) {
  const now = rt.now();
  const child = await childForCaller(rt, principal, childId, 'read');
  if (at === undefined) return { childId, consents: consentsOf(rt, child, principal, now) };
  const instant = new Date(at);
  if (instant.getTime() > now.getTime()) throw new ValidationError('at', 'must not be in the future');
  const ledger = await rt.ledger.until(childId, instant);
  const verdict = evaluateConsentAt(childFacts(child), ledger, instant, rt.config.AGE_POLICY);
  return { childId, consents: forAudience(verdict, principal) };
}

/** The ledger, oldest first; a family sees who recorded a decision by role only when it is not one of them. */
export async function getLedger(rt: Runtime, principal: Principal, childId: string, cursor?: string, limit?: number) {
  const child = await childForCaller(rt, principal, childId, 'read');
  const page = await rt.ledger.page(childId, cursor, limit ?? 50);
  const nameable = familyNameable(childId, Object.keys(child.guardians), page.events);
  const events = principal.role === 'admin' ? page.events : page.events.map((e) => eventForFamily(e, nameable));
  return { childId, events, ...(page.cursor ? { cursor: page.cursor } : {}) };
}

async function append(rt: Runtime, principal: Principal, requestId: string, child: ChildRecord, event: ConsentEvent) {
  // The entry names the ledger event; what was decided is in the event, not copied into the trail.
  const audit = auditEntry(rt, callerContext(principal, requestId), 'consent.decided', { childIds: [event.childId] }, { eventId: event.eventId }, event.at);
  const updated = await rt.ledger.appendDecision(event, child, audit);
  return { status: 201, body: { event, consents: consentsOf(rt, updated, principal, new Date(event.at)) } };
}

/**
 * A guardian with parental authority, or the child itself, decides in the app.
 * Steps: check the relationship; require the notice version the organisation shows now;
 * append the event and its projection in one transaction; answer with the new effective state.
 */
export async function recordDecision(rt: Runtime, principal: Principal, requestId: string, childId: string, body: DecisionBody) {
  const child = await childForCaller(rt, principal, childId, 'decide');
  if (body.noticeVersion !== rt.config.NOTICE_VERSION) {
    throw new ConflictError('notice_outdated', 'The privacy notice has changed; show the current version first', {
      currentNoticeVersion: rt.config.NOTICE_VERSION,
    });
  }
  const actor: ActorRef = principal.role === 'child' ? { kind: 'child' } : { kind: 'guardian', guardianId: principal.userId };
  const now = rt.now();
  return append(rt, principal, requestId, child, {
    eventId: rt.newId(),
    childId,
    purpose: body.purpose,
    decision: body.decision,
    actor,
    recordedBy: { userId: principal.userId, role: principal.role, channel: 'app' },
    noticeVersion: body.noticeVersion,
    at: now.toISOString(),
  });
}

/**
 * Staff of the child's group, or the admin, enter a signed paper form. The signer is the actor;
 * the staff member is the recorder. The decision counts from the moment it is recorded: a form
 * cannot make consent effective in the past; its date is kept as evidence.
 */
export async function recordPaperDecision(rt: Runtime, principal: Principal, requestId: string, childId: string, body: PaperDecisionBody) {
  const child = await childForCaller(rt, principal, childId, 'record_paper');
  const now = rt.now();
  if (body.signedOn > amsterdamDate(now)) throw new ValidationError('signedOn', 'must not be in the future');
  if (body.signer.kind === 'guardian') {
    const link = child.guardians[body.signer.guardianId];
    if (!link) throw new ConflictError('signer_not_linked', 'The signer is not a guardian of this child');
    if (!link.parentalAuthority) {
      throw new ConflictError('signer_without_authority', 'The signer has no parental authority for this child');
    }
  }
  return append(rt, principal, requestId, child, {
    eventId: rt.newId(),
    childId,
    purpose: body.purpose,
    decision: body.decision,
    actor: body.signer,
    recordedBy: {
      userId: principal.userId,
      role: principal.role,
      channel: 'paper_form',
      formReference: body.formReference,
      signedOn: body.signedOn,
    },
    noticeVersion: body.noticeVersion,
    at: now.toISOString(),
  });
}
