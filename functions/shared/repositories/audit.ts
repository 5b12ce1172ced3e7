/**
 * The audit trail in the table: pending entries (written with the actions they record), the month
 * chains of linked entries with their heads, and per-subject references that make the trail of a
 * child or an item readable page by page.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { GetCommand, PutCommand, QueryCommand, TransactWriteCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ChainVerifier, type ChainReport } from '../../domain/audit-chain';
import { auditPut, type AuditEntry, type AuditLink } from '../audit';
import { decodeCursor, encodeCursor } from '../cursor';
import { batchGetAll, queryAll, queryList } from '../dynamo';
import { keys, withoutKeys } from '../keys';
import { GSI1, GSI2 } from '../table-design';

/** DynamoDB's limit of actions in one transaction. */
export const MAX_TRANSACTION_ACTIONS = 100;

/** Whose trail: a child's or a media item's, kept in that subject's own partition. */
export type AuditSubject = { kind: 'child'; childId: string } | { kind: 'media'; mediaId: string };

export const subjectPk = {
  child: (childId: string) => keys.child(childId).PK,
  media: (mediaId: string) => keys.media(mediaId).PK,
};

const pkOf = (s: AuditSubject): string => (s.kind === 'child' ? subjectPk.child(s.childId) : subjectPk.media(s.mediaId));
const concerns = (s: AuditSubject, link: AuditLink): boolean =>
  s.kind === 'child' ? link.childIds.includes(s.childId) : link.mediaId === s.mediaId;

/** Transaction actions linking one entry takes: the link, the pending entry's removal and one reference per subject. */
export function linkActions(entry: AuditEntry): number {
  return 2 + entry.childIds.length + (entry.mediaId ? 1 : 0);
}

export interface ChainHead {
  seq: number;
  hash: string;
}

export interface TrailPage {
  entries: AuditLink[];
  /** References whose linked entry is no longer in the table: a sign of tampering that `verify` reports too. */
  missing: { month: string; seq: number }[];
  cursor?: string;
}

const linkFrom = (raw: Record<string, unknown>): AuditLink => withoutKeys<AuditLink>(raw);

export class AuditRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /**
   * Stores pending entries that belong to no other write (issued download URLs): all of them or
   * none, up to a transaction's 100; larger sets go in consecutive transactions.
   */
  async record(entries: readonly AuditEntry[]): Promise<void> {
    if (entries.length === 1) {
      await this.db.send(new PutCommand(auditPut(this.table, entries[0]!).Put));
      return;
    }
    for (let i = 0; i < entries.length; i += MAX_TRANSACTION_ACTIONS) {
      await this.db.send(
        new TransactWriteCommand({ TransactItems: entries.slice(i, i + MAX_TRANSACTION_ACTIONS).map((e) => auditPut(this.table, e)) }),
      );
    }
  }

  /** Every entry still waiting to be linked, oldest first (an eventually consistent index). */
  async *pending(): AsyncGenerator<AuditEntry> {
    const items = queryAll(this.db, {
      TableName: this.table,
      IndexName: GSI2.indexName,
      KeyConditionExpression: 'GSI2PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.auditPendingIndex('', '').GSI2PK },
    });
    for await (const item of items) yield item.entry as AuditEntry;
  }

  /** How many entries wait to be linked. */
  async countPending(): Promise<number> {
    let n = 0;
    for await (const _entry of this.pending()) n++;
    return n;
  }

  /** Whether an entry is still pending (a consistent read: the index may lag). */
  async isPending(entryId: string): Promise<boolean> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.auditPending(entryId), ConsistentRead: true }));
    return out.Item !== undefined;
  }

  async head(month: string): Promise<ChainHead | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.auditHead(month), ConsistentRead: true }));
    return out.Item ? { seq: Number(out.Item.seq), hash: String(out.Item.hash) } : undefined;
  }

  /**
   * Appends `links` (built on top of `head`) to the month's chain in one transaction: the links,
   * the removal of their pending entries, a reference per child and item, and the new head,
   * conditional on the head still being `head` and every entry still pending. `conflict` when
   * another chainer moved first; nothing is written then.
   */
  async append(month: string, head: ChainHead | undefined, links: readonly AuditLink[]): Promise<'appended' | 'conflict'> {
    const last = links.at(-1);
    if (!last) return 'appended';
    const refs = links.flatMap((l) => [
      ...l.childIds.map((c) => subjectPk.child(c)),
      ...(l.mediaId ? [subjectPk.media(l.mediaId)] : []),
    ].map((pk) => ({
      Put: {
        TableName: this.table,
        Item: { ...keys.auditRef(pk, l.at, l.entryId), entityType: 'AuditRef', month: l.month, seq: l.seq },
      },
    })));
    try {
      await this.db.send(
        new TransactWriteCommand({
          TransactItems: [
            {
              Put: {
                TableName: this.table,
                Item: { ...keys.auditHead(month), ...keys.auditHeadIndex(month), entityType: 'AuditHead', month, seq: last.seq, hash: last.hash, updatedAt: last.chainedAt },
                ...(head
                  ? { ConditionExpression: 'seq = :seq', ExpressionAttributeValues: { ':seq': head.seq } }
                  : { ConditionExpression: 'attribute_not_exists(PK)' }),
              },
            },
            ...links.flatMap((l) => [
              { Put: { TableName: this.table, Item: { ...keys.auditLink(month, l.seq), entityType: 'AuditLink', ...l }, ConditionExpression: 'attribute_not_exists(PK)' } },
              { Delete: { TableName: this.table, Key: keys.auditPending(l.entryId), ConditionExpression: 'attribute_exists(PK)' } },
            ]),
            ...refs,
          ],
        }),
      );
      return 'appended';
    } catch (err) {
      if (err instanceof TransactionCanceledException) {
        const codes = (err.CancellationReasons ?? []).map((r) => r.Code);
        if (codes.some((c) => c === 'ConditionalCheckFailed' || c === 'TransactionConflict')) return 'conflict';
      }
      throw err;
    }
  }

  /** A month's links in sequence order. */
  private linksOf(month: string, consistent: boolean): AsyncGenerator<Record<string, unknown>> {
    return queryAll(this.db, {
      TableName: this.table,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.auditHead(month).PK, ':prefix': keys.auditLinkPrefix },
      ConsistentRead: consistent,
    });
  }

  /** Every month that has a chain, oldest first. */
  async months(): Promise<string[]> {
    const heads = await queryList(this.db, {
      TableName: this.table,
      IndexName: GSI1.indexName,
      KeyConditionExpression: 'GSI1PK = :pk',
      ExpressionAttributeValues: { ':pk': keys.auditHeadIndex('').GSI1PK },
    });
    return heads.map((i) => String(i.month));
  }

  /**
   * Recomputes a month's chain from the table, link by link in sequence order, and compares its
   * end with the head. Reads stop at the first break.
   */
  async verifyMonth(month: string): Promise<ChainReport> {
    const verifier = new ChainVerifier(month);
    // The head first, then the links up to it. A link and the head that names it are written in one
    // transaction, so every link up to the head read is there; links added after it (linking goes
    // on meanwhile) are left to the next verification. Reading the links first and the head after
    // reported an intact chain as broken (head_mismatch) whenever a link was added in between.
    const head = await this.head(month);
    // Stops reading at the first break: leaving the loop ends the query.
    for await (const item of this.linksOf(month, true)) {
      if (head && Number(item.seq) > head.seq) break;
      if (!verifier.push(withoutKeys(item))) break;
    }
    return verifier.finish(head);
  }

  /**
   * The trail references a month's links should have and that are missing (deleted: the link's
   * entry then no longer shows in that child's or item's trail). Reads every link and reference.
   */
  async missingReferences(month: string): Promise<{ seq: number; subject: string }[]> {
    const expected: { seq: number; subject: string; key: { PK: string; SK: string } }[] = [];
    for await (const raw of this.linksOf(month, false)) {
      const l = linkFrom(raw);
      const subjects = [...l.childIds.map((c) => subjectPk.child(c)), ...(l.mediaId ? [subjectPk.media(l.mediaId)] : [])];
      for (const pk of subjects) expected.push({ seq: l.seq, subject: pk, key: keys.auditRef(pk, l.at, l.entryId) });
    }
    const found = new Set((await batchGetAll(this.db, this.table, expected.map((e) => e.key))).map((i) => `${String(i.PK)} ${String(i.SK)}`));
    return expected.filter((e) => !found.has(`${e.key.PK} ${e.key.SK}`)).map(({ seq, subject }) => ({ seq, subject }));
  }

  /** The query for a subject's trail references, oldest first. */
  private refsQuery(subject: AuditSubject) {
    return {
      TableName: this.table,
      KeyConditionExpression: 'PK = :pk AND begins_with(SK, :prefix)',
      ExpressionAttributeValues: { ':pk': pkOf(subject), ':prefix': keys.auditRefPrefix },
    };
  }

  /** A page of a subject's trail, newest first, with the linked entries themselves. */
  async trail(subject: AuditSubject, cursor: string | undefined, limit: number): Promise<TrailPage> {
    const out = await this.db.send(
      new QueryCommand({ ...this.refsQuery(subject), ScanIndexForward: false, ExclusiveStartKey: decodeCursor(cursor, { PK: pkOf(subject), SK: { prefix: keys.auditRefPrefix } }), Limit: limit }),
    );
    const next = encodeCursor(out.LastEvaluatedKey);
    return { ...(await this.resolve(subject, out.Items ?? [])), ...(next ? { cursor: next } : {}) };
  }

  /** A subject's whole trail, oldest first (for an export). */
  async fullTrail(subject: AuditSubject): Promise<Omit<TrailPage, 'cursor'>> {
    return this.resolve(subject, await queryList(this.db, this.refsQuery(subject)));
  }

  /** Whether a subject has any trail at all (a child or an item that existed). */
  async hasTrail(subject: AuditSubject): Promise<boolean> {
    const out = await this.db.send(new QueryCommand({ ...this.refsQuery(subject), Limit: 1 }));
    return (out.Items ?? []).length > 0;
  }

  /**
   * The linked entries references point to, in the references' order. A reference is only an
   * index: a link it names that is gone, or that does not concern the subject, is reported missing.
   */
  private async resolve(subject: AuditSubject, refs: readonly Record<string, unknown>[]): Promise<Omit<TrailPage, 'cursor'>> {
    const wanted = refs.map((r) => ({ month: String(r.month), seq: Number(r.seq) }));
    const unique = [...new Map(wanted.map((w) => [`${w.month}#${w.seq}`, w])).values()];
    const found = new Map(
      (await batchGetAll(this.db, this.table, unique.map((w) => keys.auditLink(w.month, w.seq))))
        .map(linkFrom)
        .filter((link) => concerns(subject, link))
        .map((link) => [`${link.month}#${link.seq}`, link] as const),
    );
    return {
      entries: wanted.flatMap((w) => found.get(`${w.month}#${w.seq}`) ?? []),
      missing: wanted.filter((w) => !found.has(`${w.month}#${w.seq}`)),
    };
  }
}
