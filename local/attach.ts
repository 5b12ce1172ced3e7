/**
 * Attaches a command-line tool (`npm run sweep`, `npm run audit:verify`) to the backend that
 * `npm start` runs: its DynamoDB Local and s3rver ports (BT_DYNAMODB_PORT, BT_S3_PORT), the same
 * table and bucket (BT_TABLE_NAME, BT_BUCKET_NAME, for the tests), and the organisation it runs
 * with (the copy `npm start` keeps in its data folder, BT_DATA_DIR). Returns the functions'
 * runtime, configured exactly as the running backend's: the same function environment.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { DEFAULT_CONFIG_FILE, readOrganisationConfig } from '../infra/config';
import { FOOTAGE_ENVIRONMENT, functionEnvironment } from '../infra/function-environment';
import type { Runtime } from '../functions/shared/runtime';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './storage';

/** Where `npm start` keeps the settings it runs with, for the tools that attach to it. */
export const ORGANISATION_COPY = 'organisation.json';

export function dataDir(): string {
  return path.resolve(process.env.BT_DATA_DIR ?? '.local-data');
}

export async function attachToLocalBackend(): Promise<Runtime> {
  const dynamo = `http://127.0.0.1:${process.env.BT_DYNAMODB_PORT ?? 8000}`;
  const s3 = `http://127.0.0.1:${process.env.BT_S3_PORT ?? 4569}`;
  const reachable = await fetch(dynamo).then(
    () => true,
    () => false,
  );
  if (!reachable) throw new Error(`DynamoDB Local is not running at ${dynamo}: start the backend with \`npm start\` first`);
  const copy = path.join(dataDir(), ORGANISATION_COPY);
  const organisation = readOrganisationConfig(existsSync(copy) ? copy : DEFAULT_CONFIG_FILE, path.join(__dirname, '..'));
  Object.assign(process.env, {
    // These tools verify no tokens; the runtime only needs a well-formed setting.
    ...functionEnvironment(organisation, JSON.stringify([{ issuer: 'http://127.0.0.1/unused', jwksUri: 'http://127.0.0.1/unused', clientIds: ['unused'], roles: ['admin'] }])),
    ...FOOTAGE_ENVIRONMENT,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    TABLE_NAME: process.env.BT_TABLE_NAME ?? 'beeldtoestemming-local',
    DYNAMODB_ENDPOINT: dynamo,
    BUCKET_NAME: process.env.BT_BUCKET_NAME ?? 'beeldtoestemming-local-media',
    S3_ENDPOINT: s3,
    POWERTOOLS_LOG_LEVEL: process.env.POWERTOOLS_LOG_LEVEL ?? 'WARN',
  });
  const { getRuntime } = await import('../functions/shared/runtime');
  return getRuntime();
}
