/**
 * Audit entries (SPEC section 7): who did what to which child or item, when, under which request.
 * An entry is written in the same request as what it records, and wherever that is a DynamoDB
 * transaction, in the same transaction: an action without its entry cannot be stored. The chainer
 * (functions/audit/chainer.ts) links entries into the tamper-evident chain afterwards.
 *
 * Entries hold ids, codes and times only: never a name, a birth date or a token.
 */
import type { Principal, Role } from './auth';
import { ServiceUnavailableError } from './errors';
import { keys } from './keys';
import { loggableError, logger } from './logger';
import type { Runtime } from './runtime';

export type AuditRole = Role | 'system';

/** Who acts, and under which request: a caller of the API, or one of the system's own functions. */
export interface AuditContext {
  userId: string;
  role: AuditRole;
  requestId: string;
}

/** The system's own actors: the retention sweep, withdrawal propagation and upload completion by S3 event. */
export type SystemActor = 'sweep' | 'withdrawal' | 'upload-event';

/** The context of an API caller. */
export function callerContext(principal: Principal, requestId: string): AuditContext {
  return { userId: principal.userId, role: principal.role, requestId };
}

export function systemContext(actor: SystemActor, requestId: string): AuditContext {
  return { userId: `system:${actor}`, role: 'system', requestId };
}

export const AUDIT_ACTIONS = [
  'consent.decided',
  'child.created',
  'child.updated',
  'child.enrolment_ended',
  'child.guardian_linked',
  'child.guardian_unlinked',
  'media.upload_created',
  'media.completed',
  'media.refused',
  'media.url_issued',
  'media.published',
  'media.purpose_removed',
  'media.purposes_expired',
  'media.retained',
  'media.takedown_opened',
  'media.takedown_done',
  'media.deleted',
  'request.created',
  'request.declined',
  'child.exported',
  'child.erasure_started',
  'child.erased',
] as const;
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

export type AuditDetails = Record<string, string | number | boolean | string[]>;

/** One audited event, about at most one media item and the children it concerns. */
export interface AuditEntry {
  entryId: string;
  at: string;
  action: AuditAction;
  actor: { userId: string; role: AuditRole };
  requestId: string;
  childIds: string[];
  mediaId?: string;
  details?: AuditDetails;
}

/** A linked entry as the chain stores it. */
export interface AuditLink extends AuditEntry {
  month: string;
  seq: number;
  prevHash: string;
  hash: string;
  chainedAt: string;
}

/** Builds an entry; `at` is the action's own instant when it has one (a ledger event's), else the runtime's `now`. */
export function auditEntry(
  rt: Pick<Runtime, 'now' | 'newId'>,
  ctx: AuditContext,
  action: AuditAction,
  subject: { childIds?: readonly string[]; mediaId?: string },
  details?: AuditDetails,
  at?: string,
): AuditEntry {
  return {
    entryId: rt.newId(),
    at: at ?? rt.now().toISOString(),
    action,
    actor: { userId: ctx.userId, role: ctx.role },
    requestId: ctx.requestId,
    childIds: [...new Set(subject.childIds ?? [])],
    ...(subject.mediaId ? { mediaId: subject.mediaId } : {}),
    ...(details && Object.keys(details).length > 0 ? { details } : {}),
  };
}

/** The write of a pending entry, to add to the action's own transaction. */
export function auditPut(table: string, entry: AuditEntry) {
  return {
    Put: {
      TableName: table,
      Item: { ...keys.auditPending(entry.entryId), ...keys.auditPendingIndex(entry.at, entry.entryId), entityType: 'AuditPending', entry },
      ConditionExpression: 'attribute_not_exists(PK)',
    },
  };
}

/** Builds the transaction items of an action plus its audit entries (if any). */
export function withAudit<T>(table: string, items: T[], entries: readonly (AuditEntry | undefined)[]): (T | ReturnType<typeof auditPut>)[] {
  return [...items, ...entries.filter((e): e is AuditEntry => e !== undefined).map((e) => auditPut(table, e))];
}

/** Why a download URL was issued: the purpose it is used for, or an access request. */
export type UrlUse = 'parent_information' | 'coaching_video' | 'publication' | 'access_request';

/**
 * Records the issue of download URLs, one entry per item, before the URLs are handed out: a URL
 * whose issue could not be recorded is never given. A failure becomes 503 `audit_unavailable`
 * (nothing was handed out; the caller may retry), and is logged as an error.
 */
export async function recordIssuedUrls(
  rt: Pick<Runtime, 'audit' | 'now' | 'newId'>,
  ctx: AuditContext,
  items: readonly { mediaId: string; childIds: readonly string[] }[],
  use: UrlUse,
): Promise<void> {
  if (items.length === 0) return;
  const entries = items.map((i) => auditEntry(rt, ctx, 'media.url_issued', { childIds: i.childIds, mediaId: i.mediaId }, { use }));
  try {
    await rt.audit.record(entries);
  } catch (err) {
    logger.error('audit write failed: no download URL was issued', { items: items.length, error: loggableError(err) });
    throw new ServiceUnavailableError('audit_unavailable', 'The access could not be recorded, so no download URL was issued; try again shortly');
  }
}
