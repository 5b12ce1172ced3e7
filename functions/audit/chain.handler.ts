/**
 * The table's stream, filtered in AWS to new pending audit entries: links them into their month's
 * chain (with anything else still pending). Failing throws, so that the batch is retried; the
 * entries stay pending meanwhile and the daily sweep links them too.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBStreamEvent } from 'aws-lambda';
import type { AuditEntry } from '../shared/audit';
import { logger } from '../shared/logger';
import { getRuntime } from '../shared/runtime';
import { chainPending } from './chainer';

const rt = getRuntime();

export async function lambdaHandler(event: DynamoDBStreamEvent): Promise<{ linked: number }> {
  const hints: AuditEntry[] = [];
  for (const record of event.Records ?? []) {
    const image = record.dynamodb?.NewImage;
    if (record.eventName !== 'INSERT' || !image) continue;
    const item = unmarshall(image as Record<string, AttributeValue>);
    if (item.entityType === 'AuditPending') hints.push(item.entry as AuditEntry);
  }
  const result = await chainPending(rt, hints);
  return { linked: result.linked };
}

export const handler = middy(lambdaHandler).use(injectLambdaContext(logger, { resetKeys: true }));
