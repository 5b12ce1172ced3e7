/**
 * The table's stream, filtered to new withdrawal events in AWS: propagate each. A failed record
 * is reported alone, so the rest of the batch is not retried; the sweep is the backstop.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { Context, DynamoDBBatchResponse, DynamoDBStreamEvent } from 'aws-lambda';
import { systemContext } from '../shared/audit';
import { loggableError, logger } from '../shared/logger';
import { eventFromItem } from '../shared/repositories/consent-ledger';
import { getRuntime } from '../shared/runtime';
import { propagateWithdrawal } from './service';

const rt = getRuntime();

export async function lambdaHandler(event: DynamoDBStreamEvent, context: Pick<Context, 'awsRequestId'>): Promise<DynamoDBBatchResponse> {
  const ctx = systemContext('withdrawal', context.awsRequestId);
  const batchItemFailures: { itemIdentifier: string }[] = [];
  for (const record of event.Records ?? []) {
    const image = record.dynamodb?.NewImage;
    if (record.eventName !== 'INSERT' || !image) continue;
    const item = unmarshall(image as Record<string, AttributeValue>);
    if (item.entityType !== 'ConsentEvent' || item.decision !== 'withdrawn') continue;
    try {
      // The new image is the stored event: validated like every record read from the table.
      await propagateWithdrawal(rt, eventFromItem(item), ctx);
    } catch (err) {
      logger.error('withdrawal propagation failed', { eventId: item.eventId, error: loggableError(err) });
      batchItemFailures.push({ itemIdentifier: record.dynamodb?.SequenceNumber ?? '' });
    }
  }
  return { batchItemFailures };
}

export const handler = middy(lambdaHandler).use(injectLambdaContext(logger, { resetKeys: true }));
