/**
 * Data-subject requests (SPEC section 7): access and erasure requests about a child, with when
 * they were received, who asked, their four-week due date and how they were answered. Kept in the
 * child's partition (also after an erasure: they show the request was answered), and indexed by
 * due date while open.
 */
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { auditPut, type AuditEntry } from '../audit';
import { decodeCursor, encodeCursor } from '../cursor';
import { queryList } from '../dynamo';
import { keys, withoutKeys } from '../keys';
import { GSI1 } from '../table-design';
import { part, transact, type Part } from '../transact';

export const REQUEST_TYPES = ['access', 'erasure'] as const;
export type RequestType = (typeof REQUEST_TYPES)[number];
export type RequestStatus = 'open' | 'fulfilled' | 'declined';

export interface DataSubjectRequest {
  requestId: string;
  childId: string;
  type: RequestType;
  status: RequestStatus;
  /** When the organisation received the request: the four weeks count from here. */
  receivedAt: string;
  /** When it was entered: equal to `receivedAt` in the app, later when the admin records a letter or a call. */
  recordedAt: string;
  /** Who asked in the app, or the admin who recorded the request. */
  requestedBy: { userId: string; role: string };
  channel: 'app' | 'recorded_by_admin';
  /** The last day to answer (Amsterdam date): four weeks after it was received. */
  dueDate: string;
  fulfilledAt?: string;
  fulfilledBy?: string;
  declinedAt?: string;
  declinedBy?: string;
  declineReason?: string;
  /** The export documents written for it (each under its own key), for the erasure to remove. */
  exportKeys?: string[];
}

export class RequestsRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  private item(request: DataSubjectRequest) {
    return {
      ...keys.request(request.childId, request.requestId),
      ...(request.status === 'open' ? keys.openRequest(request.dueDate, request.requestId) : {}),
      entityType: 'DataSubjectRequest',
      ...request,
    };
  }

  /**
   * The writes of a new request, for a transaction of the caller. An open one also takes the
   * child's one place for an open request of its type, so that two asked at once cannot both
   * be open: the second finds the place taken (`open:<type>`).
   */
  putParts(request: DataSubjectRequest): Part[] {
    return [
      part('request', { Put: { TableName: this.table, Item: this.item(request), ConditionExpression: 'attribute_not_exists(PK)' } }),
      ...(request.status === 'open'
        ? [part(`open:${request.type}`, { Put: { TableName: this.table, Item: { ...keys.openRequestOfType(request.childId, request.type), entityType: 'OpenRequest', requestId: request.requestId }, ConditionExpression: 'attribute_not_exists(PK)' } })]
        : []),
    ];
  }

  /**
   * Stores a new request (open, or answered at once) with its audit entry. `open_exists`: another
   * open request of the type was stored meanwhile; `duplicate`: an `extra` idempotency part found
   * its key taken.
   */
  async create(request: DataSubjectRequest, audit: AuditEntry, extra: readonly Part[] = []): Promise<'created' | 'open_exists' | 'duplicate'> {
    const outcome = await transact(this.db, [...this.putParts(request), part('audit', auditPut(this.table, audit)), ...extra]);
    if (outcome.ok) return 'created';
    if (outcome.failed.includes('idempotency')) return 'duplicate';
    if (outcome.failed.includes(`open:${request.type}`)) return 'open_exists';
    throw new Error(`request ${request.requestId} could not be stored: ${outcome.failed.join(', ') || 'conflict'}`);
  }

  async get(childId: string, requestId: string): Promise<DataSubjectRequest | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.request(childId, requestId), ConsistentRead: true }));
    return out.Item ? withoutKeys<DataSubjectRequest>(out.Item) : undefined;
  }

  /** Every request about a child, oldest first. */
  async ofChild(childId: string): Promise<DataSubjectRequest[]> {
    const items = await queryList(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.child(childId).PK, ':prefix': keys.requestPrefix },
      ConsistentRead: true,
    });
    return items.map((i) => withoutKeys<DataSubjectRequest>(i)).sort((a, b) => (a.receivedAt < b.receivedAt ? -1 : a.receivedAt > b.receivedAt ? 1 : 0));
  }

  /** Open requests of every child, soonest due first, a page at a time. */
  async open(cursor: string | undefined, limit: number): Promise<{ requests: DataSubjectRequest[]; cursor?: string }> {
    const pk = keys.openRequest('', '').GSI1PK;
    const out = await this.db.send(
      new QueryCommand({
        TableName: this.table,
        IndexName: GSI1.indexName,
        KeyConditionExpression: 'GSI1PK = :pk',
        ExpressionAttributeValues: { ':pk': pk },
        ExclusiveStartKey: decodeCursor(cursor, { GSI1PK: pk, GSI1SK: { prefix: '' }, PK: { prefix: 'CHILD#' }, SK: { prefix: keys.requestPrefix } }),
        Limit: limit,
      }),
    );
    const next = encodeCursor(out.LastEvaluatedKey);
    return { requests: (out.Items ?? []).map((i) => withoutKeys<DataSubjectRequest>(i)), ...(next ? { cursor: next } : {}) };
  }

  /** The writes that close an open request (fulfilled or declined) and free its type's place, for a transaction of the caller. */
  closeParts(
    request: DataSubjectRequest,
    outcome: { status: 'fulfilled'; at: string; by: string; exportKey?: string } | { status: 'declined'; at: string; by: string; reason: string },
  ): Part[] {
    return [
      part('request', this.close(request, outcome)),
      // Only its own place: a request from before the places existed has none, and frees nothing else.
      part(`open:${request.type}`, {
        Delete: { TableName: this.table, Key: keys.openRequestOfType(request.childId, request.type), ConditionExpression: 'attribute_not_exists(PK) OR requestId = :id', ExpressionAttributeValues: { ':id': request.requestId } },
      }),
    ];
  }

  /** The update that closes an open request (fulfilled or declined). */
  private close(
    request: DataSubjectRequest,
    outcome: { status: 'fulfilled'; at: string; by: string; exportKey?: string } | { status: 'declined'; at: string; by: string; reason: string },
  ) {
    const fields =
      outcome.status === 'fulfilled'
        ? { fulfilledAt: outcome.at, fulfilledBy: outcome.by, ...(outcome.exportKey ? { exportKeys: [outcome.exportKey] } : {}) }
        : { declinedAt: outcome.at, declinedBy: outcome.by, declineReason: outcome.reason };
    const names: Record<string, string> = { '#status': 'status' };
    const values: Record<string, unknown> = { ':new': outcome.status, ':open': 'open' };
    const sets = Object.entries(fields).map(([k, v]) => {
      names[`#${k}`] = k;
      values[`:${k}`] = v;
      return `#${k} = :${k}`;
    });
    return {
      Update: {
        TableName: this.table,
        Key: keys.request(request.childId, request.requestId),
        UpdateExpression: `SET #status = :new, ${sets.join(', ')} REMOVE GSI1PK, GSI1SK`,
        ConditionExpression: '#status = :open',
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    };
  }

  /** Closes an open request with its audit entry: `closed` when it was no longer open, `duplicate` when an `extra` idempotency part found its key taken. */
  private async closeWith(request: DataSubjectRequest, outcome: Parameters<RequestsRepository['close']>[1], audit: AuditEntry, extra: readonly Part[] = []): Promise<'done' | 'closed' | 'duplicate'> {
    const result = await transact(this.db, [...this.closeParts(request, outcome), part('audit', auditPut(this.table, audit)), ...extra]);
    if (result.ok) return 'done';
    return result.failed.includes('idempotency') ? 'duplicate' : 'closed';
  }

  async fulfil(request: DataSubjectRequest, outcome: { status: 'fulfilled'; at: string; by: string; exportKey?: string }, audit: AuditEntry, extra: readonly Part[] = []): Promise<'fulfilled' | 'closed' | 'duplicate'> {
    const result = await this.closeWith(request, outcome, audit, extra);
    return result === 'done' ? 'fulfilled' : result;
  }

  async decline(request: DataSubjectRequest, at: string, by: string, reason: string, audit: AuditEntry): Promise<boolean> {
    return (await this.closeWith(request, { status: 'declined', at, by, reason }, audit)) === 'done';
  }
}
