/**
 * Transactions whose parts have names: when DynamoDB cancels one, the caller learns which named
 * parts failed their condition (and whether it was a conflict with another transaction), never a
 * position in a list that a later change could shift.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { TransactWriteCommand, type DynamoDBDocumentClient, type TransactWriteCommandInput } from '@aws-sdk/lib-dynamodb';

export type TransactItem = NonNullable<TransactWriteCommandInput['TransactItems']>[number];

/** One write or check of a transaction, with the name its outcome is reported by. */
export interface Part<L extends string = string> {
  label: L;
  item: TransactItem;
}

export type TransactOutcome<L extends string = string> =
  | { ok: true }
  /** `failed`: the parts whose condition did not hold; `conflict`: another transaction touched one of the items at the same time. */
  | { ok: false; failed: L[]; conflict: boolean };

/** DynamoDB's limit on the actions of one transaction. */
export const MAX_TRANSACTION_ITEMS = 100;

export const part = <L extends string>(label: L, item: TransactItem): Part<L> => ({ label, item });

/** Runs the parts as one transaction; a cancellation becomes an outcome, anything else is thrown. */
export async function transact<L extends string>(db: DynamoDBDocumentClient, parts: readonly Part<L>[]): Promise<TransactOutcome<L>> {
  if (parts.length > MAX_TRANSACTION_ITEMS) throw new Error(`a transaction of ${parts.length} parts is more than DynamoDB takes`);
  try {
    await db.send(new TransactWriteCommand({ TransactItems: parts.map((p) => p.item) }));
    return { ok: true };
  } catch (err) {
    if (!(err instanceof TransactionCanceledException)) throw err;
    const reasons = err.CancellationReasons ?? [];
    const failed = parts.filter((_, i) => reasons[i]?.Code === 'ConditionalCheckFailed').map((p) => p.label);
    const conflict = reasons.some((r) => r.Code === 'TransactionConflict');
    // Cancelled for another reason (a validation error, throughput): not an outcome of the data.
    if (failed.length === 0 && !conflict) throw err;
    return { ok: false, failed, conflict };
  }
}


/** A single conditional write (or a transaction) that failed its condition. */
export function isConditionFailure(err: unknown): boolean {
  if (err instanceof TransactionCanceledException) {
    return (err.CancellationReasons ?? []).some((r) => r.Code === 'ConditionalCheckFailed');
  }
  return (err as { name?: string })?.name === 'ConditionalCheckFailedException';
}
