/** Starts DynamoDB Local (in memory) and s3rver once for the whole integration run. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startDynamoDbLocal, startS3rver, type Engine } from '../../local/engines';

declare global {
  var __ENGINES__: Engine[] | undefined;
}

export default async function globalSetup(): Promise<void> {
  const [dynamo, s3] = await Promise.all([
    startDynamoDbLocal(),
    startS3rver({ directory: mkdtempSync(path.join(tmpdir(), 'bt-s3-')) }),
  ]);
  globalThis.__ENGINES__ = [dynamo, s3];
  process.env.TEST_DYNAMODB_ENDPOINT = dynamo.endpoint;
  process.env.TEST_S3_ENDPOINT = s3.endpoint;
}
