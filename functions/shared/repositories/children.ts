/**
 * The child aggregate: profile, group membership, guardian links, the history of those facts and
 * the consent projection, kept on one item so that one read gives everything the rules need.
 *
 * Every change of the child item is conditional on its revision (`rev`) as read and increments it;
 * so does every lasting use of its footage (an upload, a completion, a publication), through
 * `bindPart`. Changes and uses of one child are therefore serialised: a use can never be committed
 * on consent or facts that changed after they were read, and instants taken after a read follow
 * the order of the commits.
 */
import { GetCommand, QueryCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import { emptyProjection, type Projection } from '../../domain/consent';
import { enrolmentEndsAt, migratedHistory, type Enrolment, type FactsHistory } from '../../domain/facts';
import type { RulesChild } from '../../domain/gate';
import { DECISIONS, PURPOSES } from '../../domain/purposes';
import { auditPut, type AuditEntry } from '../audit';
import { GSI1 } from '../table-design';
import { keys, primaryKey } from '../keys';
import { decodeCursor, encodeCursor } from '../cursor';
import { batchGetAll, queryAll, queryList } from '../dynamo';
import { part, transact, type Part } from '../transact';

export interface GuardianLink {
  parentalAuthority: boolean;
  relationship?: string;
  since: string;
}

export interface ChildRecord extends RulesChild {
  childId: string;
  displayName: string;
  birthDate: string;
  groupIds: string[];
  status: 'active' | 'ended';
  endDate?: string;
  safeguarding: boolean;
  guardians: Record<string, GuardianLink>;
  consent: Projection & { incomplete?: boolean };
  /** The facts as timelines: guardian links and authority, the flag, groups, enrolment. */
  history: FactsHistory;
  /** Incremented by every change of the child and every lasting use of its footage. */
  rev: number;
  createdAt: string;
  updatedAt: string;
  /**
   * Set when the admin started erasing the child (SPEC section 7). From then on only the admin
   * sees the child, nothing may change it, and the sweep completes the erasure if it stopped halfway.
   */
  erasure?: { requestId: string; startedAt: string; enrolment?: { status: 'active' | 'ended'; endDate?: string } };
}

// ---- the record as stored, validated on the way back from the table ----

const actorKeySchema = z.union([z.literal('child'), z.templateLiteral(['guardian:', z.string().min(1)])]);
const latestSchema = z.object({ decision: z.enum(DECISIONS), at: z.string(), eventId: z.string() });
const byActorSchema = z.partialRecord(actorKeySchema, latestSchema);
const byPurposeSchema = z.object(Object.fromEntries(PURPOSES.map((p) => [p, byActorSchema.default({})])) as Record<(typeof PURPOSES)[number], z.ZodDefault<typeof byActorSchema>>);
const projectionSchema = z.object({
  latest: byPurposeSchema,
  counting: byPurposeSchema,
  withdrawnAt: z.partialRecord(z.enum(PURPOSES), z.string()),
});
const periodSchema = { from: z.string(), to: z.string().optional() };
const historySchema = z.object({
  guardians: z.array(z.object({ ...periodSchema, guardianId: z.string(), parentalAuthority: z.boolean() })),
  safeguarding: z.array(z.object(periodSchema)),
  groups: z.array(z.object({ ...periodSchema, groupId: z.string() })),
  enrolment: z.object({ from: z.string(), endDate: z.string().optional(), endRecordedAt: z.string().optional(), endsAt: z.string().optional() }),
});
const linkSchema = z.object({ parentalAuthority: z.boolean(), relationship: z.string().optional(), since: z.string() });

const storedChild = z.object({
  childId: z.string(),
  displayName: z.string(),
  birthDate: z.string(),
  groupIds: z.array(z.string()),
  status: z.enum(['active', 'ended']),
  endDate: z.string().optional(),
  safeguarding: z.boolean(),
  guardians: z.record(z.string(), linkSchema).default({}),
  // Before facts had a history the projection held only the latest decision per actor.
  consent: z.union([projectionSchema, byPurposeSchema]).optional(),
  history: historySchema.optional(),
  rev: z.number().int().min(0).optional(),
  createdAt: z.string(),
  updatedAt: z.string(),
  erasure: z
    .object({
      requestId: z.string(),
      startedAt: z.string(),
      enrolment: z.object({ status: z.enum(['active', 'ended']), endDate: z.string().optional() }).optional(),
    })
    .optional(),
});

const optional = <T extends object>(value: T): T => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

/**
 * A child item as the repository returns it. Items written before facts had a history are read
 * with their current facts as the history since the child's creation, a projection that the rules
 * complete, and revision 0; their next change stores all three.
 */
function fromItem(item: Record<string, unknown>): ChildRecord {
  const s = storedChild.parse(item);
  const guardians = Object.fromEntries(Object.entries(s.guardians).map(([id, l]) => [id, optional(l)]));
  const consent: ChildRecord['consent'] =
    s.consent === undefined
      ? emptyProjection()
      : 'latest' in s.consent && 'counting' in s.consent
        ? s.consent
        : { ...emptyProjection(), latest: s.consent, incomplete: true };
  return optional({
    childId: s.childId,
    displayName: s.displayName,
    birthDate: s.birthDate,
    groupIds: s.groupIds,
    status: s.status,
    endDate: s.endDate,
    safeguarding: s.safeguarding,
    guardians,
    consent,
    history: s.history ? optional({ ...s.history, enrolment: optional(s.history.enrolment) }) : migratedHistory({ ...s, guardians }),
    rev: s.rev ?? 0,
    createdAt: s.createdAt,
    updatedAt: s.updatedAt,
    erasure: s.erasure,
  });
}

/** The condition that the child item is as it was read: same revision, no erasure started. */
function unchanged(child: Pick<ChildRecord, 'rev'>): { ConditionExpression: string; ExpressionAttributeValues: Record<string, unknown> } {
  return child.rev === 0
    ? { ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(erasure) AND (attribute_not_exists(rev) OR rev = :rev)', ExpressionAttributeValues: { ':rev': 0 } }
    : { ConditionExpression: 'attribute_exists(PK) AND attribute_not_exists(erasure) AND rev = :rev', ExpressionAttributeValues: { ':rev': child.rev } };
}

/** The label of a depicted child's binding in a use's transaction. */
export const childLabel = (childId: string): `child:${string}` => `child:${childId}`;

/**
 * Binds a use to the child as it was read: fails when its consent or facts changed since, or its
 * erasure started, and otherwise moves its revision on, so that a change that read the child
 * before this use fails in turn. Goes into the use's own transaction.
 */
export function bindPart(table: string, child: Pick<ChildRecord, 'childId' | 'rev'>): Part<`child:${string}`> {
  const cond = unchanged(child);
  return part(childLabel(child.childId), {
    Update: {
      TableName: table,
      Key: keys.child(child.childId),
      UpdateExpression: 'SET rev = :next',
      ConditionExpression: cond.ConditionExpression,
      ExpressionAttributeValues: { ...cond.ExpressionAttributeValues, ':next': child.rev + 1 },
    },
  });
}

/** The update of a child item as read: the given fields and the next revision, on condition that it is unchanged. */
export function changePart(table: string, current: Pick<ChildRecord, 'childId' | 'rev'>, fields: Record<string, unknown>): Part<'child'> {
  const cond = unchanged(current);
  const names: Record<string, string> = {};
  const values: Record<string, unknown> = { ...cond.ExpressionAttributeValues, ':next': current.rev + 1 };
  const sets = Object.entries(fields)
    .filter(([, v]) => v !== undefined)
    .map(([k, v], i) => {
    names[`#f${i}`] = k;
    values[`:f${i}`] = v;
    return `#f${i} = :f${i}`;
  });
  return part('child', {
    Update: {
      TableName: table,
      Key: keys.child(current.childId),
      UpdateExpression: `SET ${[...sets, 'rev = :next'].join(', ')}`,
      ConditionExpression: cond.ConditionExpression,
      ExpressionAttributeNames: names,
      ExpressionAttributeValues: values,
    },
  });
}

/** What a change of a child came to: written; the child was not as read (changed, being erased or gone: read again); or a named part failed. */
export type ChangeOutcome = 'saved' | 'stale' | 'group_missing' | 'guardian_missing' | 'duplicate';

export interface LinkRow {
  childId: string;
  link: GuardianLink;
  groupIds?: string[];
  /** The child's enrolment end, copied onto the link for the family's feed. */
  enrolment?: Pick<Enrolment, 'endDate' | 'endsAt'>;
  /**
   * Whether the link carries the child's groups and enrolment end as this version keeps them
   * (`LINK_FACTS`). A link written before (it may lack an end that was set) is read through the child.
   */
  carriesFacts: boolean;
}

/** Set on every guardian link that carries the child's groups and enrolment end. */
const LINK_FACTS = 2;

const enrolmentOnLink = (history: FactsHistory) => optional({ endDate: history.enrolment.endDate, endsAt: enrolmentEndsAt(history.enrolment)?.toISOString() });

export class ChildrenRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  async get(childId: string): Promise<ChildRecord | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.child(childId), ConsistentRead: true }));
    return out.Item ? fromItem(out.Item) : undefined;
  }

  /**
   * Up to 100 children per request, read consistently (what the rules decide on must not be older
   * than an answered change); unprocessed keys are retried. Order follows `childIds`.
   */
  async getMany(childIds: readonly string[]): Promise<ChildRecord[]> {
    const unique = [...new Set(childIds)];
    const found = new Map<string, ChildRecord>();
    for (const item of await batchGetAll(this.db, this.table, unique.map((id) => keys.child(id)), true)) {
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
        ExclusiveStartKey: decodeCursor(cursor, { PK: pk, SK: { prefix: keys.groupChildPrefix } }),
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

  /** The children a guardian is linked to, with the link, the child's groups and its enrolment end. */
  async listLinksOfGuardian(guardianId: string): Promise<LinkRow[]> {
    const k = keys.childrenOfGuardian(guardianId);
    const items = await queryList(this.db, {
      TableName: this.table,
      IndexName: GSI1.indexName,
      KeyConditionExpression: 'GSI1PK = :pk AND begins_with(GSI1SK, :prefix)',
      ExpressionAttributeValues: { ':pk': k.GSI1PK, ':prefix': k.GSI1SK_PREFIX },
    });
    return items.map((i) => ({
      childId: String(i.childId),
      ...(Array.isArray(i.groupIds) ? { groupIds: i.groupIds.map(String) } : {}),
      ...(typeof i.endDate === 'string' ? { enrolment: optional({ endDate: i.endDate, endsAt: typeof i.endsAt === 'string' ? i.endsAt : undefined }) } : {}),
      link: {
        parentalAuthority: i.parentalAuthority === true,
        since: String(i.since),
        ...(i.relationship ? { relationship: String(i.relationship) } : {}),
      },
      carriesFacts: i.linkFacts === LINK_FACTS,
    }));
  }

  /**
   * Creates a child in its groups; every group must exist. An id that belonged to an erased child
   * (or one being erased) is never given again: what stays of that child lives under the same key.
   */
  async create(child: ChildRecord, audit?: AuditEntry, extra: readonly Part[] = []): Promise<'created' | 'exists' | 'erased' | 'group_missing' | 'duplicate'> {
    const outcome = await transact(this.db, [
      part('child', { Put: { TableName: this.table, Item: { ...keys.child(child.childId), entityType: 'Child', ...child }, ConditionExpression: 'attribute_not_exists(PK)' } }),
      part('erased', { ConditionCheck: { TableName: this.table, Key: keys.erased(child.childId), ConditionExpression: 'attribute_not_exists(PK)' } }),
      part('erasing', { ConditionCheck: { TableName: this.table, Key: keys.erasing(child.childId), ConditionExpression: 'attribute_not_exists(PK)' } }),
      ...this.membershipParts(child.childId, [], child.groupIds),
      ...(audit ? [part('audit', auditPut(this.table, audit))] : []),
      ...extra,
    ]);
    if (outcome.ok) return 'created';
    if (outcome.failed.includes('idempotency')) return 'duplicate';
    if (outcome.failed.includes('child')) return 'exists';
    if (outcome.failed.includes('erased') || outcome.failed.includes('erasing')) return 'erased';
    if (outcome.failed.some((l) => l.startsWith('group:'))) return 'group_missing';
    return 'exists';
  }

  private membershipParts(childId: string, before: readonly string[], after: readonly string[]): Part[] {
    const added = after.filter((g) => !before.includes(g));
    const removed = before.filter((g) => !after.includes(g));
    return [
      ...added.map((groupId) => part(`group:${groupId}`, { ConditionCheck: { TableName: this.table, Key: primaryKey(keys.group(groupId)), ConditionExpression: 'attribute_exists(PK)' } })),
      ...added.map((groupId) => part(`member:${groupId}`, { Put: { TableName: this.table, Item: { ...keys.groupChild(groupId, childId), entityType: 'GroupChild', groupId, childId } } })),
      ...removed.map((groupId) => part(`member:${groupId}`, { Delete: { TableName: this.table, Key: keys.groupChild(groupId, childId) } })),
    ];
  }

  /** The link item a guardian's feed reads: the child's groups and enrolment end travel on it, so the feed needs no read of the child. */
  private linkItem(child: Pick<ChildRecord, 'childId' | 'groupIds' | 'history'>, guardianId: string, link: GuardianLink) {
    return { ...keys.guardianLink(child.childId, guardianId), entityType: 'GuardianLink', childId: child.childId, guardianId, groupIds: child.groupIds, ...enrolmentOnLink(child.history), ...link, linkFacts: LINK_FACTS };
  }

  /** The updates that give every guardian link of the child its groups and enrolment end as they are now. */
  private linkRefreshParts(child: ChildRecord): Part[] {
    const onLink = enrolmentOnLink(child.history);
    return Object.keys(child.guardians).map((guardianId) =>
      part(`link:${guardianId}`, {
        Update: {
          TableName: this.table,
          Key: primaryKey(keys.guardianLink(child.childId, guardianId)),
          UpdateExpression: `SET groupIds = :groups, linkFacts = :facts${onLink.endDate ? ', endDate = :endDate, endsAt = :endsAt' : ''}`,
          ExpressionAttributeValues: { ':groups': child.groupIds, ':facts': LINK_FACTS, ...(onLink.endDate ? { ':endDate': onLink.endDate, ':endsAt': onLink.endsAt } : {}) },
        },
      }),
    );
  }

  private async save(current: ChildRecord, fields: Partial<ChildRecord>, parts: readonly Part[], audit?: AuditEntry): Promise<ChangeOutcome> {
    const outcome = await transact(this.db, [changePart(this.table, current, fields), ...parts, ...(audit ? [part('audit', auditPut(this.table, audit))] : [])]);
    if (outcome.ok) return 'saved';
    if (outcome.failed.includes('child') || outcome.conflict) return 'stale';
    if (outcome.failed.some((l) => l.startsWith('group:'))) return 'group_missing';
    if (outcome.failed.includes('guardian')) return 'guardian_missing';
    return 'stale';
  }

  /**
   * Changes profile fields, the groups (and with them the membership items and the copies on the
   * guardian links) and the history, on condition that the child is as read.
   */
  async update(current: ChildRecord, next: ChildRecord, audit?: AuditEntry): Promise<ChangeOutcome> {
    const groupsChanged = next.groupIds.join('\n') !== current.groupIds.join('\n');
    const fields = { displayName: next.displayName, birthDate: next.birthDate, groupIds: next.groupIds, safeguarding: next.safeguarding, history: next.history, updatedAt: next.updatedAt };
    return this.save(
      current,
      fields,
      groupsChanged
        ? [
            ...this.membershipParts(current.childId, current.groupIds, next.groupIds),
            ...this.linkRefreshParts(next),
          ]
        : [],
      audit,
    );
  }

  /** Ends the enrolment as `next` records it; the guardians' links carry the end to their feeds. */
  async end(current: ChildRecord, next: ChildRecord, audit?: AuditEntry): Promise<ChangeOutcome> {
    return this.save(current, { status: next.status, endDate: next.endDate, history: next.history, updatedAt: next.updatedAt }, this.linkRefreshParts(next), audit);
  }

  /** Links (or relinks) a guardian; the link item serves "children of a guardian", the copy on the child serves the rules. */
  async linkGuardian(current: ChildRecord, next: ChildRecord, guardianId: string, audit?: AuditEntry): Promise<ChangeOutcome> {
    const link = next.guardians[guardianId];
    if (!link) throw new Error('the link to write is not on the child');
    return this.save(
      current,
      { guardians: next.guardians, history: next.history, updatedAt: next.updatedAt },
      [
        part('guardian', { ConditionCheck: { TableName: this.table, Key: keys.guardian(guardianId), ConditionExpression: 'attribute_exists(PK)' } }),
        part(`link:${guardianId}`, { Put: { TableName: this.table, Item: this.linkItem(next, guardianId, link) } }),
      ],
      audit,
    );
  }

  async unlinkGuardian(current: ChildRecord, next: ChildRecord, guardianId: string, audit?: AuditEntry): Promise<ChangeOutcome> {
    return this.save(
      current,
      { guardians: next.guardians, history: next.history, updatedAt: next.updatedAt },
      [part(`link:${guardianId}`, { Delete: { TableName: this.table, Key: primaryKey(keys.guardianLink(current.childId, guardianId)) } })],
      audit,
    );
  }
}
