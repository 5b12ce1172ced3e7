/**
 * Stateless side: sign-in (Cognito), the HTTP API, one function per route of `functions/routes.ts`
 * and the function S3 invokes when an upload arrives. The table and the footage bucket arrive by
 * props from the data stack.
 */
import {
  CfnOutput,
  CrossStackReferences,
  Duration,
  ReferenceStrength,
  RemovalPolicy,
  Stack,
  Validations,
  type StackProps,
} from 'aws-cdk-lib';
import { AccessLogFormat } from 'aws-cdk-lib/aws-apigateway';
import * as apigwv2 from 'aws-cdk-lib/aws-apigatewayv2';
import { HttpJwtAuthorizer } from 'aws-cdk-lib/aws-apigatewayv2-authorizers';
import { HttpLambdaIntegration } from 'aws-cdk-lib/aws-apigatewayv2-integrations';
import * as cognito from 'aws-cdk-lib/aws-cognito';
import type { ITableV2 } from 'aws-cdk-lib/aws-dynamodb';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import type { Construct } from 'constructs';
import { ROLES } from '../../functions/shared/auth';
import { MEDIA_PREFIX, UPLOAD_PREFIX } from '../../functions/shared/bucket-layout';
import { OBJECT_CREATED_HANDLER, RECORDS_ACCESS, ROUTES, handlerId } from '../../functions/routes';
import type { OrganisationConfig } from '../config';
import { AppFunction, type BucketGrant } from '../constructs/app-function';
import { ObjectCreatedNotification } from '../constructs/object-created-notification';
import type { FootageBucketAttributes } from './data-stack';

export interface ApiStackProps extends StackProps {
  config: OrganisationConfig;
  /** The single table of the data stack; its customer-managed key comes with it. */
  table: ITableV2;
  /** The footage bucket of the data stack (name, ARN and key), imported here by its attributes. */
  bucket: FootageBucketAttributes;
}

/** Completing an upload: inspect it, write the (stripped) file below media/, drop the upload. */
const COMPLETE_UPLOAD: readonly BucketGrant[] = [
  { prefix: UPLOAD_PREFIX, actions: ['s3:GetObject', 's3:DeleteObject'] },
  { prefix: MEDIA_PREFIX, actions: ['s3:PutObject'] },
];

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
  // An item's files are its upload and its media object (whichever exists).
  'media/delete-media': [
    { prefix: UPLOAD_PREFIX, actions: ['s3:DeleteObject'] },
    { prefix: MEDIA_PREFIX, actions: ['s3:DeleteObject'] },
  ],
  // Sign short-lived GET URLs for available footage; S3 authorises the download as this role.
  'usage/feed': [{ prefix: MEDIA_PREFIX, actions: ['s3:GetObject'] }],
  'usage/coaching': [{ prefix: MEDIA_PREFIX, actions: ['s3:GetObject'] }],
  'usage/download': [{ prefix: MEDIA_PREFIX, actions: ['s3:GetObject'] }],
};

/** How long a pre-signed upload URL lives (functions/shared/config.ts allows 60-900): minutes, not hours. */
export const UPLOAD_URL_TTL_SECONDS = 300;

/**
 * S3 invokes the object-created function asynchronously. Two retries cover a throttle or a brief
 * DynamoDB/S3 error; what still fails lands in the dead-letter queue, and the tablet's own
 * `POST /media/{id}/complete` completes the upload anyway (both paths are idempotent).
 */
export const OBJECT_CREATED_RETRY_ATTEMPTS = 2;

/** Failed upload notifications are kept for SQS's maximum, to be looked at and redriven. */
export const DEAD_LETTER_RETENTION = Duration.days(14);

/**
 * One organisation has hundreds of users, not thousands of requests per second. A low ceiling
 * bounds the cost and the damage of a runaway client or a stolen token; raise it per organisation
 * when the metrics ask for it.
 */
export const API_THROTTLE = { rateLimit: 50, burstLimit: 100 } as const;

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
  caller: '$context.authorizer.claims.username',
  clientId: '$context.authorizer.claims.client_id',
  authorizerError: '$context.authorizer.error',
  integrationError: '$context.integrationErrorMessage',
  error: '$context.error.message',
};

/** Sign-in, API and route functions for one organisation. */
export class ApiStack extends Stack {
  readonly userPool: cognito.UserPool;
  readonly parentsClient: cognito.UserPoolClient;
  readonly staffClient: cognito.UserPoolClient;
  readonly api: apigwv2.HttpApi;
  readonly stage: apigwv2.HttpStage;
  /** Every function by its handler: one per route, and the object-created function. */
  readonly functions: Record<string, AppFunction> = {};
  readonly objectCreatedDeadLetters: sqs.Queue;
  readonly issuer: string;

  constructor(scope: Construct, id: string, props: ApiStackProps) {
    super(scope, id, props);
    // Strong references (Export/ImportValue): CloudFormation refuses to remove the table or its key
    // from the data stack while this stack still uses them. Set before any child is added.
    CrossStackReferences.of(this).consume(ReferenceStrength.STRONG);
    const { config } = props;
    const keep = config.stage !== 'dev';

    // User accounts and their TOTP secrets are state: retained and protected outside dev.
    this.userPool = new cognito.UserPool(this, 'UserPool', {
      userPoolName: `beeldtoestemming-${config.organisationId}-${config.stage}`,
      // Accounts are created by the organisation (admin), never by sign-up.
      selfSignUpEnabled: false,
      // The username is the id of the caller's record (functions/shared/auth.ts); people sign in with email.
      signInAliases: { username: true, email: true },
      signInCaseSensitive: false,
      autoVerify: { email: true },
      // Email stays optional: a child of 12+ gets an account, and the organisation should not have
      // to collect a child's email address only to create it (minimisation).
      accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
      // SPEC §8 wants two-factor sign-in for staff and admin. The pool allows TOTP for everyone
      // (OPTIONAL) so that guardians and children are not forced into it; enforcing MFA for the
      // staff and admin groups per user is its own issue, not done here.
      mfa: cognito.Mfa.OPTIONAL,
      mfaSecondFactor: { otp: true, sms: false },
      passwordPolicy: {
        minLength: 12,
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
    Validations.of(this.userPool).acknowledge({
      id: 'AwsSolutions-COG2',
      reason:
        'MFA is OPTIONAL at pool level with TOTP so guardians and children can sign in without it; ' +
        'SPEC §8 requires it for staff and admin, which is enforced per user in a separate issue.',
    });

    for (const role of ROLES) {
      this.userPool.addGroup(`Group-${role}`, { groupName: role, description: `Role ${role}` });
    }

    const clientDefaults: cognito.UserPoolClientOptions = {
      // Public clients (mobile apps): a secret in an app is no secret.
      generateSecret: false,
      // SRP only: the password never leaves the device.
      authFlows: { userSrp: true },
      disableOAuth: true,
      preventUserExistenceErrors: true,
      enableTokenRevocation: true,
      accessTokenValidity: Duration.minutes(30),
      idTokenValidity: Duration.minutes(30),
    };
    this.parentsClient = this.userPool.addClient('ParentsAppClient', {
      ...clientDefaults,
      userPoolClientName: 'parents-app',
      refreshTokenValidity: Duration.days(30),
    });
    // Tablets move around a group and hold children's footage: a staff session lasts a working day.
    this.staffClient = this.userPool.addClient('StaffTabletClient', {
      ...clientDefaults,
      userPoolClientName: 'staff-tablet',
      refreshTokenValidity: Duration.hours(12),
    });

    this.issuer = `https://cognito-idp.${this.region}.amazonaws.com/${this.userPool.userPoolId}`;
    const clientIds = [this.parentsClient.userPoolClientId, this.staffClient.userPoolClientId];
    // Cognito access tokens carry `client_id`, not `aud`; API Gateway checks `client_id` against
    // the audience for access tokens. The functions verify the token again (functions/shared/auth.ts).
    const authorizer = new HttpJwtAuthorizer('CognitoJwt', this.issuer, {
      jwtAudience: clientIds,
      identitySource: ['$request.header.Authorization'],
    });

    this.api = new apigwv2.HttpApi(this, 'HttpApi', {
      apiName: `beeldtoestemming-${config.organisationId}-${config.stage}`,
      description: `Beeldtoestemming API for ${config.organisationId} (${config.stage})`,
      // The default stage has neither access logs nor throttling: we make our own below.
      createDefaultStage: false,
      defaultAuthorizer: authorizer,
    });

    const accessLogs = new logs.LogGroup(this, 'AccessLogs', { retention: ACCESS_LOG_RETENTION });
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
    const environment = {
      AGE_POLICY: config.agePolicy,
      NOTICE_VERSION: config.noticeVersion,
      JWT_ISSUER: this.issuer,
      JWT_JWKS_URI: `${this.issuer}/.well-known/jwks.json`,
      JWT_CLIENT_IDS: clientIds.join(','),
      // Everywhere, not only where footage is handled: a function without it would silently
      // compute deletion dates with the three-year default instead of the organisation's setting.
      RETENTION_YEARS: JSON.stringify(config.retentionYears),
    };

    const known = new Set([...ROUTES.map((r) => r.handler), OBJECT_CREATED_HANDLER]);
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
      fn.setEnvironment('UPLOAD_URL_TTL_SECONDS', String(UPLOAD_URL_TTL_SECONDS));
    };

    for (const route of ROUTES) {
      const id = handlerId(route.handler);
      const fn = new AppFunction(this, id, {
        handler: route.handler,
        description: `${route.method} ${route.path}`,
        environment,
        // Completing an upload reads a photo whole (up to 30 MB) to strip its location, or copies a
        // video (up to 2 GB); the HTTP API waits at most 30 seconds for any route.
        ...(route.handler === 'media/complete-upload' ? { memorySize: 1024, timeout: Duration.seconds(29) } : {}),
      });
      // A GET that issues download URLs records the access, so it writes.
      fn.bindTable(props.table, route.method === 'GET' && !RECORDS_ACCESS.includes(route.handler) ? 'read' : 'readwrite');
      bindBucket(fn, route.handler);
      this.api.addRoutes({
        path: route.path,
        methods: [apigwv2.HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${id}Integration`, fn.fn),
        authorizer,
      });
      this.functions[route.handler] = fn;
    }

    // Completes an upload when it arrives, also when the tablet never calls /complete.
    this.objectCreatedDeadLetters = new sqs.Queue(this, 'ObjectCreatedDeadLetters', {
      // Messages hold the S3 event: bucket, upload key (a random media id), and the uploading
      // role and source IP; no footage, no names. Encrypted at rest all the same.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: DEAD_LETTER_RETENTION,
    });
    const objectCreated = new AppFunction(this, handlerId(OBJECT_CREATED_HANDLER), {
      handler: OBJECT_CREATED_HANDLER,
      description: `S3 ObjectCreated on ${UPLOAD_PREFIX}`,
      environment,
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
    });

    new CfnOutput(this, 'ApiUrl', { value: this.stage.url });
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'Issuer', { value: this.issuer });
    new CfnOutput(this, 'ParentsAppClientId', { value: this.parentsClient.userPoolClientId });
    new CfnOutput(this, 'StaffTabletClientId', { value: this.staffClient.userPoolClientId });
  }
}
