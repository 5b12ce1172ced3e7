/**
 * S3 `ObjectCreated` on the upload prefix: completes the upload even when the tablet crashed after
 * uploading. The same completion as `POST /media/{id}/complete`; both are idempotent.
 */
import middy from '@middy/core';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import type { Context, S3Event } from 'aws-lambda';
import { mediaIdOfUploadKey } from '../shared/bucket-layout';
import { HttpError } from '../shared/errors';
import { logger } from '../shared/logger';
import { systemContext } from '../shared/audit';
import { getRuntime } from '../shared/runtime';
import { completeUpload } from './service';

const rt = getRuntime();

export async function lambdaHandler(event: S3Event, context: Pick<Context, 'awsRequestId'>): Promise<void> {
  for (const record of event.Records ?? []) {
    if (!record.eventName?.startsWith('ObjectCreated')) continue;
    // S3 URL-encodes keys in notifications, with '+' for spaces.
    const key = decodeURIComponent(record.s3.object.key.replace(/\+/g, ' '));
    const mediaId = mediaIdOfUploadKey(key);
    if (!mediaId) continue;
    try {
      await completeUpload(rt, 'system', mediaId, systemContext('upload-event', context.awsRequestId));
    } catch (err) {
      // A refusal or an item that is gone is an answer, not a failure to retry.
      if (err instanceof HttpError) logger.info('upload not completed', { mediaId, code: err.code });
      else throw err;
    }
  }
}

export const handler = middy(lambdaHandler).use(injectLambdaContext(logger, { resetKeys: true }));
