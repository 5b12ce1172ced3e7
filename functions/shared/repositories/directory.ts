/** Groups, guardians and staff: the people and places the consent rules are about. */
import {
  GetCommand,
  PutCommand,
  TransactWriteCommand,
  type DynamoDBDocumentClient,
} from '@aws-sdk/lib-dynamodb';
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { ConflictError, NotFoundError } from '../errors';
import { queryList } from '../dynamo';
import { GSI1 } from '../table-design';
import { keys, primaryKey, withoutKeys } from '../keys';
import { isConditionFailure } from './children';

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

  async createGroup(group: GroupRecord): Promise<GroupRecord> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.group(group.groupId), entityType: 'Group', ...group },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
    } catch (err) {
      if (isConditionFailure(err)) throw new ConflictError('group_exists', 'A group with this id exists already');
      throw err;
    }
    return group;
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

  async createGuardian(guardian: GuardianRecord): Promise<GuardianRecord> {
    try {
      await this.db.send(
        new PutCommand({
          TableName: this.table,
          Item: { ...keys.guardian(guardian.guardianId), entityType: 'Guardian', ...guardian },
          ConditionExpression: 'attribute_not_exists(PK)',
        }),
      );
    } catch (err) {
      if (isConditionFailure(err)) throw new ConflictError('guardian_exists', 'A guardian with this id exists already');
      throw err;
    }
    return guardian;
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
   * Creates or replaces a staff member's groups. Conditional on the groups read before
   * (`previous`), with membership items kept in the same transaction.
   */
  async putStaff(staff: StaffRecord, previous: StaffRecord | undefined): Promise<StaffRecord> {
    const before = previous?.groupIds ?? [];
    const added = staff.groupIds.filter((g) => !before.includes(g));
    const removed = before.filter((g) => !staff.groupIds.includes(g));
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: { ...keys.staff(staff.staffId), entityType: 'Staff', ...staff },
                ...(previous
                  ? {
                      ConditionExpression: 'updatedAt = :prev',
                      ExpressionAttributeValues: { ':prev': previous.updatedAt },
                    }
                  : { ConditionExpression: 'attribute_not_exists(PK)' }),
              },
            },
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
                Item: { ...keys.groupStaff(groupId, staff.staffId), entityType: 'GroupStaff', groupId, staffId: staff.staffId },
              },
            })),
            ...removed.map((groupId) => ({ Delete: { TableName: this.table, Key: keys.groupStaff(groupId, staff.staffId) } })),
          ],
        }),
      );
    } catch (err) {
      if (err instanceof TransactionCanceledException) {
        const reasons = err.CancellationReasons ?? [];
        if (reasons[0]?.Code === 'ConditionalCheckFailed' || reasons.some((r) => r.Code === 'TransactionConflict')) {
          throw new ConflictError('concurrent_update', 'The staff member was changed at the same time; retry');
        }
        if (reasons.some((r) => r.Code === 'ConditionalCheckFailed')) {
          throw new NotFoundError('group_not_found', 'One of the groups does not exist');
        }
      }
      throw err;
    }
    return staff;
  }
}
