/**
 * The erasure of a child (SPEC section 7) as stored state: a marker while it runs (which the sweep
 * finds if a run stopped halfway), and afterwards what stays instead of the child's profile.
 * Every step is a conditional or idempotent write, so an erasure can be run again at any point.
 */
import { DeleteCommand, GetCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { PublicationEvidence } from '../../domain/erasure';
import type { FactsHistory } from '../../domain/facts';
import { auditPut, type AuditEntry } from '../audit';
import { batchGetAll, queryAll, queryList } from '../dynamo';
import { keys, primaryKey, withoutKeys } from '../keys';
import { GSI2 } from '../table-design';
import { isConditionFailure, part, transact, type Part } from '../transact';
import { changePart, type ChildRecord } from './children';

/** Written when an erasure starts, removed when it is finished. */
export interface ErasingMarker {
  childId: string;
  requestId: string;
  startedAt: string;
  startedBy: string;
  /** The child's groups when the erasure started: their membership items go too. */
  groupIds: string[];
  /**
   * Kept publications and the consent events behind each (functions/domain/erasure.ts), computed
   * right after the start, when no publication can be added any more; absent until then.
   */
  evidence?: PublicationEvidence[];
}

/** What stays of an erased child: no name, no birth date, no groups, no guardians. */
export interface ErasedRecord {
  childId: string;
  status: 'erased';
  erasedAt: string;
  requestId: string;
  evidence: PublicationEvidence[];
}

export class ErasureRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async marker(childId: string): Promise<ErasingMarker | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.erasing(childId), ConsistentRead: true }));
    return out.Item ? withoutKeys<ErasingMarker>(out.Item) : undefined;
  }

  /**
   * Which of these children are erased or being erased: a deletion must not name them again. A
   * consistent read: an erasure relies on it from the moment its marker is written.
   */
  async erasedAmong(childIds: readonly string[]): Promise<Set<string>> {
    if (childIds.length === 0) return new Set();
    const found = await batchGetAll(this.db, this.table, [...new Set(childIds)].flatMap((id) => [keys.erased(id), keys.erasing(id)]), true);
    return new Set(found.map((i) => String(i.childId)));
  }

  async erased(childId: string): Promise<ErasedRecord | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.erased(childId), ConsistentRead: true }));
    return out.Item ? withoutKeys<ErasedRecord>(out.Item) : undefined;
  }

  /**
   * Starts an erasure, all or nothing: the child is marked (no new use from now: its enrolment
   * ends today unless it ended before), the marker is written, with the request when it is new
   * and the audit entry; conditional on the child being as it was read (its revision), so that
   * the marker names the groups whose memberships must go and no use bound to an earlier read can
   * commit after it. `conflict` when it was not: an erasure started meanwhile, or the child
   * changed; read again.
   */
  async start(child: ChildRecord, history: FactsHistory, marker: ErasingMarker, today: string, extra: readonly Part[], audit: AuditEntry): Promise<'started' | 'conflict'> {
    const outcome = await transact(this.db, [
      changePart(this.table, child, {
        // The enrolment as it was: the evidence is judged on it, not on the end the erasure sets.
        erasure: { requestId: marker.requestId, startedAt: marker.startedAt, enrolment: { status: child.status, ...(child.endDate ? { endDate: child.endDate } : {}) } },
        status: 'ended',
        endDate: history.enrolment.endDate ?? today,
        history,
        updatedAt: marker.startedAt,
      }),
      part('marker', {
        Put: {
          TableName: this.table,
          Item: { ...keys.erasing(child.childId), ...keys.erasingIndex(today, child.childId), entityType: 'Erasing', ...marker },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      }),
      ...extra,
      part('audit', auditPut(this.table, audit)),
    ]);
    if (outcome.ok) return 'started';
    // The child changed, an erasure started, or another erasure request was stored meanwhile: read again.
    if (outcome.conflict || outcome.failed.includes('child') || outcome.failed.includes('marker') || outcome.failed.some((l) => l.startsWith('open:'))) return 'conflict';
    throw new Error(`the erasure of ${child.childId} could not start: ${outcome.failed.join(', ')}`);
  }

  /** Stores the evidence on the marker, once. */
  async setEvidence(childId: string, evidence: PublicationEvidence[]): Promise<void> {
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.table,
          Key: keys.erasing(childId),
          UpdateExpression: 'SET evidence = :evidence',
          ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(evidence)',
          ExpressionAttributeValues: { ':evidence': evidence },
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  /** Children whose erasure started on or before `date` and is not finished: never a Scan. */
  async *unfinished(date: string): AsyncGenerator<string> {
    const items = queryAll(this.db, {
      TableName: this.table,
      IndexName: GSI2.indexName,
      KeyConditionExpression: 'GSI2PK = :pk AND GSI2SK <= :hi',
      ExpressionAttributeValues: { ':pk': keys.erasingIndex('', '').GSI2PK, ':hi': `${date}#~` },
    });
    for await (const item of items) yield String(item.childId);
  }

  /** The keys of the items in the child's partition under a prefix (guardian links, ledger events). */
  async keysUnder(childId: string, prefix: string): Promise<{ PK: string; SK: string; item: Record<string, unknown> }[]> {
    const items = await queryList(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.child(childId).PK, ':prefix': prefix },
      ConsistentRead: true,
    });
    return items.map((item) => ({ PK: String(item.PK), SK: String(item.SK), item }));
  }

  /** Deletes items by key; deleting what is already gone is not an error. */
  async deleteAll(itemKeys: readonly { PK: string; SK: string }[]): Promise<void> {
    for (let i = 0; i < itemKeys.length; i += 10) {
      await Promise.all(itemKeys.slice(i, i + 10).map((k) => this.db.send(new DeleteCommand({ TableName: this.table, Key: primaryKey(k) }))));
    }
  }

  /**
   * Replaces the child's profile (name, birth date, groups, guardians, consent projection) by the
   * erased record, conditional on the erasure having started. Already replaced: nothing to do.
   */
  async replaceProfile(record: ErasedRecord): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            { Delete: { TableName: this.table, Key: keys.child(record.childId), ConditionExpression: 'attribute_exists(erasure)' } },
            { Put: { TableName: this.table, Item: { ...keys.erased(record.childId), entityType: 'ErasedChild', ...record } } },
          ],
        }),
      );
    } catch (err) {
      if (isConditionFailure(err) && (await this.erased(record.childId))) return;
      throw err;
    }
  }

  /**
   * Finishes the erasure: removes the marker and closes the request, with the audit entry, all
   * or nothing. False when it was finished already.
   */
  async finish(childId: string, closeRequest: readonly Part[], audit: AuditEntry): Promise<boolean> {
    const outcome = await transact(this.db, [
      part('marker', { Delete: { TableName: this.table, Key: keys.erasing(childId), ConditionExpression: 'attribute_exists(PK)' } }),
      ...closeRequest,
      part('audit', auditPut(this.table, audit)),
    ]);
    if (outcome.ok) return true;
    if (outcome.failed.includes('marker')) return false;
    throw new Error(`the erasure of ${childId} could not finish: ${outcome.failed.join(', ') || 'conflict'}`);
  }
}
