/**
 * The consent ledger: immutable events under the child, and the projection on the child item,
 * always written in one transaction.
 */
import { QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { amsterdamDate } from '../../domain/calendar';
import type { ConsentEvent, Projection } from '../../domain/consent';
import { DECISIONS, PURPOSES } from '../../domain/purposes';
import { auditPut, type AuditEntry } from '../audit';
import { batchGetAll, queryList } from '../dynamo';
import { keys } from '../keys';
import { decodeCursor, encodeCursor } from '../cursor';
import { part, transact, type Part } from '../transact';
import { changePart, type ChildRecord } from './children';

const eventSchema = z.object({
  eventId: z.string(),
  childId: z.string(),
  purpose: z.enum(PURPOSES),
  decision: z.enum(DECISIONS),
  actor: z.discriminatedUnion('kind', [z.object({ kind: z.literal('guardian'), guardianId: z.string() }), z.object({ kind: z.literal('child') })]),
  recordedBy: z.object({
    userId: z.string(),
    role: z.enum(['guardian', 'child', 'staff', 'admin']),
    channel: z.enum(['app', 'paper_form']),
    formReference: z.string().optional(),
    signedOn: z.string().optional(),
  }),
  noticeVersion: z.string(),
  at: z.string(),
});

/** A ledger event as stored (also as the table's stream hands it over), validated on the way back. */
export function eventFromItem(item: unknown): ConsentEvent {
  const e = eventSchema.parse(item);
  const { formReference, signedOn, ...recordedBy } = e.recordedBy;
  return {
    ...e,
    actor: e.actor.kind === 'child' ? { kind: 'child' } : { kind: 'guardian', guardianId: e.actor.guardianId },
    recordedBy: { ...recordedBy, ...(formReference !== undefined ? { formReference } : {}), ...(signedOn !== undefined ? { signedOn } : {}) },
  };
}

export class ConsentLedgerRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /**
   * Appends a decision and stores the child's new projection in one transaction, on condition that
   * the child is as it was read (its revision): a decision is never recorded on facts or a state
   * that changed meanwhile. `stale` then: read the child again and decide again. A withdrawal
   * leaves a marker until its propagation to footage is done (the sweep's backstop). `duplicate`:
   * an `extra` part labelled `idempotency` found its key taken.
   */
  async appendDecision(event: ConsentEvent, child: ChildRecord, projection: Projection, audit?: AuditEntry, extra: readonly Part[] = []): Promise<'appended' | 'stale' | 'duplicate'> {
    const outcome = await transact(this.db, [
      part('event', {
        Put: {
          TableName: this.table,
          Item: { ...keys.consentEvent(event.childId, event.at, event.eventId), entityType: 'ConsentEvent', ...event },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      }),
      ...(event.decision === 'withdrawn'
        ? [
            part('propagation', {
              Put: {
                TableName: this.table,
                Item: {
                  ...keys.pendingPropagation(event.eventId),
                  ...keys.pendingPropagationIndex(amsterdamDate(new Date(event.at)), event.eventId),
                  entityType: 'PendingPropagation',
                  event,
                },
              },
            }),
          ]
        : []),
      changePart(this.table, child, { consent: projection }),
      ...(audit ? [part('audit', auditPut(this.table, audit))] : []),
      ...extra,
    ]);
    if (outcome.ok) return 'appended';
    if (outcome.failed.includes('idempotency')) return 'duplicate';
    return 'stale';
  }

  /** A page of the child's ledger in ledger order. */
  async page(childId: string, cursor?: string, limit = 100): Promise<{ events: ConsentEvent[]; cursor?: string }> {
    const pk = keys.child(childId).PK;
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': keys.consentPrefix },
        ExclusiveStartKey: decodeCursor(cursor, { PK: pk, SK: { prefix: keys.consentPrefix } }),
        Limit: limit,
      }),
    );
    const events = (out.Items ?? []).map(eventFromItem);
    const next = encodeCursor(out.LastEvaluatedKey);
    return next ? { events, cursor: next } : { events };
  }

  /** Events by their instant and id (absent ones are left out), read in batches. */
  async events(childId: string, refs: readonly { at: string; eventId: string }[]): Promise<ConsentEvent[]> {
    if (refs.length === 0) return [];
    return (await batchGetAll(this.db, this.table, refs.map((r) => keys.consentEvent(childId, r.at, r.eventId)))).map(eventFromItem);
  }

  /** The whole ledger, in ledger order. */
  async all(childId: string): Promise<ConsentEvent[]> {
    return this.until(childId, new Date('9999-12-31T23:59:59.999Z'));
  }

  /** The whole ledger up to (and including) `until`, for evaluation at a past instant. */
  async until(childId: string, until: Date): Promise<ConsentEvent[]> {
    const pk = keys.child(childId).PK;
    // `~` sorts after every character of an event id, so the bound includes events at `until`.
    const upper = `${keys.consentPrefix}${until.toISOString()}~`;
    const items = await queryList(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'PK = :pk AND SK BETWEEN :lo AND :hi',
      ExpressionAttributeValues: { ':pk': pk, ':lo': keys.consentPrefix, ':hi': upper },
    });
    return items.map(eventFromItem);
  }
}
