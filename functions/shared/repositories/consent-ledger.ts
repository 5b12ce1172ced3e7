/**
 * The consent ledger: immutable events under the child, and the projection on the child item,
 * always written in one transaction.
 */
import { QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { amsterdamDate } from '../../domain/calendar';
import { actorKey, applyEvent, supersedes, type ConsentEvent } from '../../domain/consent';
import { auditPut, type AuditEntry } from '../audit';
import { ConflictError, childNotFound } from '../errors';
import { batchGetAll, queryList } from '../dynamo';
import { keys } from '../keys';
import { decodeCursor, encodeCursor } from '../cursor';
import { isConditionFailure, isTransactionConflict, type ChildRecord, type ChildrenRepository } from './children';

const MAX_ATTEMPTS = 12;

function eventFromItem(item: Record<string, unknown>): ConsentEvent {
  return {
    eventId: String(item.eventId),
    childId: String(item.childId),
    purpose: item.purpose as ConsentEvent['purpose'],
    decision: item.decision as ConsentEvent['decision'],
    actor: item.actor as ConsentEvent['actor'],
    recordedBy: item.recordedBy as ConsentEvent['recordedBy'],
    noticeVersion: String(item.noticeVersion),
    at: String(item.at),
  };
}

export class ConsentLedgerRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
    private readonly children: ChildrenRepository,
    private readonly sleep: (ms: number) => Promise<void> = (ms) => new Promise((r) => setTimeout(r, ms)),
  ) {}

  /**
   * Appends a decision and updates the projection in one transaction.
   * The projection entry is replaced only when the event is later in ledger order, and only if it
   * is still what was read (optimistic check on that one entry), so concurrent decisions are never lost:
   * on a conflict the child is read again and the write retried.
   */
  async appendDecision(event: ConsentEvent, child: ChildRecord, audit?: AuditEntry): Promise<ChildRecord> {
    const key = actorKey(event.actor);
    let current = child;
    for (let attempt = 1; ; attempt++) {
      const previous = current.consent[event.purpose][key];
      const replace = supersedes(event, previous);
      const names = { '#c': 'consent', '#p': event.purpose, '#a': key };
      const guard = previous
        ? { ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(erasure) AND #c.#p.#a.eventId = :prev', values: { ':prev': previous.eventId } }
        : { ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(erasure) AND attribute_not_exists(#c.#p.#a)', values: {} };
      try {
        await this.db.send(
          new TransactWriteCommand({
            TransactItems: [
              {
                Put: {
                  TableName: this.table,
                  Item: { ...keys.consentEvent(event.childId, event.at, event.eventId), entityType: 'ConsentEvent', ...event },
                  ConditionExpression: 'attribute_not_exists(PK)',
                },
              },
              // A withdrawal leaves a marker until its propagation to footage is done (the sweep's backstop).
              ...(event.decision === 'withdrawn'
                ? [
                    {
                      Put: {
                        TableName: this.table,
                        Item: {
                          ...keys.pendingPropagation(event.eventId),
                          ...keys.pendingPropagationIndex(amsterdamDate(new Date(event.at)), event.eventId),
                          entityType: 'PendingPropagation',
                          event,
                        },
                      },
                    },
                  ]
                : []),
              replace
                ? {
                    Update: {
                      TableName: this.table,
                      Key: keys.child(event.childId),
                      UpdateExpression: 'SET #c.#p.#a = :latest',
                      ConditionExpression: guard.ConditionExpression,
                      ExpressionAttributeNames: names,
                      ExpressionAttributeValues: {
                        ...guard.values,
                        ':latest': { decision: event.decision, at: event.at, eventId: event.eventId },
                      },
                    },
                  }
                : {
                    ConditionCheck: {
                      TableName: this.table,
                      Key: keys.child(event.childId),
                      ConditionExpression: guard.ConditionExpression,
                      ExpressionAttributeNames: names,
                      ...(previous ? { ExpressionAttributeValues: guard.values } : {}),
                    },
                  },
              ...(audit ? [auditPut(this.table, audit)] : []),
            ],
          }),
        );
        return { ...current, consent: applyEvent(current.consent, event) };
      } catch (err) {
        if (!(isConditionFailure(err) || isTransactionConflict(err))) throw err;
        if (attempt >= MAX_ATTEMPTS) {
          throw new ConflictError('concurrent_update', 'Too many decisions for this child at once; retry');
        }
        await this.sleep(Math.random() * Math.min(200, 10 * 2 ** attempt));
        const fresh = await this.children.get(event.childId);
        // An erasure started meanwhile: the child is gone for everyone who decides.
        if (!fresh || fresh.erasure) throw childNotFound();
        current = fresh;
      }
    }
  }

  /** A page of the child's ledger in ledger order. */
  async page(childId: string, cursor?: string, limit = 100): Promise<{ events: ConsentEvent[]; cursor?: string }> {
    const pk = keys.child(childId).PK;
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': keys.consentPrefix },
        ExclusiveStartKey: decodeCursor(cursor, { PK: pk }),
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
