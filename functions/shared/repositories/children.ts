/**
 * The child aggregate: profile, group membership, guardian links and the consent projection,
 * kept on one item so that one read gives everything the rules need.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import {
  GetCommand,
  QueryCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { emptyProjection, type ChildFacts, type Projection } from '../../domain/consent';
import { auditPut, type AuditEntry } from '../audit';
import { ConflictError, NotFoundError, childNotFound } from '../errors';
import { GSI1 } from '../table-design';
import { keys, primaryKey, withoutKeys } from '../keys';
import { decodeCursor, encodeCursor } from '../cursor';
import { batchGetAll, queryAll, queryList } from '../dynamo';

export interface GuardianLink {
  parentalAuthority: boolean;
  relationship?: string;
  since: string;
}

export interface ChildRecord {
  childId: string;
  displayName: string;
  birthDate: string;
  groupIds: string[];
  status: 'active' | 'ended';
  endDate?: string;
  safeguarding: boolean;
  guardians: Record<string, GuardianLink>;
  consent: Projection;
  createdAt: string;
  updatedAt: string;
  /**
   * Set when the admin started erasing the child (SPEC section 7). From then on only the admin
   * sees the child, nothing may change it, and the sweep completes the erasure if it stopped halfway.
   */
  erasure?: { requestId: string; startedAt: string; enrolment?: { status: 'active' | 'ended'; endDate?: string } };
}

export function childFacts(child: ChildRecord): ChildFacts {
  return {
    birthDate: child.birthDate,
    status: child.status,
    ...(child.endDate ? { endDate: child.endDate } : {}),
    safeguarding: child.safeguarding,
    guardians: Object.entries(child.guardians).map(([guardianId, l]) => ({
      guardianId,
      parentalAuthority: l.parentalAuthority,
    })),
  };
}

function fromItem(item: Record<string, unknown>): ChildRecord {
  const child = withoutKeys<ChildRecord>(item);
  return { ...child, consent: { ...emptyProjection(), ...child.consent } };
}

export function isConditionFailure(err: unknown): boolean {
  if (err instanceof TransactionCanceledException) {
    return (err.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed');
  }
  return (err as { name?: string })?.name === 'ConditionalCheckFailedException';
}

export function isTransactionConflict(err: unknown): boolean {
  return (
    err instanceof TransactionCanceledException &&
    (err.CancellationReasons ?? []).some((r) => r.Code === 'TransactionConflict')
  );
}

export class ChildrenRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(childId: string): Promise<ChildRecord | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.child(childId), ConsistentRead: true }));
    return out.Item ? fromItem(out.Item) : undefined;
  }

  async require(childId: string): Promise<ChildRecord> {
    const child = await this.get(childId);
    if (!child) throw childNotFound();
    return child;
  }

  /** Up to 100 children per request; unprocessed keys are retried. Order follows `childIds`. */
  async getMany(childIds: readonly string[]): Promise<ChildRecord[]> {
    const unique = [...new Set(childIds)];
    const found = new Map<string, ChildRecord>();
    for (const item of await batchGetAll(this.db, this.table, unique.map((id) => keys.child(id)))) {
      const child = fromItem(item);
      found.set(child.childId, child);
    }
    return unique.flatMap((id) => found.get(id) ?? []);
  }

  /** Child ids of a group, a page at a time. */
  async listIdsOfGroup(groupId: string, cursor?: string, limit = 100): Promise<{ childIds: string[]; cursor?: string }> {
    const pk = keys.group(groupId).PK;
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
        ExpressionAttributeValues: { ':pk': pk, ':prefix': keys.groupChildPrefix },
        ExclusiveStartKey: decodeCursor(cursor, { PK: pk }),
        Limit: limit,
      }),
    );
    const childIds = (out.Items ?? []).map((i) => String(i.childId));
    const next = encodeCursor(out.LastEvaluatedKey);
    return next ? { childIds, cursor: next } : { childIds };
  }

  /**
   * Everything in a group's partition in one Query (paged only past 1 MB): whether the group
   * exists, its children and its staff. Serves the roster and the staff membership check at once.
   */
  async groupMembers(groupId: string): Promise<{ exists: boolean; childIds: string[]; staffIds: string[] }> {
    const pk = keys.group(groupId).PK;
    const result = { exists: false, childIds: [] as string[], staffIds: [] as string[] };
    for await (const i of queryAll(this.db, { TableName: this.table, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': pk } })) {
      if (i.SK === 'PROFILE') result.exists = true;
      else if (i.entityType === 'GroupChild') result.childIds.push(String(i.childId));
      else if (i.entityType === 'GroupStaff') result.staffIds.push(String(i.staffId));
    }
    return result;
  }

  /** The children a guardian is linked to, with the link. */
  async listLinksOfGuardian(guardianId: string): Promise<{ childId: string; link: GuardianLink; groupIds?: string[] }[]> {
    const k = keys.childrenOfGuardian(guardianId);
    const items = await queryList(this.db, {
      TableName: this.table,
      IndexName: GSI1.indexName,
      KeyConditionExpression: 'GSI1PK = :pk AND begins_with(GSI1SK, :prefix)',
      ExpressionAttributeValues: { ':pk': k.GSI1PK, ':prefix': k.GSI1SK_PREFIX },
    });
    const links = items.map((i) => ({
      childId: String(i.childId),
      ...(Array.isArray(i.groupIds) ? { groupIds: i.groupIds.map(String) } : {}),
      link: {
        parentalAuthority: i.parentalAuthority === true,
        since: String(i.since),
        ...(i.relationship ? { relationship: String(i.relationship) } : {}),
      },
    }));
    return links;
  }

  /**
   * Creates a child in its groups; every group must exist. An id that belonged to an erased child
   * (or one being erased) is never given again: what stays of that child lives under the same key.
   */
  async create(child: Omit<ChildRecord, 'consent' | 'guardians'>, audit?: AuditEntry): Promise<ChildRecord> {
    const record: ChildRecord = { ...child, guardians: {}, consent: emptyProjection() };
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: { ...keys.child(child.childId), entityType: 'Child', ...record },
                ConditionExpression: 'attribute_not_exists(PK)',
              },
            },
            { ConditionCheck: { TableName: this.table, Key: keys.erased(child.childId), ConditionExpression: 'attribute_not_exists(PK)' } },
            { ConditionCheck: { TableName: this.table, Key: keys.erasing(child.childId), ConditionExpression: 'attribute_not_exists(PK)' } },
            ...this.membershipWrites(child.childId, [], child.groupIds),
            ...(audit ? [auditPut(this.table, audit)] : []),
          ],
        }),
      );
    } catch (err) {
      if (err instanceof TransactionCanceledException) {
        const reasons = err.CancellationReasons ?? [];
        if (reasons[0]?.Code === 'ConditionalCheckFailed') {
          throw new ConflictError('child_exists', 'A child with this id exists already');
        }
        if (reasons[1]?.Code === 'ConditionalCheckFailed' || reasons[2]?.Code === 'ConditionalCheckFailed') {
          throw new ConflictError('child_erased', 'A child with this id was erased; its id is not given again');
        }
        if (reasons.some((r) => r.Code === 'ConditionalCheckFailed')) {
          throw new NotFoundError('group_not_found', 'One of the groups does not exist');
        }
      }
      throw err;
    }
    return record;
  }

  private membershipWrites(childId: string, before: readonly string[], after: readonly string[]) {
    const added = after.filter((g) => !before.includes(g));
    const removed = before.filter((g) => !after.includes(g));
    return [
      ...added.map((groupId) => ({
        ConditionCheck: {
          TableName: this.table,
          Key: primaryKey(keys.group(groupId)),
          ConditionExpression: 'attribute_exists(PK)',
        },
      })),
      ...added.map((groupId) => ({
        Put: {
          TableName: this.table,
          Item: { ...keys.groupChild(groupId, childId), entityType: 'GroupChild', groupId, childId },
        },
      })),
      ...removed.map((groupId) => ({ Delete: { TableName: this.table, Key: keys.groupChild(groupId, childId) } })),
    ];
  }

  /**
   * Changes profile fields and, when given, the groups. The update is conditional on the groups
   * read before, so two concurrent regroupings cannot leave stray membership items.
   */
  async update(
    current: ChildRecord,
    patch: Partial<Pick<ChildRecord, 'displayName' | 'birthDate' | 'groupIds' | 'safeguarding'>>,
    now: string,
    audit?: AuditEntry,
  ): Promise<ChildRecord> {
    const fields = { ...patch, updatedAt: now };
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = { ':groups': current.groupIds };
    const sets = Object.entries(fields).map(([k, v]) => {
      names[`#${k}`] = k;
      values[`:${k}`] = v;
      return `#${k} = :${k}`;
    });
    names['#groupIds'] = 'groupIds';
    const groupsChanged = patch.groupIds !== undefined;
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.table,
                Key: keys.child(current.childId),
                UpdateExpression: `SET ${sets.join(', ')}`,
                ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(erasure) AND #groupIds = :groups',
                ExpressionAttributeNames: names,
                ExpressionAttributeValues: values,
              },
            },
            ...(groupsChanged ? this.membershipWrites(current.childId, current.groupIds, patch.groupIds ?? []) : []),
            ...(groupsChanged
              ? Object.keys(current.guardians).map((guardianId) => ({
                  Update: {
                    TableName: this.table,
                    Key: primaryKey(keys.guardianLink(current.childId, guardianId)),
                    UpdateExpression: 'SET groupIds = :groups',
                    ExpressionAttributeValues: { ':groups': patch.groupIds },
                  },
                }))
              : []),
            ...(audit ? [auditPut(this.table, audit)] : []),
          ],
        }),
      );
    } catch (err) {
      if (err instanceof TransactionCanceledException) {
        const reasons = err.CancellationReasons ?? [];
        if (reasons[0]?.Code === 'ConditionalCheckFailed' || reasons.some((r) => r.Code === 'TransactionConflict')) {
          throw new ConflictError('concurrent_update', 'The child was changed at the same time; read it again and retry');
        }
        if (reasons.some((r) => r.Code === 'ConditionalCheckFailed')) {
          throw new NotFoundError('group_not_found', 'One of the groups does not exist');
        }
      }
      throw err;
    }
    return { ...current, ...patch, updatedAt: now };
  }

  /** Ends the enrolment from `endDate` on. */
  async end(childId: string, endDate: string, now: string, audit?: AuditEntry): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.table,
                Key: keys.child(childId),
                UpdateExpression: 'SET #status = :ended, endDate = :endDate, updatedAt = :now',
                ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(erasure)',
                ExpressionAttributeNames: { '#status': 'status' },
                ExpressionAttributeValues: { ':ended': 'ended', ':endDate': endDate, ':now': now },
              },
            },
            ...(audit ? [auditPut(this.table, audit)] : []),
          ],
        }),
      );
    } catch (err) {
      if (isConditionFailure(err)) throw childNotFound();
      throw err;
    }
  }

  /** Links (or relinks) a guardian; the link item serves "children of a guardian", the copy on the child serves the rules. */
  async linkGuardian(childId: string, guardianId: string, link: GuardianLink, now: string, groupIds: readonly string[], audit?: AuditEntry): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.table,
                Key: keys.child(childId),
                UpdateExpression: 'SET guardians.#g = :link, updatedAt = :now',
                ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(erasure)',
                ExpressionAttributeNames: { '#g': guardianId },
                ExpressionAttributeValues: { ':link': link, ':now': now },
              },
            },
            {
              ConditionCheck: {
                TableName: this.table,
                Key: keys.guardian(guardianId),
                ConditionExpression: 'attribute_exists(PK)',
              },
            },
            {
              Put: {
                TableName: this.table,
                // The child's groups travel on the link, so a guardian's feed needs no read of the child.
                Item: { ...keys.guardianLink(childId, guardianId), entityType: 'GuardianLink', childId, guardianId, groupIds, ...link },
              },
            },
            ...(audit ? [auditPut(this.table, audit)] : []),
          ],
        }),
      );
    } catch (err) {
      if (err instanceof TransactionCanceledException) {
        const reasons = err.CancellationReasons ?? [];
        if (reasons[0]?.Code === 'ConditionalCheckFailed') throw childNotFound();
        if (reasons[1]?.Code === 'ConditionalCheckFailed') {
          throw new NotFoundError('guardian_not_found', 'No such guardian');
        }
        if (reasons.some((r) => r.Code === 'TransactionConflict')) {
          throw new ConflictError('concurrent_update', 'The child was changed at the same time; retry');
        }
      }
      throw err;
    }
  }

  async unlinkGuardian(childId: string, guardianId: string, now: string, audit?: AuditEntry): Promise<void> {
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Update: {
                TableName: this.table,
                Key: keys.child(childId),
                UpdateExpression: 'REMOVE guardians.#g SET updatedAt = :now',
                ConditionExpression: 'attribute_exists(guardians.#g) AND attribute_not_exists(erasure)',
                ExpressionAttributeNames: { '#g': guardianId },
                ExpressionAttributeValues: { ':now': now },
              },
            },
            { Delete: { TableName: this.table, Key: primaryKey(keys.guardianLink(childId, guardianId)) } },
            ...(audit ? [auditPut(this.table, audit)] : []),
          ],
        }),
      );
    } catch (err) {
      if (isConditionFailure(err)) throw new NotFoundError('guardian_link_not_found', 'This guardian is not linked to the child');
      throw err;
    }
  }
}
