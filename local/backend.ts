/**
 * Wires the local backend together on given engines: table and bucket, token issuer, the
 * functions' environment, the HTTP adapter. Used by `npm start` and by the integration tests.
 */
import { freePort } from './engines';
import { startLocalIssuer, type LocalIssuer } from './issuer';
import { startLocalApi, type LocalApi } from './server';
import { LOCAL_CREDENTIALS, LOCAL_REGION, ensureBucket, ensureTable } from './storage';
import { randomUUID } from 'node:crypto';
import type { Role } from '../functions/shared/auth';
import { OBJECT_CREATED_HANDLER } from '../functions/routes';

export interface BackendOptions {
  dynamoEndpoint: string;
  s3Endpoint?: string;
  tableName: string;
  bucketName?: string;
  apiPort?: number;
  issuerPort?: number;
  issuerKeyFile?: string;
  users?: Record<string, Role>;
  agePolicy?: 'youth-care' | 'uavg';
  noticeVersion?: string;
  /** S3 event notifications of the local S3 server, delivered to the same handler S3 invokes in AWS. */
  s3Events?: (listener: (event: unknown) => void) => void;
}

export interface LocalBackend {
  url: string;
  issuer: LocalIssuer;
  api: LocalApi;
  stop: () => Promise<void>;
}

export async function startBackend(options: BackendOptions): Promise<LocalBackend> {
  await ensureTable(options.dynamoEndpoint, options.tableName);
  if (options.s3Endpoint && options.bucketName) await ensureBucket(options.s3Endpoint, options.bucketName);
  const issuer = await startLocalIssuer({
    port: options.issuerPort ?? (await freePort()),
    ...(options.issuerKeyFile ? { keyFile: options.issuerKeyFile } : {}),
    ...(options.users ? { users: options.users } : {}),
  });
  Object.assign(process.env, {
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    TABLE_NAME: options.tableName,
    DYNAMODB_ENDPOINT: options.dynamoEndpoint,
    AGE_POLICY: options.agePolicy ?? 'youth-care',
    NOTICE_VERSION: options.noticeVersion ?? '2026-09',
    JWT_ISSUER: issuer.issuer,
    JWT_JWKS_URI: issuer.jwksUri,
    JWT_CLIENT_IDS: issuer.clientId,
    POWERTOOLS_SERVICE_NAME: 'beeldtoestemming-local',
    ...(options.s3Endpoint && options.bucketName ? { S3_ENDPOINT: options.s3Endpoint, BUCKET_NAME: options.bucketName } : {}),
  });
  const api = await startLocalApi(options.apiPort ?? (await freePort()));
  if (options.s3Events) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the environment is set
    const { handler } = require(`../functions/${OBJECT_CREATED_HANDLER}.handler`) as { handler: (e: unknown, c: unknown) => Promise<void> };
    options.s3Events((event) => {
      handler(event, { awsRequestId: randomUUID(), functionName: 'local-MediaObjectCreated' }).catch((err: Error) =>
        console.error(JSON.stringify({ level: 'ERROR', message: 'object-created handler failed', error: err.name })),
      );
    });
  }
  return {
    url: api.url,
    issuer,
    api,
    stop: async () => {
      await api.stop();
      await issuer.stop();
    },
  };
}
