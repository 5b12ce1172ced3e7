/**
 * Retried requests (`Idempotency-Key`): a POST that creates something may carry a key chosen by the
 * app; the first request's answer is stored in the same transaction as its effect, so that the
 * same key and body gives the same answer and one effect, however often and however concurrently
 * it is sent. The same key with another body (or on another route) is refused with 409. Keys are
 * scoped to the caller and kept for at least a day (the table's time to live removes them after).
 */
import { createHash } from 'node:crypto';
import { GetCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import * as z from 'zod';
import type { Principal } from './auth';
import { ConflictError, ValidationError } from './errors';
import { keys } from './keys';
import { TTL_ATTRIBUTE } from './table-design';
import { part, type Part } from './transact';

export const IDEMPOTENCY_HEADER = 'Idempotency-Key';

/** How long a key is kept: at least 24 hours, promised to the apps. */
export const IDEMPOTENCY_TTL_SECONDS = 25 * 60 * 60;

const KEY_PATTERN = /^[A-Za-z0-9._:-]{1,100}$/;

/** A request that claims a key: who, which key, for which operation and body. */
export interface IdempotencyClaim {
  scope: string;
  key: string;
  operation: string;
  fingerprint: string;
}

export interface StoredAnswer {
  status: number;
  body: unknown;
}

/** Thrown by a service whose transaction found the key taken by a concurrent request: the endpoint answers with that request's answer. */
export class DuplicateRequest extends Error {
  constructor() {
    super('the idempotency key was used by a concurrent request');
    this.name = 'DuplicateRequest';
  }
}

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, v]) => [k, canonical(v)]));
  }
  return value;
}

/** The claim of a request with the header, or undefined without it; a malformed key is a 400. */
export function claimOf(header: string | undefined, principal: Principal, operation: string, request: { params: unknown; body: unknown }): IdempotencyClaim | undefined {
  if (header === undefined) return undefined;
  if (!KEY_PATTERN.test(header)) throw new ValidationError(IDEMPOTENCY_HEADER, 'must be 1-100 letters, digits, or . _ : -');
  const fingerprint = createHash('sha256').update(JSON.stringify(canonical({ operation, params: request.params, body: request.body }))).digest('hex');
  return { scope: `${principal.role}:${principal.userId}`, key: header, operation, fingerprint };
}

const storedSchema = z.object({ operation: z.string(), fingerprint: z.string(), status: z.number().int(), answer: z.string() });

/** The write that stores the first answer under its key, in the transaction of its effect; it fails when the key is taken. */
export function idempotencyPart(table: string, claim: IdempotencyClaim, answer: StoredAnswer, now: Date): Part<'idempotency'> {
  return part('idempotency', {
    Put: {
      TableName: table,
      Item: {
        ...keys.idempotency(claim.scope, claim.key),
        entityType: 'IdempotencyKey',
        operation: claim.operation,
        fingerprint: claim.fingerprint,
        status: answer.status,
        // As JSON: the answer comes back exactly as it was given.
        answer: JSON.stringify(answer.body ?? null),
        createdAt: now.toISOString(),
        [TTL_ATTRIBUTE]: Math.floor(now.getTime() / 1000) + IDEMPOTENCY_TTL_SECONDS,
      },
      ConditionExpression: 'attribute_not_exists(PK)',
    },
  });
}

export class IdempotencyRepository {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly table: string,
  ) {}

  /**
   * The answer stored for this claim's key: the same answer for the same request, 409
   * `idempotency_key_reused` for another; undefined when the key is new.
   */
  async replay(claim: IdempotencyClaim): Promise<StoredAnswer | undefined> {
    const out = await this.db.send(new GetCommand({ TableName: this.table, Key: keys.idempotency(claim.scope, claim.key), ConsistentRead: true }));
    if (!out.Item) return undefined;
    const stored = storedSchema.parse(out.Item);
    if (stored.operation !== claim.operation || stored.fingerprint !== claim.fingerprint) {
      throw new ConflictError('idempotency_key_reused', 'This Idempotency-Key was used for another request; use a new key for a new request');
    }
    return { status: stored.status, body: JSON.parse(stored.answer) as unknown };
  }
}

/** The parts that remember an answer for a claimed key (none without a key), for the effect's transaction. */
export function answerParts(table: string, claim: IdempotencyClaim | undefined, answer: StoredAnswer, now: Date): Part<'idempotency'>[] {
  return claim ? [idempotencyPart(table, claim, answer, now)] : [];
}
