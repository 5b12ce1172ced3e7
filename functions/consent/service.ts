/**
 * Consent use cases: what parents and children see and decide, and paper forms entered by staff.
 * Who may decide, and what a decision does to the effective state, are the rules' answers
 * (`functions/domain`); this module reads, asks and records.
 */
import type { ActorRef, ConsentEvent } from '../domain/consent';
import { amsterdamDate } from '../domain/calendar';
import { auditEntry, callerContext } from '../shared/audit';
import { childView, consentsOf, eventForFamily, familyNameable, forAudience } from '../shared/child-view';
import type { Principal } from '../shared/auth';
import { childForCaller } from '../shared/access';
import { ConflictError, ForbiddenError, ValidationError, childNotFound } from '../shared/errors';
import { DuplicateRequest, answerParts, type IdempotencyClaim } from '../shared/idempotency';
import type { ChildRecord } from '../shared/repositories/children';
import { STALE, retryOnStale, type Stale } from '../shared/retry';
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
      .map((c) => ({ ...childView(rt, c, principal, now), consents: consentsOf(rt, c, principal, now) })),
  };
}

/** The child's effective consents now, or at a past instant replayed from the ledger with the facts of then. */
export async function getConsents(rt: Runtime, principal: Principal, childId: string, at?: string) {
  const now = rt.now();
  const child = await childForCaller(rt, principal, childId, 'read');
  if (at === undefined) return { childId, consents: consentsOf(rt, child, principal, now) };
  const instant = new Date(at);
  if (instant.getTime() > now.getTime()) throw new ValidationError('at', 'must not be in the future');
  if (amsterdamDate(instant) < child.birthDate) throw new ValidationError('at', 'must not be before the child was born');
  const verdict = rt.rules.consentAt(child, await rt.ledger.until(childId, instant), instant);
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

/**
 * Appends the event and the child's new projection in one transaction conditional on the child as
 * read, with its audit entry (which names the event; what was decided is in the event, not copied
 * into the trail) and, for a retried request, the answer. STALE when the child changed meanwhile.
 */
async function append(rt: Runtime, principal: Principal, requestId: string, child: ChildRecord, event: ConsentEvent, claim?: IdempotencyClaim): Promise<{ status: number; body: unknown } | Stale> {
  const audit = auditEntry(rt, callerContext(principal, requestId), 'consent.decided', { childIds: [event.childId] }, { eventId: event.eventId }, event.at);
  const projection = rt.rules.withDecision(child, event);
  const answer = { status: 201, body: { event, consents: consentsOf(rt, { ...child, consent: projection }, principal, new Date(event.at)) } };
  const outcome = await rt.ledger.appendDecision(event, child, projection, audit, answerParts(rt.config.TABLE_NAME, claim, answer, rt.now()));
  if (outcome === 'duplicate') throw new DuplicateRequest();
  return outcome === 'stale' ? STALE : answer;
}

const tooManyAtOnce = () => new ConflictError('concurrent_update', 'Too many changes to this child at once; retry');

/** Decisions for one child serialise on its revision: a family deciding at once (both parents, the child) retries a few times. */
const DECISION_ATTEMPTS = 12;

/**
 * A guardian with parental authority, or the child itself from its deciding age, decides in the
 * app. Steps: check the relationship; require the notice version the organisation shows now; ask
 * the rules whether this actor may decide now; append the event and the new projection in one
 * transaction conditional on the child as read (read again and decide again when it changed);
 * answer with the new effective state.
 */
export async function recordDecision(rt: Runtime, principal: Principal, requestId: string, childId: string, body: DecisionBody, claim?: IdempotencyClaim) {
  const actor: ActorRef = principal.role === 'child' ? { kind: 'child' } : { kind: 'guardian', guardianId: principal.userId };
  return retryOnStale(async () => {
    const child = await childForCaller(rt, principal, childId, 'decide');
    if (body.noticeVersion !== rt.config.NOTICE_VERSION) {
      throw new ConflictError('notice_outdated', 'The privacy notice has changed; show the current version first', {
        currentNoticeVersion: rt.config.NOTICE_VERSION,
      });
    }
    const now = rt.now();
    const may = rt.rules.mayDecide(child, actor, now);
    if (!may.allowed) {
      if (may.refusal === 'not_linked') throw childNotFound();
      if (may.refusal === 'too_young') {
        throw new ForbiddenError('too_young_to_decide', `A child decides for itself from the age of ${may.decidesFromAge}; before that its guardians decide`, { decidesFromAge: may.decidesFromAge });
      }
      throw new ForbiddenError('no_parental_authority', 'Only a guardian with parental authority can decide');
    }
    return append(rt, principal, requestId, child, {
      eventId: rt.newId(),
      childId,
      purpose: body.purpose,
      decision: body.decision,
      actor,
      recordedBy: { userId: principal.userId, role: principal.role, channel: 'app' },
      noticeVersion: body.noticeVersion,
      at: now.toISOString(),
    }, claim);
  }, { attempts: DECISION_ATTEMPTS, exhausted: tooManyAtOnce });
}

/**
 * Staff of the child's group, or the admin, enter a signed paper form. The signer is the actor;
 * the staff member is the recorder. The decision counts from the moment it is recorded: a form
 * cannot make consent effective in the past; its date is kept as evidence, and lies between the
 * child's birth and today.
 */
export async function recordPaperDecision(rt: Runtime, principal: Principal, requestId: string, childId: string, body: PaperDecisionBody, claim?: IdempotencyClaim) {
  return retryOnStale(async () => {
    const child = await childForCaller(rt, principal, childId, 'record_paper');
    const now = rt.now();
    if (body.signedOn > amsterdamDate(now)) throw new ValidationError('signedOn', 'must not be in the future');
    if (body.signedOn < child.birthDate) throw new ValidationError('signedOn', 'must not be before the child was born');
    const may = rt.rules.mayDecide(child, body.signer, now);
    if (!may.allowed) {
      if (may.refusal === 'not_linked') throw new ConflictError('signer_not_linked', 'The signer is not a guardian of this child');
      if (may.refusal === 'no_parental_authority') throw new ConflictError('signer_without_authority', 'The signer has no parental authority for this child');
      throw new ConflictError('signer_too_young', `The child signs for itself from the age of ${may.decidesFromAge}; before that its guardians sign`, { decidesFromAge: may.decidesFromAge });
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
    }, claim);
  }, { attempts: DECISION_ATTEMPTS, exhausted: tooManyAtOnce });
}
