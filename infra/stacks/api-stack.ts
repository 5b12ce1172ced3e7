/**
 * Stateless side: sign-in (Cognito), the HTTP API, one function per route of `functions/routes.ts`,
 * the function S3 invokes when an upload arrives, the withdrawal function on the table's stream,
 * the daily retention sweep, and the alarms. The table and the footage bucket arrive by props from
 * the data stack.
 */
import {
  CfnOutput,
  CrossStackReferences,
  Duration,
  ReferenceStrength,
  RemovalPolicy,
  Stack,
  TimeZone,
  Validations,
  type StackProps,
} from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpLambdaAuthorizer, HttpLambdaResponseType } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { SqsDlq } from 'aws-cdk-lib/aws-lambda-event-sources';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as scheduler from 'aws-cdk-lib/aws-scheduler';
import { LambdaInvoke } from 'aws-cdk-lib/aws-scheduler-targets';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ORGANISATION_TIME_ZONE } from '../../functions/domain/calendar';
import { POOLS, type Pool } from '../../functions/shared/auth';
import { EXPORT_PREFIX, MEDIA_PREFIX, UPLOAD_PREFIX } from '../../functions/shared/bucket-layout';
import { AUTHORIZER_FAILURES_METRIC, METRICS_NAMESPACE, METRIC_SERVICES, SWEEP_COMPLETED_METRIC } from '../../functions/shared/metrics';
import {
  AUDIT_CHAIN_HANDLER,
  AUTHORIZER_HANDLER,
  OBJECT_CREATED_HANDLER,
  RECORDS_ACCESS,
  ROUTES,
  SWEEP_HANDLER,
  WITHDRAWAL_STREAM_HANDLER,
  handlerId,
} from '../../functions/routes';
import type { OrganisationConfig } from '../config';
import { Alerts } from '../constructs/alerts';
import { AppFunction, type BucketGrant, type IndexName } from '../constructs/app-function';
import { ObjectCreatedNotification } from '../constructs/object-created-notification';
import { STACK_OUTPUTS } from '../stack-outputs';
import { ACCESS_TOKEN_VALIDITY_MINUTES, ID_TOKEN_VALIDITY_MINUTES } from '../token-validity';
import { FOOTAGE_ENVIRONMENT, functionEnvironment } from '../function-environment';
import { ERASURE_LOG_RETENTION, type FootageBucketAttributes } from './data-stack';

export interface ApiStackProps extends StackProps {
  config: OrganisationConfig;
  /** The single table of the data stack; its customer-managed key comes with it. */
  table: ITableV2;
  /** The footage bucket of the data stack (name, ARN and key), imported here by its attributes. */
  bucket: FootageBucketAttributes;
  /** The data stack's key, which also encrypts every log group of this stack. */
  logKey: kms.IKey;
}

/** Completing an upload: inspect it, write the (stripped) file below media/, drop the upload. */
const COMPLETE_UPLOAD: readonly BucketGrant[] = [
  { prefix: UPLOAD_PREFIX, actions: ['s3:GetObject', 's3:DeleteObject'] },
  { prefix: MEDIA_PREFIX, actions: ['s3:PutObject'] },
];

/** Deleting an item's files: its upload and its media object (whichever exists). */
const DELETE_FOOTAGE: readonly BucketGrant[] = [
  { prefix: UPLOAD_PREFIX, actions: ['s3:DeleteObject'] },
  { prefix: MEDIA_PREFIX, actions: ['s3:DeleteObject'] },
];

/** The route that erases a child (SPEC §7). */
const ERASE_CHILD_HANDLER = 'rights/erase-child';

/** Erasing a child: its footage, and the export files of its access requests. */
const ERASE_CHILD: readonly BucketGrant[] = [...DELETE_FOOTAGE, { prefix: EXPORT_PREFIX, actions: ['s3:DeleteObject'] }];

/**
 * What each handler may do in the footage bucket, in one place. A handler listed with no grants
 * knows the bucket's name but may not touch it; a handler not listed gets neither. Every `media/`
 * handler must be listed (the stack refuses to synthesize otherwise), so that a new one gets its
 * access by a decision, not by accident.
 */
export const BUCKET_ACCESS: Readonly<Record<string, readonly BucketGrant[]>> = {
  'media/roster': [],
  'media/get-media': [],
  // Signs the pre-signed PUT; S3 authorises the upload as this function's role when it arrives.
  'media/create-upload': [{ prefix: UPLOAD_PREFIX, actions: ['s3:PutObject'] }],
  'media/complete-upload': COMPLETE_UPLOAD,
  [OBJECT_CREATED_HANDLER]: COMPLETE_UPLOAD,
  'media/delete-media': DELETE_FOOTAGE,
  // A withdrawal deletes the unpublished items left without a purpose (SPEC §5); the sweep deletes
  // what is due (SPEC §6). Neither reads, writes or lists footage.
  [WITHDRAWAL_STREAM_HANDLER]: DELETE_FOOTAGE,
  // The sweep also completes erasures that stopped halfway (SPEC §7).
  [SWEEP_HANDLER]: ERASE_CHILD,
  [ERASE_CHILD_HANDLER]: ERASE_CHILD,
  // Signs URLs of the child's footage, writes the export document and signs its URL.
  'rights/export-child': [
    { prefix: MEDIA_PREFIX, actions: ['s3:GetObject'] },
    { prefix: EXPORT_PREFIX, actions: ['s3:PutObject', 's3:GetObject'] },
  ],
  // Sign short-lived GET URLs for available footage; S3 authorises the download as this role.
  'usage/feed': [{ prefix: MEDIA_PREFIX, actions: ['s3:GetObject'] }],
  'usage/coaching': [{ prefix: MEDIA_PREFIX, actions: ['s3:GetObject'] }],
  'usage/download': [{ prefix: MEDIA_PREFIX, actions: ['s3:GetObject'] }],
};

/**
 * Indexes a handler may Query besides GSI1: GSI2 holds the due items, withdrawals, erasures and
 * audit entries waiting for the sweep and the chainer; the verification route counts the latter.
 */
export const INDEX_ACCESS: Readonly<Record<string, readonly IndexName[]>> = {
  'audit/verify': ['GSI1', 'GSI2'],
};

/**
 * Routes that may run longer than the default 10 seconds (the HTTP API waits at most 30): an
 * export reads everything held about a child; an erasure stops after 20 seconds and leaves the
 * rest to a retry or the sweep (functions/rights/erase-child.handler.ts).
 */
const LONG_ROUTES: readonly string[] = ['rights/export-child', 'rights/erase-child'];

export { UPLOAD_URL_TTL_SECONDS } from '../function-environment';

/**
 * S3 invokes the object-created function asynchronously. Two retries cover a throttle or a brief
 * DynamoDB/S3 error; what still fails lands in the dead-letter queue, and the tablet's own
 * `POST /media/{id}/complete` completes the upload anyway (both paths are idempotent).
 */
export const OBJECT_CREATED_RETRY_ATTEMPTS = 2;

/** Failures in a dead-letter queue are kept for SQS's maximum, to be looked at and redriven. */
export const DEAD_LETTER_RETENTION = Duration.days(14);

export { AUDIT_FILTER_PATTERN, WITHDRAWAL_FILTER_PATTERN } from '../stream-filters';
import { AUDIT_BATCH_SIZE, AUDIT_FILTER_PATTERN, WITHDRAWAL_BATCH_SIZE, WITHDRAWAL_FILTER_PATTERN } from '../stream-filters';

/**
 * How the table's stream reaches the withdrawal function. A batch that fails is split in two
 * (bisect) to isolate the failing record, and the handler reports failed records by sequence
 * number, so that records already propagated are not retried (they would be harmless: every step
 * is idempotent). After five retries, or six hours, the batch's position (shard and sequence
 * numbers, no record content) goes to the on-failure queue, an alarm fires, and the stream moves on.
 *
 * The sweep only finishes deletions a propagation started (items already left without a purpose);
 * it does not propagate a withdrawal itself. A batch in that queue must be propagated by hand: its
 * records can be read from the stream for 24 hours after they were written, later only from the
 * ledger. Six hours keeps a record that keeps failing well inside that window: it is reported
 * while it can still be read, never trimmed by DynamoDB without a trace. (New uses are blocked
 * meanwhile: the rules are checked at every use.)
 */
export const WITHDRAWAL_STREAM = {
  batchSize: WITHDRAWAL_BATCH_SIZE,
  retryAttempts: 5,
  maxRecordAge: Duration.hours(6),
  // Where a new mapping starts reading. TRIM_HORIZON: the oldest record still in the stream (at
  // most 24 hours back), so a withdrawal recorded while the mapping did not exist yet (the first
  // deploy, a replaced mapping) is still propagated. LATEST would skip those until the next sweep.
  // Reading a record twice is harmless: the handler is idempotent, as at-least-once delivery
  // demands anyway. Only applies when the mapping is created.
  startingPosition: lambda.StartingPosition.TRIM_HORIZON,
} as const;


/**
 * How the stream reaches the chainer. Up to 100 entries or one second per batch, so that busy
 * moments link many entries per transaction. One invocation at a time (reserved concurrency 1):
 * chainers would only race for the month's head. A throttled or failed batch is retried; after
 * six hours its position goes to the dead-letter queue and an alarm fires. Nothing is lost
 * meanwhile: the entries stay pending in the table, and the next batch or the daily sweep links them.
 */
export const AUDIT_STREAM = {
  batchSize: AUDIT_BATCH_SIZE,
  maxBatchingWindow: Duration.seconds(1),
  retryAttempts: 5,
  maxRecordAge: Duration.hours(6),
  startingPosition: lambda.StartingPosition.TRIM_HORIZON,
} as const;

/**
 * The retention sweep runs daily at 03:00 in Europe/Amsterdam (SPEC §6 counts calendar dates in
 * that zone; the sweep computes "today" there). EventBridge Scheduler follows daylight saving
 * time; 03:00 exists on both change days and occurs once on each (the clocks jump from 02:00 to
 * 03:00 in March and from 03:00 back to 02:00 in October), where a 02:xx time would be skipped or
 * doubled. After midnight, so a run sees the new day's due items; before the working day starts.
 */
export const SWEEP_SCHEDULE = {
  minute: '0',
  hour: '3',
  // Europe/Amsterdam, the zone the functions compute dates in. aws-cdk-lib has no constant for it:
  // since tzdata 2022b it is a link to Europe/Brussels (the same rules since 1977), still a valid name.
  timeZone: TimeZone.of(ORGANISATION_TIME_ZONE),
} as const;

/**
 * Retries of one sweep run, both where the schedule delivers it (Scheduler's retry policy, for a
 * failed Invoke call) and where the function runs it (Lambda's asynchronous retries, for an error
 * or a timeout). A run is resumable and idempotent, so a retry continues where the failed run
 * stopped; what still fails lands in the dead-letter queue, raises an alarm and waits for the next
 * day's run.
 */
export const SWEEP_RETRY_ATTEMPTS = 2;
/** How long a sweep run may wait to be delivered or run (throttled by its concurrency of 1, or between retries). */
export const SWEEP_MAX_EVENT_AGE = Duration.hours(6);

/**
 * Scheduler's Lambda target, but granting `lambda:InvokeFunction` on the function's unqualified
 * ARN only: aws-cdk-lib's `LambdaInvoke` also grants `<function ARN>:*` (every version and alias),
 * a wildcard cdk-nag reports and that the schedule does not need (it invokes the unqualified ARN).
 */
class InvokeUnqualified extends LambdaInvoke {
  protected override addTargetActionToRole(role: iam.IRole): void {
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['lambda:InvokeFunction'], resources: [this.targetArn] }));
  }
}

/**
 * One organisation has hundreds of users, not thousands of requests per second. A low ceiling
 * bounds the cost and the damage of a runaway client or a stolen token; raise it per organisation
 * when the metrics ask for it.
 */
export const API_THROTTLE = { rateLimit: 50, burstLimit: 100 } as const;

/**
 * Upload creation, for the whole organisation (API Gateway limits a route, not a client): a group's
 * photos of a day sent at once stay below it; apps retry a 429 after a pause.
 */
export const UPLOAD_ROUTE = 'POST /media';
export const UPLOAD_THROTTLE = { rateLimit: 10, burstLimit: 20 } as const;

/** 26 hours without a completed sweep: the daily run at 03:00 plus time for its retries. */
export const SWEEP_SILENCE_HOURS = 26;
/** The API 5xx alarm: this share of requests, counted only in 5-minute periods with at least this many requests. */
export const API_5XX_PERCENT = 5;
export const API_5XX_MIN_REQUESTS = 20;
/** Requests API Gateway answered with 429, counted from the access log. */
export const API_THROTTLED_METRIC = 'api_throttled_requests';
export const API_THROTTLED_ALARM_THRESHOLD = 10;

/**
 * Access logs are the security trail of the API (who called which route, from where, with what
 * result); three months lets a complaint or an audit be checked, and no longer (minimisation).
 */
export const ACCESS_LOG_RETENTION = logs.RetentionDays.THREE_MONTHS;

/**
 * One line per request. `routeKey` (the template) instead of the path keeps child ids out of
 * the log line; bodies and tokens are never logged.
 */
const ACCESS_LOG_FIELDS = {
  requestId: '$context.requestId',
  requestTime: '$context.requestTime',
  routeKey: '$context.routeKey',
  status: '$context.status',
  protocol: '$context.protocol',
  responseLength: '$context.responseLength',
  responseLatency: '$context.responseLatency',
  integrationLatency: '$context.integrationLatency',
  sourceIp: '$context.identity.sourceIp',
  // What the authorizer passed on: the record id and role of the caller, never the token.
  caller: '$context.authorizer.userId',
  role: '$context.authorizer.role',
  authorizerError: '$context.authorizer.error',
  integrationError: '$context.integrationErrorMessage',
  error: '$context.error.message',
};

/** Minimum password lengths, with lower and upper case, digits and symbols in both pools. */
export const STAFF_PASSWORD_LENGTH = 14;
export const FAMILY_PASSWORD_LENGTH = 12;

/**
 * How long API Gateway reuses the authorizer's answer for the same Authorization header. A token
 * that expires meanwhile still passes the gateway for at most this long, and is then refused by the
 * function, which verifies every request again.
 */
export const AUTHORIZER_CACHE_TTL = Duration.minutes(5);

interface UserPoolSettings {
  config: OrganisationConfig;
  pool: Pool;
  mfa: cognito.Mfa;
  emailRequired: boolean;
  minPasswordLength: number;
}

/** Sign-in, API and route functions for one organisation. */
export class ApiStack extends Stack {
  /** Staff and admin: MFA required. */
  readonly staffPool: cognito.UserPool;
  /** Guardians and children of 12+: MFA optional. */
  readonly familyPool: cognito.UserPool;
  readonly parentsClient: cognito.UserPoolClient;
  readonly staffClient: cognito.UserPoolClient;
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  /** Every function by its handler: one per route, the authorizer, the object-created, withdrawal and sweep functions. */
  readonly functions: Record<string, AppFunction> = {};
  readonly objectCreatedDeadLetters: sqs.Queue;
  /** Where the withdrawal stream mapping reports a batch it gave up on. */
  readonly withdrawalDeadLetters: sqs.Queue;
  /** Where the audit chainer's stream mapping reports a batch it gave up on. */
  readonly auditDeadLetters: sqs.Queue;
  readonly auditStream: lambda.EventSourceMapping;
  /** Sweep runs that could not be delivered, or failed after their retries. */
  readonly sweepDeadLetters: sqs.Queue;
  readonly withdrawalStream: lambda.EventSourceMapping;
  readonly sweepSchedule: scheduler.Schedule;
  readonly alerts: Alerts;
  /** The token issuer (user pool URL) of each pool. */
  readonly issuers: Record<Pool, string>;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    // Strong references (Export/ImportValue): CloudFormation refuses to remove the table or its key
    // from the data stack while this stack still uses them. Set before any child is added.
    CrossStackReferences.of(this).consume(ReferenceStrength.STRONG);
    const { config } = props;
    // Logs are encrypted with the data stack's key. Outside dev they outlive the stack (until their
    // retention ends), so that the last weeks can still be read after a tear-down.
    const logging = {
      logEncryptionKey: props.logKey,
      logRemovalPolicy: config.stage === 'dev' ? RemovalPolicy.DESTROY : RemovalPolicy.RETAIN,
    } as const;

    // Sign-in: one user pool per kind of user, so that MFA can be required for staff and admin and
    // optional for families (Cognito sets MFA per pool), and a role is believed only from the pool
    // that may grant it (functions/shared/auth.ts POOLS). The username is the id of the caller's
    // record, the group is the role.
    this.staffPool = this.userPool('StaffPool', {
      config,
      pool: 'staff',
      // SPEC §8: staff and admin sign in with two factors, always. TOTP only: SMS can be
      // intercepted or swapped, and would need a phone number of every employee.
      mfa: cognito.Mfa.REQUIRED,
      // Staff are invited by email and recover their account by email.
      emailRequired: true,
      minPasswordLength: STAFF_PASSWORD_LENGTH,
    });
    this.familyPool = this.userPool('FamilyPool', {
      config,
      pool: 'family',
      // Guardians and children of 12+ may add TOTP, and Plus asks risky sign-ins for it; required
      // MFA would keep parents without an authenticator app from giving or withdrawing consent.
      mfa: cognito.Mfa.OPTIONAL,
      // A child of 12+ gets an account, and the organisation should not have to collect a child's
      // email address only to create it (minimisation).
      emailRequired: false,
      minPasswordLength: FAMILY_PASSWORD_LENGTH,
    });
    Validations.of(this.familyPool).acknowledge({
      id: 'AwsSolutions-COG2',
      reason:
        'The family pool (guardians and children of 12+) offers TOTP MFA but does not require it, as the issue asks: ' +
        'parents without an authenticator app must still be able to withdraw consent. Plus threat protection asks ' +
        'risky sign-ins for MFA. Staff and admin are in the staff pool, where MFA is required.',
    });

    const clientDefaults: cognito.UserPoolClientOptions = {
      // Public clients (mobile apps): a secret in an app is no secret.
      generateSecret: false,
      // SRP only: the password never leaves the device.
      authFlows: { userSrp: true },
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.minutes(ACCESS_TOKEN_VALIDITY_MINUTES),
      idTokenValidity: Duration.minutes(ID_TOKEN_VALIDITY_MINUTES),
    };
    this.parentsClient = this.familyPool.addClient('ParentsAppClient', {
      ...clientDefaults,
      userPoolClientName: 'parents-app',
      refreshTokenValidity: Duration.days(30),
    });
    // Tablets move around a group and hold children's footage: a staff session lasts a working day.
    this.staffClient = this.staffPool.addClient('StaffTabletClient', {
      ...clientDefaults,
      userPoolClientName: 'staff-tablet',
      refreshTokenValidity: Duration.hours(12),
    });

    const issuerOf = (pool: cognito.UserPool) => `https://cognito-idp.${this.region}.amazonaws.com/${pool.userPoolId}`;
    this.issuers = { staff: issuerOf(this.staffPool), family: issuerOf(this.familyPool) };
    const clients: Record<Pool, cognito.UserPoolClient> = { staff: this.staffClient, family: this.parentsClient };
    // What the authorizer and every handler trust (functions/shared/config.ts JWT_ISSUERS): each
    // pool with its own app client and the roles it may grant.
    const jwtIssuers = this.toJsonString(
      (Object.keys(POOLS) as Pool[]).map((pool) => ({
        issuer: this.issuers[pool],
        jwksUri: `${this.issuers[pool]}/.well-known/jwks.json`,
        clientIds: [clients[pool].userPoolClientId],
        roles: [...POOLS[pool]],
      })),
    );

    // A JWT authorizer trusts one issuer only; a second HTTP API for the other pool would double
    // every route. So a Lambda authorizer verifies tokens of both pools, with the handlers' code.
    const authorizerFn = new AppFunction(this, handlerId(AUTHORIZER_HANDLER), {
      handler: AUTHORIZER_HANDLER,
      description: 'HTTP API authorizer: access tokens of the staff and family user pools',
      environment: { JWT_ISSUERS: jwtIssuers },
      ...logging,
      // Verifies a signature with a cached key: small and quick. The timeout covers one JWKS fetch
      // (3 seconds) after a cold start.
      memorySize: 256,
      timeout: Duration.seconds(5),
    });
    this.functions[AUTHORIZER_HANDLER] = authorizerFn;
    const authorizer = new HttpLambdaAuthorizer('AccessTokenAuthorizer', authorizerFn.fn, {
      authorizerName: 'access-token',
      // Without this header API Gateway answers 401 without invoking the function.
      identitySource: ['$request.header.Authorization'],
      // Payload 2.0, answers {isAuthorized, context}.
      responseTypes: [HttpLambdaResponseType.SIMPLE],
      resultsCacheTtl: AUTHORIZER_CACHE_TTL,
    });

    this.api = new apigwv2.HttpApi(this, 'HttpApi', {
      apiName: `beeldtoestemming-${config.organisationId}-${config.stage}`,
      description: `Beeldtoestemming API for ${config.organisationId} (${config.stage})`,
      // The default stage has neither access logs nor throttling: we make our own below.
      createDefaultStage: false,
      defaultAuthorizer: authorizer,
    });

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', {
      retention: ACCESS_LOG_RETENTION,
      encryptionKey: logging.logEncryptionKey,
      removalPolicy: logging.logRemovalPolicy,
    });
    this.stage = this.api.addStage('DefaultStage', {
      stageName: '$default',
      autoDeploy: true,
      throttle: API_THROTTLE,
      accessLogSettings: {
        destination: new apigwv2.LogGroupLogDestination(accessLogs),
        format: AccessLogFormat.custom(JSON.stringify(ACCESS_LOG_FIELDS)),
      },
    });

    // functions/shared/config.ts validates all of it at every cold start, also outside the API.
    const environment = functionEnvironment(config, jwtIssuers);

    const known = new Set([
      ...ROUTES.map((r) => r.handler),
      AUTHORIZER_HANDLER,
      OBJECT_CREATED_HANDLER,
      WITHDRAWAL_STREAM_HANDLER,
      AUDIT_CHAIN_HANDLER,
      SWEEP_HANDLER,
    ]);
    for (const handler of Object.keys(BUCKET_ACCESS)) {
      if (!known.has(handler)) throw new Error(`BUCKET_ACCESS names ${handler}, which is no handler of functions/routes.ts`);
    }
    for (const handler of known) {
      if (handler.startsWith('media/') && !BUCKET_ACCESS[handler]) {
        throw new Error(`${handler} is a media handler without an entry in BUCKET_ACCESS`);
      }
    }
    const bucket = s3.Bucket.fromBucketAttributes(this, 'FootageBucket', props.bucket);
    const bindBucket = (fn: AppFunction, handler: string) => {
      const grants = BUCKET_ACCESS[handler];
      if (!grants) return;
      fn.bindBucket(bucket, grants);
      for (const [name, value] of Object.entries(FOOTAGE_ENVIRONMENT)) fn.setEnvironment(name, value);
    };

    for (const route of ROUTES) {
      const id = handlerId(route.handler);
      const fn = new AppFunction(this, id, {
        handler: route.handler,
        description: `${route.method} ${route.path}`,
        environment,
        ...logging,
        // Its "child erased" log lines are how erasures are re-applied after a restore from a backup.
        ...(route.handler === ERASE_CHILD_HANDLER ? { logRetention: ERASURE_LOG_RETENTION } : {}),
        // Completing an upload reads a photo whole (up to 30 MB) to strip its location, or copies a
        // video (up to 2 GB); the HTTP API waits at most 30 seconds for any route.
        ...(route.handler === 'media/complete-upload' || LONG_ROUTES.includes(route.handler) ? { memorySize: 1024, timeout: Duration.seconds(29) } : {}),
      });
      // A GET that issues download URLs records the access, so it writes.
      fn.bindTable(
        props.table,
        route.method === 'GET' && !RECORDS_ACCESS.includes(route.handler) ? 'read' : 'readwrite',
        INDEX_ACCESS[route.handler] ?? undefined,
      );
      bindBucket(fn, route.handler);
      this.api.addRoutes({
        path: route.path,
        methods: [apigwv2.HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${id}Integration`, fn.fn),
        authorizer,
      });
      this.functions[route.handler] = fn;
    }

    // A stricter limit on upload creation: each answer is a URL that lets a tablet store up to 2 GiB.
    // Route settings name a route key, which must exist before the stage refers to it.
    const uploadRoute = this.node
      .findAll()
      .find((c): c is apigwv2.CfnRoute => c instanceof apigwv2.CfnRoute && c.routeKey === UPLOAD_ROUTE);
    if (!uploadRoute) throw new Error(`${UPLOAD_ROUTE} is no route of functions/routes.ts`);
    const cfnStage = this.stage.node.defaultChild as apigwv2.CfnStage;
    cfnStage.routeSettings = {
      [UPLOAD_ROUTE]: { ThrottlingRateLimit: UPLOAD_THROTTLE.rateLimit, ThrottlingBurstLimit: UPLOAD_THROTTLE.burstLimit },
    };
    cfnStage.node.addDependency(uploadRoute);

    // Encrypted at rest, TLS only, kept for SQS's maximum. Each queue below says what its messages hold.
    // SQS-managed keys rather than the data key: the messages hold no footage, names or consent, only
    // ids and positions of what failed; with the data key every function that may fail into a queue
    // (and Scheduler) would need key rights beyond its data path, and the key's use would no longer
    // mean "personal data is read or written".
    const deadLetterQueue = (queueId: string) =>
      new sqs.Queue(this, queueId, {
        encryption: sqs.QueueEncryption.SQS_MANAGED,
        enforceSSL: true,
        retentionPeriod: DEAD_LETTER_RETENTION,
      });

    // Completes an upload when it arrives, also when the tablet never calls /complete.
    // Messages hold the S3 event: bucket, upload key (a random media id), and the uploading role
    // and source IP; no footage, no names.
    this.objectCreatedDeadLetters = deadLetterQueue('ObjectCreatedDeadLetters');
    const objectCreated = new AppFunction(this, handlerId(OBJECT_CREATED_HANDLER), {
      handler: OBJECT_CREATED_HANDLER,
      description: `S3 ObjectCreated on ${UPLOAD_PREFIX}`,
      environment,
      ...logging,
      memorySize: 1024,
      // No HTTP client waits here: time enough to copy the largest video.
      timeout: Duration.minutes(5),
      retryAttempts: OBJECT_CREATED_RETRY_ATTEMPTS,
      deadLetterQueue: this.objectCreatedDeadLetters,
    });
    objectCreated.bindTable(props.table, 'readwrite');
    bindBucket(objectCreated, OBJECT_CREATED_HANDLER);
    this.functions[OBJECT_CREATED_HANDLER] = objectCreated;
    new ObjectCreatedNotification(this, 'UploadNotification', {
      bucket: props.bucket,
      target: objectCreated.fn,
      prefix: UPLOAD_PREFIX,
      ...logging,
    });

    // SPEC §5: propagates each withdrawal to the footage within minutes. Only new withdrawal
    // events invoke it (WITHDRAWAL_FILTER_PATTERN). It reads the child's partition, strips the
    // purpose from unpublished items, deletes those left with none (object and metadata, leaving a
    // tombstone), marks published items retained and opens takedown tasks for live publications.
    // Messages of its queue name the stream, shard and sequence numbers of a failed batch; no
    // record content.
    this.withdrawalDeadLetters = deadLetterQueue('WithdrawalDeadLetters');
    Validations.of(this.withdrawalDeadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        'This queue is itself a dead-letter queue: the on-failure destination of the withdrawal function\'s stream ' +
        'event source mapping. cdk-nag recognises a DLQ only by a queue redrive policy or a function DeadLetterConfig.',
    });
    const withdrawal = new AppFunction(this, handlerId(WITHDRAWAL_STREAM_HANDLER), {
      handler: WITHDRAWAL_STREAM_HANDLER,
      description: 'DynamoDB stream: propagates consent withdrawals to the footage',
      environment,
      ...logging,
      memorySize: 512,
      timeout: Duration.seconds(60),
    });
    withdrawal.bindTable(props.table, 'readwrite');
    bindBucket(withdrawal, WITHDRAWAL_STREAM_HANDLER);
    this.withdrawalStream = new lambda.EventSourceMapping(this, 'WithdrawalStream', {
      target: withdrawal.fn,
      eventSourceArn: withdrawal.bindTableStream(props.table),
      ...WITHDRAWAL_STREAM,
      bisectBatchOnError: true,
      reportBatchItemFailures: true,
      onFailure: new SqsDlq(this.withdrawalDeadLetters),
      filters: [lambda.FilterCriteria.filter(WITHDRAWAL_FILTER_PATTERN)],
    });
    this.functions[WITHDRAWAL_STREAM_HANDLER] = withdrawal;

    // SPEC §7: links audit entries into the tamper-evident chain within seconds of being written.
    // Reads and writes the table only (pending entries through GSI2). Messages of its queue name the
    // stream, shard and sequence numbers of a failed batch; no record content.
    this.auditDeadLetters = deadLetterQueue('AuditDeadLetters');
    Validations.of(this.auditDeadLetters).acknowledge({
      id: 'AwsSolutions-SQS3',
      reason:
        "This queue is itself a dead-letter queue: the on-failure destination of the audit chainer's stream event source " +
        'mapping. cdk-nag recognises a DLQ only by a queue redrive policy or a function DeadLetterConfig.',
    });
    const chainer = new AppFunction(this, handlerId(AUDIT_CHAIN_HANDLER), {
      handler: AUDIT_CHAIN_HANDLER,
      description: 'DynamoDB stream: links new audit entries into the hash chain',
      environment,
      ...logging,
      memorySize: 512,
      timeout: Duration.seconds(60),
      reservedConcurrentExecutions: 1,
    });
    chainer.bindTable(props.table, 'readwrite', ['GSI2']);
    this.auditStream = new lambda.EventSourceMapping(this, 'AuditStream', {
      target: chainer.fn,
      eventSourceArn: chainer.bindTableStream(props.table),
      ...AUDIT_STREAM,
      onFailure: new SqsDlq(this.auditDeadLetters),
      filters: [lambda.FilterCriteria.filter(AUDIT_FILTER_PATTERN)],
    });
    this.functions[AUDIT_CHAIN_HANDLER] = chainer;

    // SPEC §6: the authority on retention, daily. Queries the due index GSI2 (never a Scan).
    // Messages of its queue hold the schedule's event (no input) with the request id and error
    // message of the failed run (counts, no ids of children); no personal data.
    this.sweepDeadLetters = deadLetterQueue('SweepDeadLetters');
    const sweep = new AppFunction(this, handlerId(SWEEP_HANDLER), {
      handler: SWEEP_HANDLER,
      description: 'Daily retention sweep: deletes what is due (SPEC 6)',
      environment,
      ...logging,
      // It completes erasures that stopped halfway: its "child erased" lines must outlast the backups too.
      logRetention: ERASURE_LOG_RETENTION,
      memorySize: 1024,
      // Lambda's maximum. A run is resumable and idempotent: one that times out leaves the rest to
      // its retry, or to the next day's run.
      timeout: Duration.minutes(15),
      // One run at a time: two sweeps would race for the same due items (each deletion is
      // idempotent, but twice the S3 and DynamoDB calls, and failures reported twice). An
      // asynchronous invocation that finds a run going waits: Lambda retries a throttled event for
      // up to SWEEP_MAX_EVENT_AGE. A synchronous one (a manual run) is refused with a throttle error.
      // cdk-nag's AwsSolutions pack has no rule on reserved concurrency: nothing to acknowledge.
      reservedConcurrentExecutions: 1,
      // Scheduler invokes Lambda asynchronously: an error or timeout is retried by Lambda.
      retryAttempts: SWEEP_RETRY_ATTEMPTS,
      maxEventAge: SWEEP_MAX_EVENT_AGE,
      deadLetterQueue: this.sweepDeadLetters,
    });
    sweep.bindTable(props.table, 'readwrite', ['GSI1', 'GSI2']);
    bindBucket(sweep, SWEEP_HANDLER);
    this.functions[SWEEP_HANDLER] = sweep;
    this.sweepSchedule = new scheduler.Schedule(this, 'SweepSchedule', {
      description: 'Daily retention sweep (SPEC 6), 03:00 Europe/Amsterdam',
      schedule: scheduler.ScheduleExpression.cron(SWEEP_SCHEDULE),
      target: new InvokeUnqualified(sweep.fn, {
        retryAttempts: SWEEP_RETRY_ATTEMPTS,
        maxEventAge: SWEEP_MAX_EVENT_AGE,
        deadLetterQueue: this.sweepDeadLetters,
      }),
    });

    this.alerts = new Alerts(this, 'Alerts', {
      description: `Beeldtoestemming ${config.organisationId} (${config.stage}) alarms`,
      ...(config.alertEmail ? { email: config.alertEmail } : {}),
    });
    this.alerts.alarm('SweepErrors', {
      // A day: the sweep runs once a day, with its retries; one notification for a failed run.
      metric: sweep.fn.metricErrors({ period: Duration.days(1), statistic: cloudwatch.Stats.SUM }),
      description:
        'The retention sweep failed (an error or a timeout). Its retries continue where it stopped; see its logs. ' +
        'Items that could not be deleted are retried by the next run.',
    });
    this.alerts.deadLettersAlarm(
      'SweepDeadLettersAlarm',
      this.sweepDeadLetters,
      'A retention sweep run was given up after its retries: due footage may be kept past its date until the next run. ' +
        'Find the cause in the sweep logs; run the sweep again once fixed.',
    );
    this.alerts.deadLettersAlarm(
      'WithdrawalDeadLettersAlarm',
      this.withdrawalDeadLetters,
      'A batch of withdrawal events was not propagated to the footage, and the sweep will not do it. See the withdrawal ' +
        'function logs; the message names the stream records, readable for 24 hours after they were written. Propagate them by hand.',
    );
    this.alerts.deadLettersAlarm(
      'AuditDeadLettersAlarm',
      this.auditDeadLetters,
      'Audit entries were not linked into the hash chain within six hours. They are kept, pending, in the table and the ' +
        'daily sweep links them; see the audit chainer logs for why, and `GET /audit/verify` for how many are pending.',
    );
    this.alerts.deadLettersAlarm(
      'ObjectCreatedDeadLettersAlarm',
      this.objectCreatedDeadLetters,
      'An upload notification failed after its retries: the upload stays incomplete unless the tablet completes it. ' +
        'See the object-created function logs.',
    );
    this.alerts.alarm('SweepNotRun', {
      // The sweep counts a completed run; a day without one (26 hours: the schedule's 03:00 plus the
      // retries' margin) means it did not run, or never got to the end.
      metric: new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: SWEEP_COMPLETED_METRIC,
        dimensionsMap: { service: METRIC_SERVICES.sweep },
        statistic: cloudwatch.Stats.SUM,
        period: Duration.hours(1),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: SWEEP_SILENCE_HOURS,
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
      description:
        `No retention sweep completed in the last ${SWEEP_SILENCE_HOURS} hours: due footage may be kept past its date. ` +
        'Check the schedule and the sweep logs; run it by hand (README, "Smoke test"). Also fires after a first deploy until the first run.',
    });

    // Every function's errors, but the sweep's (its own daily alarm above) and the authorizer's: it
    // fails on purpose for every refused token (that is how API Gateway answers 401), so it is
    // watched by what it counts when it cannot verify at all. HTTP handlers answer refusals and
    // unexpected errors themselves (problem+json); an error here is a crash, a timeout or memory.
    for (const [handler, fn] of Object.entries(this.functions)) {
      if (handler === SWEEP_HANDLER || handler === AUTHORIZER_HANDLER) continue;
      this.alerts.alarm(`Errors${handlerId(handler)}`, {
        metric: fn.fn.metricErrors({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
        description: `The function ${handler} failed (a crash, a timeout or out of memory). See its logs.`,
      });
    }
    this.alerts.alarm('AuthorizerFailures', {
      metric: new cloudwatch.Metric({
        namespace: METRICS_NAMESPACE,
        metricName: AUTHORIZER_FAILURES_METRIC,
        dimensionsMap: { service: METRIC_SERVICES.authorizer },
        statistic: cloudwatch.Stats.SUM,
        period: Duration.minutes(5),
      }),
      description:
        'The authorizer could not verify tokens (the user pools\' keys could not be fetched): callers get 500. ' +
        'See the authorizer logs. Refused tokens do not count here.',
    });
    this.alerts.alarm('Api5xxRate', {
      metric: new cloudwatch.MathExpression({
        // No rate below a minimum of requests: one failed request at night is not 100 % failure.
        expression: `IF(requests >= ${API_5XX_MIN_REQUESTS}, 100 * FILL(errors, 0) / requests, 0)`,
        usingMetrics: {
          requests: this.api.metricCount({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
          errors: this.api.metricServerError({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
        },
        period: Duration.minutes(5),
        label: 'API 5xx answers, % of requests',
      }),
      threshold: API_5XX_PERCENT,
      evaluationPeriods: 3,
      datapointsToAlarm: 2,
      description:
        `More than ${API_5XX_PERCENT} % of API requests failed with 5xx in two of the last three 5-minute periods (with at ` +
        `least ${API_5XX_MIN_REQUESTS} requests in a period). See the function logs by requestId, and the access logs.`,
    });
    this.alerts.alarm('LambdaThrottles', {
      // Account-wide (no function dimension): the organisation's account holds this deployment, and
      // a throttle anywhere means the account's concurrency ran out.
      metric: new cloudwatch.Metric({ namespace: 'AWS/Lambda', metricName: 'Throttles', statistic: cloudwatch.Stats.SUM, period: Duration.minutes(5) }),
      description:
        'Lambda refused invocations for lack of concurrency in this account and region (a second sweep started while one ' +
        'runs is refused too). Check the account\'s concurrency quota and which function was throttled.',
    });
    // HTTP APIs publish no throttling metric: count the 429s of the access log.
    const throttled = accessLogs.addMetricFilter('ThrottledRequests', {
      filterPattern: logs.FilterPattern.stringValue('$.status', '=', '429'),
      metricNamespace: METRICS_NAMESPACE,
      metricName: API_THROTTLED_METRIC,
      metricValue: '1',
    });
    this.alerts.alarm('ApiThrottled', {
      metric: throttled.metric({ statistic: cloudwatch.Stats.SUM, period: Duration.minutes(5) }),
      threshold: API_THROTTLED_ALARM_THRESHOLD,
      description:
        `API Gateway answered 429 at least ${API_THROTTLED_ALARM_THRESHOLD} times in 5 minutes: a client exceeds the ` +
        'stage or upload limits (a runaway app or a stolen token), or the limits are too low. See the access logs.',
    });

    new CfnOutput(this, STACK_OUTPUTS.apiUrl, { value: this.stage.url });
    new CfnOutput(this, STACK_OUTPUTS.sweepFunctionName, { value: sweep.fn.functionName });
    // scripts/create-user.ts reads the pool ids from here (infra/stack-outputs.ts).
    new CfnOutput(this, STACK_OUTPUTS.staffUserPoolId, { value: this.staffPool.userPoolId });
    new CfnOutput(this, STACK_OUTPUTS.familyUserPoolId, { value: this.familyPool.userPoolId });
    new CfnOutput(this, 'StaffIssuer', { value: this.issuers.staff });
    new CfnOutput(this, 'FamilyIssuer', { value: this.issuers.family });
    new CfnOutput(this, 'ParentsAppClientId', { value: this.parentsClient.userPoolClientId });
    new CfnOutput(this, 'StaffTabletClientId', { value: this.staffClient.userPoolClientId });
    new CfnOutput(this, 'AlertsTopicArn', { value: this.alerts.topic.topicArn });
  }

  /**
   * A user pool with the house settings: no self sign-up, sign-in by username (the record id) or
   * email, a strong password policy, Plus threat protection, a group per role of `pool`, and
   * deletion protection outside dev (accounts and their TOTP secrets are state).
   */
  private userPool(id: string, settings: UserPoolSettings): cognito.UserPool {
    const { config } = settings;
    const keep = config.stage !== 'dev';
    const pool = new cognito.UserPool(this, id, {
      userPoolName: `beeldtoestemming-${config.organisationId}-${config.stage}-${settings.pool}`,
      // Accounts are created by the organisation (scripts/create-user.ts), never by sign-up.
      selfSignUpEnabled: false,
      // The username is the id of the caller's record (functions/shared/auth.ts); people sign in with email.
      signInAliases: { username: true, email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      standardAttributes: { email: { required: settings.emailRequired, mutable: true } },
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      mfa: settings.mfa,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: settings.minPasswordLength,
        requireLowercase: true,
        requireUppercase: true,
        requireDigits: true,
        requireSymbols: true,
        passwordHistorySize: 5,
        tempPasswordValidity: Duration.days(3),
      },
      // Plus: blocks sign-in with known-compromised passwords and asks for MFA on risky sign-ins;
      // accounts here reach children's data and photos.
      featurePlan: cognito.FeaturePlan.PLUS,
      standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
      deletionProtection: keep,
      removalPolicy: keep ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    for (const role of POOLS[settings.pool]) {
      pool.addGroup(`Group-${role}`, { groupName: role, description: `Role ${role}` });
    }
    return pool;
  }

}
