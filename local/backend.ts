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
import { marshall } from '@aws-sdk/util-dynamodb';
import type { ConsentEvent } from '../functions/domain/consent';
import { OBJECT_CREATED_HANDLER, WITHDRAWAL_STREAM_HANDLER } from '../functions/routes';
import { keys } from '../functions/shared/keys';
import { AuditRepository } from '../functions/shared/repositories/audit';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';

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
  /** false: do not hand withdrawals to the stream handler (to test the sweep's backstop). */
  propagateWithdrawals?: boolean;
  /** S3 event notifications of the local S3 server, delivered to the same handler S3 invokes in AWS. */
  s3Events?: (listener: (event: unknown) => void) => void;
  /** false: leave audit entries pending (to test the sweep's backstop and the chainer's faults). */
  chainAudit?: boolean;
}

export interface LocalBackend {
  url: string;
  issuer: LocalIssuer;
  api: LocalApi;
  /**
   * Resolves when every withdrawal handed to the stream handler so far has been processed and
   * every audit entry written so far is linked into its chain.
   */
  settled: () => Promise<void>;
  stop: () => Promise<void>;
}

const DECISION_HANDLERS = ['consent/record-decision', 'consent/record-paper-decision'];

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
    JWT_ISSUERS: JSON.stringify(issuer.settings),
    POWERTOOLS_SERVICE_NAME: 'beeldtoestemming-local',
    // No CloudWatch here: metrics would only be printed.
    POWERTOOLS_METRICS_DISABLED: 'true',
    ...(options.s3Endpoint && options.bucketName ? { S3_ENDPOINT: options.s3Endpoint, BUCKET_NAME: options.bucketName } : {}),
  });
  // In AWS the table's stream delivers each new withdrawal to the propagation function; here the
  // adapter hands the same record, shaped as a stream record, to the same handler.
  const inFlight = new Set<Promise<unknown>>();
  // The chainer is a function of its own in AWS, with its own client: here too, so that what a
  // request costs is counted without it.
  const chainer = {
    audit: new AuditRepository(DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: options.dynamoEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }), { marshallOptions: { removeUndefinedValues: true } }), options.tableName),
    now: () => new Date(),
  };
  // In AWS the table's stream hands each new pending audit entry to the chainer; here it runs after
  // every request and background job, one run at a time, again if asked while running.
  let chaining: Promise<void> | undefined;
  let chainAgain = false;
  // Set by stop(): background work still running is awaited, none is started after it.
  let stopping = false;
  const chain = (): Promise<void> => {
    if (options.chainAudit === false || stopping) return chaining ?? Promise.resolve();
    if (chaining) {
      chainAgain = true;
      return chaining;
    }
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the environment is set
    const { chainPending } = require('../functions/audit/chainer') as typeof import('../functions/audit/chainer');
    chaining = (async () => {
      do {
        chainAgain = false;
        await chainPending(chainer).catch((err: Error) =>
          console.error(JSON.stringify({ level: 'ERROR', message: 'audit chaining failed', error: err.name })),
        );
      } while (chainAgain);
    })().finally(() => {
      chaining = undefined;
    });
    return chaining;
  };
  let streamHandler: ((e: unknown, c: unknown) => Promise<unknown>) | undefined;
  const api = await startLocalApi(options.apiPort ?? (await freePort()), (route, result) => {
    void chain();
    if (stopping || options.propagateWithdrawals === false || !DECISION_HANDLERS.includes(route.handler) || result.statusCode !== 201) return;
    const event = (JSON.parse(result.body ?? '{}') as { event?: ConsentEvent }).event;
    if (!event || event.decision !== 'withdrawn') return;
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the environment is set
    streamHandler ??= (require(`../functions/${WITHDRAWAL_STREAM_HANDLER}.handler`) as { handler: typeof streamHandler }).handler;
    const record = {
      eventName: 'INSERT',
      dynamodb: {
        SequenceNumber: event.eventId,
        NewImage: marshall({ ...keys.consentEvent(event.childId, event.at, event.eventId), entityType: 'ConsentEvent', ...event }, { removeUndefinedValues: true }),
      },
    };
    const run = streamHandler!({ Records: [record] }, { awsRequestId: randomUUID(), functionName: 'local-WithdrawalOnLedgerChange' })
      .catch((err: Error) => console.error(JSON.stringify({ level: 'ERROR', message: 'withdrawal propagation failed', error: err.name })))
      .finally(() => {
        inFlight.delete(run);
        void chain();
      });
    inFlight.add(run);
  });
  if (options.s3Events) {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded after the environment is set
    const { handler } = require(`../functions/${OBJECT_CREATED_HANDLER}.handler`) as { handler: (e: unknown, c: unknown) => Promise<void> };
    options.s3Events((event) => {
      if (stopping) return;
      const run = handler(event, { awsRequestId: randomUUID(), functionName: 'local-MediaObjectCreated' })
        .catch((err: Error) => console.error(JSON.stringify({ level: 'ERROR', message: 'object-created handler failed', error: err.name })))
        .finally(() => {
          inFlight.delete(run);
          void chain();
        });
      inFlight.add(run);
    });
  }
  const settled = async (): Promise<void> => {
    while (inFlight.size > 0) await Promise.all([...inFlight]);
    await chain();
  };
  return {
    url: api.url,
    issuer,
    api,
    settled,
    // Requests first, then the work they started (a withdrawal's propagation, an upload's
    // completion, the chainer), so that nothing runs, or logs, after its engines are gone.
    stop: async () => {
      await api.stop();
      await settled();
      stopping = true;
      await settled();
      await issuer.stop();
    },
  };
}
