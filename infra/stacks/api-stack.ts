/**
 * Stateless side: sign-in (Cognito), the HTTP API and one function per route of
 * `functions/routes.ts`. The table arrives by props from the data stack.
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
import type { Construct } from 'constructs';
import { ROLES } from '../../functions/shared/auth';
import { ROUTES, handlerId } from '../../functions/routes';
import type { OrganisationConfig } from '../config';
import { AppFunction } from '../constructs/app-function';

export interface ApiStackProps extends StackProps {
  config: OrganisationConfig;
  /** The single table of the data stack; its customer-managed key comes with it. */
  table: ITableV2;
}

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
  readonly functions: Record<string, AppFunction> = {};
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

    const environment = {
      AGE_POLICY: config.agePolicy,
      NOTICE_VERSION: config.noticeVersion,
      JWT_ISSUER: this.issuer,
      JWT_JWKS_URI: `${this.issuer}/.well-known/jwks.json`,
      JWT_CLIENT_IDS: clientIds.join(','),
    };

    for (const route of ROUTES) {
      const id = handlerId(route.handler);
      const fn = new AppFunction(this, id, {
        handler: route.handler,
        description: `${route.method} ${route.path}`,
        environment,
      });
      fn.bindTable(props.table, route.method === 'GET' ? 'read' : 'readwrite');
      this.api.addRoutes({
        path: route.path,
        methods: [apigwv2.HttpMethod[route.method]],
        integration: new HttpLambdaIntegration(`${id}Integration`, fn.fn),
        authorizer,
      });
      this.functions[route.handler] = fn;
    }

    new CfnOutput(this, 'ApiUrl', { value: this.stage.url });
    new CfnOutput(this, 'UserPoolId', { value: this.userPool.userPoolId });
    new CfnOutput(this, 'Issuer', { value: this.issuer });
    new CfnOutput(this, 'ParentsAppClientId', { value: this.parentsClient.userPoolClientId });
    new CfnOutput(this, 'StaffTabletClientId', { value: this.staffClient.userPoolClientId });
  }
}
