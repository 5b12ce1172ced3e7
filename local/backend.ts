/**
 * Wires the local backend together on given engines: table and bucket, token issuer, the
 * functions' environment, the HTTP adapter. Used by `npm start` and by the integration tests.
 */
import { freePort } from './engines';
import { startLocalIssuer, type LocalIssuer } from './issuer';
import { startLocalApi, type LocalApi } from './server';
import { LOCAL_CREDENTIALS, LOCAL_REGION, ensureBucket, ensureTable } from './storage';
import { runInvocation } from './invocation';
import { startStreamPoller, type StreamConsumer, type StreamHandler } from './streams';
import { randomUUID } from 'node:crypto';
import type { Role } from '../functions/shared/auth';
import { AUDIT_CHAIN_HANDLER, OBJECT_CREATED_HANDLER, WITHDRAWAL_STREAM_HANDLER, handlerId } from '../functions/routes';
import { DEFAULT_CONFIG_FILE, readOrganisationConfig, type OrganisationConfig } from '../infra/config';
import { FOOTAGE_ENVIRONMENT, functionEnvironment } from '../infra/function-environment';
import { AUDIT_BATCH_SIZE, AUDIT_FILTER_PATTERN, WITHDRAWAL_BATCH_SIZE, WITHDRAWAL_FILTER_PATTERN } from '../infra/stream-filters';

export interface BackendOptions {
  dynamoEndpoint: string;
  s3Endpoint?: string;
  tableName: string;
  bucketName?: string;
  apiPort?: number;
  issuerPort?: number;
  issuerKeyFile?: string;
  users?: Record<string, Role>;
  /** The organisation's settings (retention, age policy, notice version, channels); by default the demo organisation. */
  organisation?: OrganisationConfig;
  /** Tests: another age policy than the organisation's. */
  agePolicy?: 'youth-care' | 'uavg';
  /** Tests: another notice version than the organisation's. */
  noticeVersion?: string;
  /** false: no withdrawal propagation reads the stream (to test the sweep's backstop). */
  propagateWithdrawals?: boolean;
  /** S3 event notifications of the local S3 server, delivered to the same handler S3 invokes in AWS. */
  s3Events?: (listener: (event: unknown) => void) => void;
  /** false: no chainer reads the stream; audit entries stay pending (to test the sweep's backstop and the chainer's faults). */
  chainAudit?: boolean;
}

export interface LocalBackend {
  url: string;
  issuer: LocalIssuer;
  api: LocalApi;
  /** The settings the functions run with. */
  organisation: OrganisationConfig;
  /**
   * Resolves when every record written to the table so far has been handled by the stream's
   * functions (withdrawal propagation, the chainer) and every upload notification so far by the
   * object-created function, including what those wrote in turn.
   */
  settled: () => Promise<void>;
  stop: () => Promise<void>;
}

/** A handler module, loaded after the environment is set (handlers read their configuration when first loaded). */
function loadHandler<T>(handler: string): T {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded on demand, after the environment is set
  return (require(`../functions/${handler}.handler`) as { handler: T }).handler;
}

export async function startBackend(options: BackendOptions): Promise<LocalBackend> {
  const organisation = options.organisation ?? readOrganisationConfig(DEFAULT_CONFIG_FILE, `${__dirname}/..`);
  await ensureTable(options.dynamoEndpoint, options.tableName);
  if (options.s3Endpoint && options.bucketName) await ensureBucket(options.s3Endpoint, options.bucketName);
  const issuer = await startLocalIssuer({
    port: options.issuerPort ?? (await freePort()),
    ...(options.issuerKeyFile ? { keyFile: options.issuerKeyFile } : {}),
    ...(options.users ? { users: options.users } : {}),
  });
  // The same environment the stacks give the functions (infra/function-environment.ts), plus
  // what AWS provides by itself (region, credentials) and the local engines' endpoints.
  Object.assign(process.env, {
    ...functionEnvironment(
      { ...organisation, ...(options.agePolicy ? { agePolicy: options.agePolicy } : {}), ...(options.noticeVersion ? { noticeVersion: options.noticeVersion } : {}) },
      JSON.stringify(issuer.settings),
    ),
    ...FOOTAGE_ENVIRONMENT,
    AWS_REGION: LOCAL_REGION,
    AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    TABLE_NAME: options.tableName,
    DYNAMODB_ENDPOINT: options.dynamoEndpoint,
    POWERTOOLS_SERVICE_NAME: 'beeldtoestemming-local',
    // No CloudWatch here: metrics would only be printed.
    POWERTOOLS_METRICS_DISABLED: 'true',
    ...(options.s3Endpoint && options.bucketName ? { S3_ENDPOINT: options.s3Endpoint, BUCKET_NAME: options.bucketName } : {}),
  });
  // The table's stream drives the same functions as in AWS, through the same filters.
  const consumers: StreamConsumer[] = [];
  if (options.propagateWithdrawals !== false) {
    consumers.push({ name: handlerId(WITHDRAWAL_STREAM_HANDLER), filter: WITHDRAWAL_FILTER_PATTERN, batchSize: WITHDRAWAL_BATCH_SIZE, handler: () => loadHandler<StreamHandler>(WITHDRAWAL_STREAM_HANDLER) });
  }
  if (options.chainAudit !== false) {
    consumers.push({ name: handlerId(AUDIT_CHAIN_HANDLER), filter: AUDIT_FILTER_PATTERN, batchSize: AUDIT_BATCH_SIZE, handler: () => loadHandler<StreamHandler>(AUDIT_CHAIN_HANDLER) });
  }
  const stream = await startStreamPoller({ dynamoEndpoint: options.dynamoEndpoint, tableName: options.tableName, consumers });
  const inFlight = new Set<Promise<unknown>>();
  // Set by stop(): background work still running is awaited, none is started after it.
  let stopping = false;
  // The poller reads at its interval, as Lambda polls: not after every request (each read costs
  // DynamoDB Local time that grows with its stream); settled() reads at once.
  const api = await startLocalApi(options.apiPort ?? (await freePort()), { issuerBase: issuer.base });
  if (options.s3Events) {
    const handler = loadHandler<(e: unknown, c: unknown) => Promise<void>>(OBJECT_CREATED_HANDLER);
    options.s3Events((event) => {
      if (stopping) return;
      const requestId = randomUUID();
      const run = runInvocation(requestId, () => handler(event, { awsRequestId: requestId, functionName: `local-${handlerId(OBJECT_CREATED_HANDLER)}` }))
        .catch((err: Error) => console.error(JSON.stringify({ level: 'ERROR', message: 'object-created handler failed', error: err.name })))
        .finally(() => {
          inFlight.delete(run);
          stream.nudge();
        });
      inFlight.add(run);
    });
  }
  const settled = async (): Promise<void> => {
    do {
      while (inFlight.size > 0) await Promise.all([...inFlight]);
      await stream.settled();
    } while (inFlight.size > 0);
  };
  return {
    url: api.url,
    issuer,
    api,
    organisation,
    settled,
    // Requests first, then the work they started (a withdrawal's propagation, an upload's
    // completion, the chainer), so that nothing runs, or logs, after its engines are gone.
    stop: async () => {
      await api.stop();
      await settled();
      stopping = true;
      while (inFlight.size > 0) await Promise.all([...inFlight]);
      await stream.stop();
      await issuer.stop();
    },
  };
}
