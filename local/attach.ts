/**
 * Attaches a command-line tool (`npm run sweep`, `npm run audit:verify`) to the backend that
 * `npm start` runs: its DynamoDB Local and s3rver ports (BT_DYNAMODB_PORT, BT_S3_PORT), the same
 * table and bucket (BT_TABLE_NAME, BT_BUCKET_NAME, for the tests). Returns the functions'
 * runtime, configured exactly as the running backend's.
 */
import type { Runtime } from '../functions/shared/runtime';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './storage';

export async function attachToLocalBackend(): Promise<Runtime> {
  const dynamo = `http://127.0.0.1:${process.env.BT_DYNAMODB_PORT ?? 8000}`;
  const s3 = `http://127.0.0.1:${process.env.BT_S3_PORT ?? 4569}`;
  const reachable = await fetch(dynamo).then(
    () => true,
    () => false,
  );
  if (!reachable) throw new Error(`DynamoDB Local is not running at ${dynamo}: start the backend with \`npm start\` first`);
  Object.assign(process.env, {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    TABLE_NAME: process.env.BT_TABLE_NAME ?? 'beeldtoestemming-local',
    DYNAMODB_ENDPOINT: dynamo,
    BUCKET_NAME: process.env.BT_BUCKET_NAME ?? 'beeldtoestemming-local-media',
    S3_ENDPOINT: s3,
    NOTICE_VERSION: 'local',
    // These tools verify no tokens; the runtime only needs a well-formed setting.
    JWT_ISSUERS: JSON.stringify([{ issuer: 'http://127.0.0.1/unused', jwksUri: 'http://127.0.0.1/unused', clientIds: ['unused'], roles: ['admin'] }]),
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
  });
  const { getRuntime } = await import('../functions/shared/runtime');
  return getRuntime();
}
