/**
 * Media items: metadata under `MEDIA#<id>`, a depiction link under each depicted child, the
 * tablet's idempotency key under the staff member, and after deletion only a tombstone.
 */
import { DeleteCommand, GetCommand, QueryCommand, TransactWriteCommand, UpdateCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';
import type { ConsentEvent } from '../../domain/consent';
import { nextSweepDate } from '../../domain/retention';
import type { Channel } from '../../domain/channels';
import type { Purpose } from '../../domain/purposes';
import { auditPut, type AuditEntry } from '../audit';
import { batchGetAll, queryAll, queryList } from '../dynamo';
import { keys, withoutKeys } from '../keys';
import { GSI1, GSI2 } from '../table-design';
import { STALE, retryOnStale } from '../retry';
import { eventFromItem } from './consent-ledger';
import { isConditionFailure, part, transact, type Part } from '../transact';

export type MediaKind = 'photo' | 'video';
export type MediaStatus = 'pending' | 'available' | 'refused';

export interface Refusal {
  code: string;
  detail: string;
  blockers?: unknown[];
}

export interface MediaItem {
  mediaId: string;
  groupId: string;
  kind: MediaKind;
  contentType: string;
  declaredSize: number;
  size?: number;
  recordedAt: string;
  uploadedBy: string;
  childIds: string[];
  purposes: Purpose[];
  status: MediaStatus;
  uploadKey: string;
  objectKey?: string;
  clientReference: string;
  /** A hash of what the tablet asked for, to tell a retry from a reused reference. */
  requestHash: string;
  deletionDates: Partial<Record<Purpose, string>>;
  dueDate: string;
  locationRemoved?: boolean;
  refusal?: Refusal;
  /** Set by the first publication; a published item keeps its file after a withdrawal (SPEC 5). */
  published?: boolean;
  publicationCount?: number;
  /** When a withdrawal of `publication` found the item already published (SPEC 5). */
  retainedBecausePublished?: string;
  /** Set when no purpose is left: why the item is to be deleted. */
  deletionReason?: DeletionReason;
  createdAt: string;
  completedAt?: string;
}

export interface Publication {
  publicationId: string;
  mediaId: string;
  channel: Channel;
  reference: string;
  publishedAt: string;
  publishedBy: string;
}

export interface TakedownTask {
  mediaId: string;
  publicationId: string;
  channel: Channel;
  reference: string;
  childId: string;
  openedAt: string;
  dueDate: string;
  doneAt?: string;
  doneBy?: string;
}

export type DeletionReason = 'retention' | 'withdrawn' | 'erasure' | 'incomplete_upload' | 'deleted_by_staff';

export interface Tombstone {
  mediaId: string;
  reason: DeletionReason;
  deletedAt: string;
  childIds: string[];
}

const itemFrom = (raw: Record<string, unknown>): MediaItem => withoutKeys<MediaItem>(raw);

/** An update as a transaction takes it; also a valid UpdateItem input. */
type Update = Omit<NonNullable<NonNullable<TransactWriteCommandInput['TransactItems']>[number]['Update']>, 'TableName'>;

export class MediaRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /**
   * One conditional update, with its audit entry in the same transaction when there is one.
   * False when the condition failed: nothing was written, the entry neither.
   */
  private async conditionalUpdate(update: Update, audit?: AuditEntry): Promise<boolean> {
    try {
      if (audit) {
        await this.db.send(new TransactWriteCommand({ TransactItems: [{ Update: { TableName: this.table, ...update } }, auditPut(this.table, audit)] }));
      } else {
        await this.db.send(new UpdateCommand({ TableName: this.table, ...update }));
      }
      return true;
    } catch (err) {
      if (isConditionFailure(err)) return false;
      throw err;
    }
  }

  async get(mediaId: string): Promise<MediaItem | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.media(mediaId), ConsistentRead: true }));
    return out.Item ? itemFrom(out.Item) : undefined;
  }

  async getTombstone(mediaId: string): Promise<Tombstone | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.tombstone(mediaId), ConsistentRead: true }));
    return out.Item ? withoutKeys<Tombstone>(out.Item) : undefined;
  }

  /** The item a staff member's client reference created, if any. */
  async findByClientReference(staffId: string, reference: string): Promise<string | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.clientReference(staffId, reference), ConsistentRead: true }),
    );
    return out.Item ? String(out.Item.mediaId) : undefined;
  }

  /**
   * Stores a new pending item with its depiction links and the client reference, all or nothing,
   * bound to each depicted child as read (`binds`: the children's bindings). `reference_taken`:
   * the client reference was taken meanwhile (a concurrent retry); `stale`: a depicted child's
   * consent or facts changed after they were read.
   */
  async createPending(item: MediaItem, cleanupDate: string, binds: readonly Part[], audit?: AuditEntry): Promise<'created' | 'reference_taken' | 'stale'> {
    const outcome = await transact(this.db, [
      part('reference', {
        Put: {
          TableName: this.table,
          Item: { ...keys.clientReference(item.uploadedBy, item.clientReference), entityType: 'ClientReference', mediaId: item.mediaId },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      }),
      part('item', {
        Put: {
          TableName: this.table,
          // Until it completes, the item is due for clean-up the day after it was created.
          Item: { ...keys.media(item.mediaId), ...keys.due(cleanupDate, item.mediaId), entityType: 'Media', ...item },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      }),
      ...item.childIds.map((childId) =>
        part(`depiction:${childId}`, { Put: { TableName: this.table, Item: { ...keys.depiction(childId, item.mediaId), entityType: 'Depiction', childId, mediaId: item.mediaId } } }),
      ),
      ...binds,
      ...(audit ? [part('audit', auditPut(this.table, audit))] : []),
    ]);
    if (outcome.ok) return 'created';
    return outcome.failed.includes('reference') ? 'reference_taken' : 'stale';
  }

  /**
   * pending -> available, bound to each depicted child as read. `not_pending`: the item changed
   * meanwhile (completed, refused, or a purpose removed); `stale`: a depicted child's consent or facts changed after they were read.
   */
  async markAvailable(
    item: MediaItem,
    update: { objectKey: string; size: number; locationRemoved: boolean; completedAt: string },
    binds: readonly Part[],
    audit?: AuditEntry,
  ): Promise<'completed' | 'not_pending' | 'stale'> {
    const outcome = await transact(this.db, [
      part('item', { Update: { TableName: this.table, ...this.availableUpdate(item, update) } }),
      ...binds,
      ...(audit ? [part('audit', auditPut(this.table, audit))] : []),
    ]);
    if (outcome.ok) return 'completed';
    return outcome.failed.includes('item') ? 'not_pending' : 'stale';
  }

  private availableUpdate(item: MediaItem, update: { objectKey: string; size: number; locationRemoved: boolean; completedAt: string }): Update {
    return {
      Key: keys.media(item.mediaId),
      UpdateExpression:
        'SET #status = :available, objectKey = :objectKey, #size = :size, locationRemoved = :loc, completedAt = :at, GSI1PK = :g1pk, GSI1SK = :g1sk, GSI2SK = :g2sk',
      // As read: still pending, and no purpose removed meanwhile (its due date is computed from them).
      ConditionExpression: '#status = :pending AND purposes = :purposes',
      ExpressionAttributeNames: { '#status': 'status', '#size': 'size' },
      ExpressionAttributeValues: {
        ':available': 'available',
        ':pending': 'pending',
        ':purposes': item.purposes,
        ':objectKey': update.objectKey,
        ':size': update.size,
        ':loc': update.locationRemoved,
        ':at': update.completedAt,
        ':g1pk': keys.groupMedia(item.groupId, item.recordedAt, item.mediaId).GSI1PK,
        ':g1sk': keys.groupMedia(item.groupId, item.recordedAt, item.mediaId).GSI1SK,
        ':g2sk': keys.due(nextSweepDate(item.deletionDates, item.purposes) ?? item.dueDate, item.mediaId).GSI2SK,
      },
    };
  }

  /**
   * Replaces the item's purposes, conditional on them being what was read. With none left the item
   * is marked for deletion (`deletionReason`) and indexed as due today, so that the sweep finishes
   * the deletion if the caller does not. Returns false on a concurrent change.
   */
  async setPurposes(item: MediaItem, purposes: Purpose[], today: string, deletionReason: DeletionReason, audit?: AuditEntry): Promise<boolean> {
    const next = purposes.length ? (nextSweepDate(item.deletionDates, purposes) ?? item.dueDate) : today;
    return this.conditionalUpdate(
      {
        Key: keys.media(item.mediaId),
        UpdateExpression: `SET purposes = :purposes, GSI2SK = :g2sk${purposes.length ? '' : ', deletionReason = :reason'}`,
        ConditionExpression: 'purposes = :current',
        ExpressionAttributeValues: {
          ':purposes': purposes,
          ':current': item.purposes,
          ':g2sk': keys.due(next, item.mediaId).GSI2SK,
          ...(purposes.length ? {} : { ':reason': deletionReason }),
        },
      },
      audit,
    );
  }

  /**
   * A published item whose `publication` consent was withdrawn: kept, and never published again.
   * False when it was already marked (its entry was written then).
   */
  async markRetained(mediaId: string, at: string, audit?: AuditEntry): Promise<boolean> {
    return this.conditionalUpdate(
      {
        Key: keys.media(mediaId),
        UpdateExpression: 'SET retainedBecausePublished = :at',
        ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(retainedBecausePublished)',
        ExpressionAttributeValues: { ':at': at },
      },
      audit,
    );
  }

  /** Opens a takedown task for a live publication; opening it twice is a no-op. */
  async openTakedown(task: TakedownTask, audit?: AuditEntry): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: { ...keys.takedown(task.mediaId, task.publicationId), ...keys.openTakedown(task.dueDate, task.publicationId), entityType: 'Takedown', ...task },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            ...(audit ? [auditPut(this.table, audit)] : []),
          ],
        }),
      );
    } catch (err) {
      if (!isConditionFailure(err)) throw err;
    }
  }

  async openTakedowns(): Promise<TakedownTask[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: GSI1.indexName,
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': keys.openTakedown('', '').GSI1PK },
      }),
    );
    return (out.Items ?? []).map((i) => withoutKeys<TakedownTask>(i));
  }

  async getTakedown(mediaId: string, publicationId: string): Promise<TakedownTask | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.takedown(mediaId, publicationId), ConsistentRead: true }));
    return out.Item ? withoutKeys<TakedownTask>(out.Item) : undefined;
  }

  /** Marks a takedown done; false when there is no such open task. */
  async completeTakedown(mediaId: string, publicationId: string, doneBy: string, doneAt: string, audit?: AuditEntry): Promise<boolean> {
    return this.conditionalUpdate(
      {
        Key: keys.takedown(mediaId, publicationId),
        UpdateExpression: 'SET doneAt = :at, doneBy = :by REMOVE GSI1PK, GSI1SK',
        ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(doneAt)',
        ExpressionAttributeValues: { ':at': doneAt, ':by': doneBy },
      },
      audit,
    );
  }

  /** pending -> refused, due for clean-up today; false if it was no longer pending. */
  async markRefused(item: MediaItem, refusal: Refusal, today: string, audit?: AuditEntry): Promise<boolean> {
    return this.conditionalUpdate(
      {
        Key: keys.media(item.mediaId),
        UpdateExpression: 'SET #status = :refused, refusal = :refusal, dueDate = :today, GSI2SK = :g2sk',
        ConditionExpression: '#status = :pending',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':refused': 'refused',
          ':pending': 'pending',
          ':refusal': refusal,
          ':today': today,
          ':g2sk': keys.due(today, item.mediaId).GSI2SK,
        },
      },
      audit,
    );
  }

  /**
   * Replaces the item by its tombstone, conditional on the item still being as it was read (its
   * status and object), so that a file written meanwhile is not left behind without metadata:
   * `changed` then, and nothing is written. The metadata, the client reference and the depiction
   * links' details go; each depiction link stays as a pointer to the tombstone, except for
   * children in `forget` (erased), whose links go. Idempotent: an item already replaced is left as it is.
   */
  async replaceByTombstone(item: MediaItem, tombstone: Tombstone, audit?: AuditEntry, forget: ReadonlySet<string> = new Set()): Promise<'replaced' | 'changed'> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Delete: {
                TableName: this.table,
                Key: keys.media(item.mediaId),
                ConditionExpression: item.objectKey
                  ? 'attribute_exists(PK) AND #status = :status AND objectKey = :objectKey'
                  : 'attribute_exists(PK) AND #status = :status AND attribute_not_exists(objectKey)',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':status': item.status, ...(item.objectKey ? { ':objectKey': item.objectKey } : {}) },
              },
            },
            { Put: { TableName: this.table, Item: { ...keys.tombstone(item.mediaId), entityType: 'Tombstone', ...tombstone } } },
            { Delete: { TableName: this.table, Key: keys.clientReference(item.uploadedBy, item.clientReference) } },
            ...item.childIds.map((childId) =>
              forget.has(childId)
                ? { Delete: { TableName: this.table, Key: keys.depiction(childId, item.mediaId) } }
                : {
                    Put: {
                      TableName: this.table,
                      Item: { ...keys.depiction(childId, item.mediaId), entityType: 'Depiction', childId, mediaId: item.mediaId, deleted: true },
                    },
                  },
            ),
            ...(audit ? [auditPut(this.table, audit)] : []),
          ],
        }),
      );
      return 'replaced';
    } catch (err) {
      if (isConditionFailure(err)) return (await this.getTombstone(item.mediaId)) ? 'replaced' : 'changed';
      throw err;
    }
  }

  /** The due-date index (`GSI2`) under one partition, up to and including `date`, oldest first; never a Scan. */
  private dueIndexUpTo(partition: 'DUE' | 'PROPAGATE', date: string): AsyncGenerator<Record<string, unknown>> {
    return queryAll(this.db, {
      TableName: this.table,
      IndexName: GSI2.indexName,
      KeyConditionExpression: 'GSI2PK = :pk AND GSI2SK <= :hi',
      ExpressionAttributeValues: { ':pk': partition, ':hi': `${date}#~` },
    });
  }

  /** Every item (pending, refused or available) due on or before `date`. */
  async *dueUpTo(date: string): AsyncGenerator<MediaItem> {
    for await (const raw of this.dueIndexUpTo('DUE', date)) yield itemFrom(raw);
  }

  /**
   * A group's available items newest first, strictly older than `before` and not older than
   * `from` (an ISO instant), up to `limit`.
   */
  async groupPage(groupId: string, opts: { before?: string; from?: string; limit: number }): Promise<{ items: MediaItem[]; more: boolean }> {
    const pk = keys.groupMedia(groupId, '', '').GSI1PK;
    const upper = opts.before ?? '~';
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: GSI1.indexName,
        KeyConditionExpression: opts.from ? 'GSI1PK = :pk AND GSI1SK BETWEEN :lo AND :hi' : 'GSI1PK = :pk AND GSI1SK < :hi',
        ExpressionAttributeValues: { ':pk': pk, ':hi': upper, ...(opts.from ? { ':lo': opts.from } : {}) },
        ScanIndexForward: false,
        Limit: opts.limit,
      }),
    );
    // BETWEEN includes its upper bound: the item at `before` was already consumed.
    const items = (out.Items ?? []).map(itemFrom).filter((i) => !opts.before || `${i.recordedAt}#${i.mediaId}` < opts.before);
    return { items, more: out.LastEvaluatedKey !== undefined };
  }

  /**
   * Records a publication and marks the item published, in one transaction, only while the item is
   * as it was read (available, its purposes, not retained) and each depicted child is as it was
   * read (`binds`). `changed`: the item changed; `stale`: a child's consent or facts changed;
   * `duplicate`: an `extra` idempotency part found its key taken.
   */
  async publish(publication: Publication, item: MediaItem, binds: readonly Part[], audit?: AuditEntry, extra: readonly Part[] = []): Promise<'published' | 'changed' | 'stale' | 'duplicate'> {
    const outcome = await transact(this.db, [
      part('item', {
        Update: {
          TableName: this.table,
          Key: keys.media(publication.mediaId),
          UpdateExpression: 'SET published = :true, publicationCount = if_not_exists(publicationCount, :zero) + :one',
          ConditionExpression: '#status = :available AND purposes = :purposes AND attribute_not_exists(retainedBecausePublished)',
          ExpressionAttributeNames: { '#status': 'status' },
          ExpressionAttributeValues: { ':true': true, ':zero': 0, ':one': 1, ':available': 'available', ':purposes': item.purposes },
        },
      }),
      part('publication', {
        Put: {
          TableName: this.table,
          Item: { ...keys.publication(publication.mediaId, publication.publishedAt, publication.publicationId), entityType: 'Publication', ...publication },
          ConditionExpression: 'attribute_not_exists(PK)',
        },
      }),
      ...binds,
      ...(audit ? [part('audit', auditPut(this.table, audit))] : []),
      ...extra,
    ]);
    if (outcome.ok) return 'published';
    if (outcome.failed.includes('idempotency')) return 'duplicate';
    if (outcome.failed.includes('item')) return 'changed';
    return 'stale';
  }

  async publications(mediaId: string): Promise<Publication[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.media(mediaId).PK, ':prefix': keys.publicationPrefix },
      }),
    );
    return (out.Items ?? []).map((i) => withoutKeys<Publication>(i));
  }

  /** Withdrawals recorded on or before `date` whose propagation was not confirmed. */
  async *pendingPropagations(date: string): AsyncGenerator<ConsentEvent> {
    // The marker holds a copy of the event: validated as the ledger's own records are.
    for await (const raw of this.dueIndexUpTo('PROPAGATE', date)) yield eventFromItem(raw.event);
  }

  async clearPendingPropagation(eventId: string): Promise<void> {
    await this.db.send(new DeleteCommand({ TableName: this.table, Key: keys.pendingPropagation(eventId) }));
  }

  /** Items by id (live ones; absent ids are left out), read in batches. */
  async getMany(mediaIds: readonly string[]): Promise<MediaItem[]> {
    return (await batchGetAll(this.db, this.table, [...new Set(mediaIds)].map((id) => keys.media(id)))).map(itemFrom);
  }

  /** Tombstones by media id (absent ids are left out), read in batches. */
  async tombstones(mediaIds: readonly string[]): Promise<Tombstone[]> {
    return (await batchGetAll(this.db, this.table, [...new Set(mediaIds)].map((id) => keys.tombstone(id)))).map((i) => withoutKeys<Tombstone>(i));
  }

  /** An item's takedown tasks, open and done. */
  async takedownsOf(mediaId: string): Promise<TakedownTask[]> {
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': keys.media(mediaId).PK, ':prefix': 'TAKEDOWN#' },
      }),
    );
    return (out.Items ?? []).map((i) => withoutKeys<TakedownTask>(i));
  }

  /**
   * Erasure (SPEC section 6): the child's id leaves the tombstone of a deleted item, and the
   * child's pointer to it goes. Idempotent; retried when the tombstone changed meanwhile.
   */
  async forgetChildInTombstone(mediaId: string, childId: string): Promise<void> {
    await retryOnStale(
      async () => {
        const tombstone = await this.getTombstone(mediaId);
        if (tombstone?.childIds.includes(childId)) {
          const updated = await this.conditionalUpdate({
            Key: keys.tombstone(mediaId),
            UpdateExpression: 'SET childIds = :remaining',
            ConditionExpression: 'childIds = :current',
            ExpressionAttributeValues: { ':remaining': tombstone.childIds.filter((c) => c !== childId), ':current': tombstone.childIds },
          });
          if (!updated) return STALE;
        }
        await this.db.send(new DeleteCommand({ TableName: this.table, Key: keys.depiction(childId, mediaId) }));
        return true;
      },
      { attempts: 5, exhausted: () => new Error(`tombstone ${mediaId} kept changing while a child was erased from it`) },
    );
  }

  /** Ids of the items depicting a child, live and deleted (all pages). */
  async idsDepicting(childId: string): Promise<{ ids: { mediaId: string; deleted: boolean }[] }> {
    const items = await queryList(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.depiction(childId, '').PK, ':prefix': keys.depictionPrefix },
    });
    return { ids: items.map((i) => ({ mediaId: String(i.mediaId), deleted: i.deleted === true })) };
  }
}
