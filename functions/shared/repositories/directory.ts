/** Groups, guardians and staff: the people and places the consent rules are about. */
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { queryList } from '../dynamo';
import { GSI1 } from '../table-design';
import { keys, primaryKey, withoutKeys } from '../keys';
import { part, transact, type Part } from '../transact';

export interface GroupRecord {
  groupId: string;
  name: string;
  createdAt: string;
}

export interface GuardianRecord {
  guardianId: string;
  displayName: string;
  createdAt: string;
}

export interface StaffRecord {
  staffId: string;
  displayName: string;
  groupIds: string[];
  createdAt: string;
  updatedAt: string;
}

export class DirectoryRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /** Creates a group; `exists` when the id is taken, `duplicate` when an `extra` idempotency part found its key taken. */
  async createGroup(group: GroupRecord, extra: readonly Part[] = []): Promise<'created' | 'exists' | 'duplicate'> {
    return this.createNew({ ...keys.group(group.groupId), entityType: 'Group', ...group }, extra);
  }

  /** Puts a record whose key must be new, with the caller's extra parts (an idempotency key) in the same transaction. */
  private async createNew(item: Record<string, unknown>, extra: readonly Part[]): Promise<'created' | 'exists' | 'duplicate'> {
    const outcome = await transact(this.db, [part('record', { Put: { TableName: this.table, Item: item, ConditionExpression: 'attribute_not_exists(PK)' } }), ...extra]);
    if (outcome.ok) return 'created';
    return outcome.failed.includes('idempotency') ? 'duplicate' : 'exists';
  }

  async listGroups(): Promise<GroupRecord[]> {
    const items = await queryList(this.db, {
      TableName: this.table,
      IndexName: GSI1.indexName,
      KeyConditionExpression: 'GSI1PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.allGroups.GSI1PK },
    });
    return items.map((i) => withoutKeys<GroupRecord>(i));
  }

  async getGroup(groupId: string): Promise<GroupRecord | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: primaryKey(keys.group(groupId)) }));
    return out.Item ? withoutKeys<GroupRecord>(out.Item) : undefined;
  }

  /** Creates a guardian; `exists` when the id is taken, `duplicate` when an `extra` idempotency part found its key taken. */
  async createGuardian(guardian: GuardianRecord, extra: readonly Part[] = []): Promise<'created' | 'exists' | 'duplicate'> {
    return this.createNew({ ...keys.guardian(guardian.guardianId), entityType: 'Guardian', ...guardian }, extra);
  }

  async getGuardian(guardianId: string): Promise<GuardianRecord | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.guardian(guardianId) }));
    return out.Item ? withoutKeys<GuardianRecord>(out.Item) : undefined;
  }

  async getStaff(staffId: string): Promise<StaffRecord | undefined> {
    const out = await this.db.send(
      new GetCommand({ TableName: this.table, Key: keys.staff(staffId), ConsistentRead: true }),
    );
    return out.Item ? withoutKeys<StaffRecord>(out.Item) : undefined;
  }

  /**
   * Creates or replaces a staff member's groups. Conditional on the record read before
   * (`previous`), with membership items kept in the same transaction. `stale`: changed meanwhile.
   */
  async putStaff(staff: StaffRecord, previous: StaffRecord | undefined): Promise<'saved' | 'stale' | 'group_missing'> {
    const before = previous?.groupIds ?? [];
    const added = staff.groupIds.filter((g) => !before.includes(g));
    const removed = before.filter((g) => !staff.groupIds.includes(g));
    const outcome = await transact(this.db, [
      part('staff', {
        Put: {
          TableName: this.table,
          Item: { ...keys.staff(staff.staffId), entityType: 'Staff', ...staff },
          ...(previous ? { ConditionExpression: 'updatedAt = :prev', ExpressionAttributeValues: { ':prev': previous.updatedAt } } : { ConditionExpression: 'attribute_not_exists(PK)' }),
        },
      }),
      ...added.map((groupId) => part(`group:${groupId}`, { ConditionCheck: { TableName: this.table, Key: primaryKey(keys.group(groupId)), ConditionExpression: 'attribute_exists(PK)' } })),
      ...added.map((groupId) => part(`member:${groupId}`, { Put: { TableName: this.table, Item: { ...keys.groupStaff(groupId, staff.staffId), entityType: 'GroupStaff', groupId, staffId: staff.staffId } } })),
      ...removed.map((groupId) => part(`member:${groupId}`, { Delete: { TableName: this.table, Key: keys.groupStaff(groupId, staff.staffId) } })),
    ]);
    if (outcome.ok) return 'saved';
    if (outcome.failed.includes('staff') || outcome.conflict) return 'stale';
    return 'group_missing';
  }
}
