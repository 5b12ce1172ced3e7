import type { CfnElement } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { Match } from 'aws-cdk-lib/assertions';
import { ROLES } from '../../functions/shared/auth';
import {
  AUDIT_CHAIN_HANDLER,
  AUTHORIZER_HANDLER,
  OBJECT_CREATED_HANDLER,
  RECORDS_ACCESS,
  ROUTES,
  SWEEP_HANDLER,
  WITHDRAWAL_STREAM_HANDLER,
} from '../../functions/routes';
import {
  API_5XX_MIN_REQUESTS,
  API_5XX_PERCENT,
  API_THROTTLE,
  API_THROTTLED_ALARM_THRESHOLD,
  API_THROTTLED_METRIC,
  UPLOAD_THROTTLE,
} from '../../infra/stacks/api-stack';
import { AUTHORIZER_FAILURES_METRIC, METRICS_NAMESPACE, METRIC_SERVICES, SWEEP_COMPLETED_METRIC } from '../../functions/shared/metrics';
import { STACK_OUTPUTS } from '../../infra/stack-outputs';
import { configWith, flatten, onlyResource, resourcesOf, synth, type Synthesized } from './support';

type Statement = { Action: string | string[]; Resource: unknown; Condition?: Record<string, unknown> };
type Resource = ReturnType<typeof resourcesOf>[number][1];
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOfStatement = (s: Statement) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);

const WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'];
const REQUIRED_ENV = ['TABLE_NAME', 'AGE_POLICY', 'NOTICE_VERSION', 'JWT_ISSUERS', 'RETENTION_YEARS', 'CHANNELS'];
/** Every function of ours: one per route, the authorizer, and those invoked by S3, by the table's stream and by the schedule. */
const HANDLERS = [...ROUTES.map((r) => r.handler), AUTHORIZER_HANDLER, OBJECT_CREATED_HANDLER, WITHDRAWAL_STREAM_HANDLER, AUDIT_CHAIN_HANDLER, SWEEP_HANDLER];
/** The functions that use the table: all but the authorizer, which only reads tokens. */
const TABLE_HANDLERS = HANDLERS.filter((h) => h !== AUTHORIZER_HANDLER);

/**
 * What each function may do in the footage bucket, as `action prefix` pairs. Written out here on
 * purpose, not read from the stack's BUCKET_ACCESS: a change there must be made twice to pass.
 */
const EXPECTED_S3: Record<string, string[]> = {
  'media/create-upload': ['s3:PutObject uploads/'],
  'media/complete-upload': ['s3:DeleteObject uploads/', 's3:GetObject uploads/', 's3:PutObject media/'],
  'media/object-created': ['s3:DeleteObject uploads/', 's3:GetObject uploads/', 's3:PutObject media/'],
  'media/delete-media': ['s3:DeleteObject media/', 's3:DeleteObject uploads/'],
  'retention/sweep': ['s3:DeleteObject exports/', 's3:DeleteObject media/', 's3:DeleteObject uploads/'],
  'rights/erase-child': ['s3:DeleteObject exports/', 's3:DeleteObject media/', 's3:DeleteObject uploads/'],
  'rights/export-child': ['s3:GetObject exports/', 's3:GetObject media/', 's3:PutObject exports/'],
  'withdrawal/on-ledger-change': ['s3:DeleteObject media/', 's3:DeleteObject uploads/'],
  'usage/feed': ['s3:GetObject media/'],
  'usage/coaching': ['s3:GetObject media/'],
  'usage/download': ['s3:GetObject media/'],
};
/** Handlers that know the footage bucket: every media handler, those that sign download URLs, and those that delete footage. */
const MEDIA_HANDLERS = HANDLERS.filter(
  (h) =>
    h.startsWith('media/') ||
    ['usage/feed', 'usage/coaching', 'usage/download', 'rights/export-child', 'rights/erase-child', WITHDRAWAL_STREAM_HANDLER, SWEEP_HANDLER].includes(h),
);

/** Is this the Lambda function aws-cdk-lib adds to set bucket notifications (not one of ours)? */
const isNotificationsHandler = (id: string) => id.startsWith('BucketNotificationsHandler');

describe('API stack', () => {
  let dev: Synthesized;
  let prod: Synthesized;
  beforeAll(() => {
    dev = synth(configWith({ stage: 'dev' }));
    prod = synth(configWith({ stage: 'prod', agePolicy: 'uavg', noticeVersion: '2027-01' }));
  });

  /** Our functions, without the notifications handler of aws-cdk-lib. */
  const ourFunctions = (s: Synthesized) =>
    resourcesOf(s.apiTemplate, 'AWS::Lambda::Function').filter(([id]) => !isNotificationsHandler(id));

  /** Handler -> [logical id, Lambda function resource], found through the stack's `functions`. */
  function functionsByHandler(s: Synthesized): Record<string, [string, Resource]> {
    const functions = Object.fromEntries(resourcesOf(s.apiTemplate, 'AWS::Lambda::Function'));
    return Object.fromEntries(
      Object.entries(s.api.functions).map(([handler, fn]) => {
        const id = s.api.getLogicalId(fn.fn.node.defaultChild as CfnElement);
        return [handler, [id, functions[id] as Resource]];
      }),
    );
  }

  /** Route key -> the Lambda function resource behind it, following route -> integration -> function. */
  function functionsByRoute(s: Synthesized) {
    const t = s.apiTemplate;
    const integrations = Object.fromEntries(resourcesOf(t, 'AWS::ApiGatewayV2::Integration'));
    const functions = Object.fromEntries(resourcesOf(t, 'AWS::Lambda::Function'));
    return Object.fromEntries(
      resourcesOf(t, 'AWS::ApiGatewayV2::Route').map(([, route]) => {
        const target = route.Properties?.Target as { 'Fn::Join': [string, unknown[]] };
        const integrationId = (target['Fn::Join'][1][1] as { Ref: string }).Ref;
        const uri = integrations[integrationId]?.Properties?.IntegrationUri as { 'Fn::GetAtt': [string, string] };
        return [route.Properties?.RouteKey as string, functions[uri['Fn::GetAtt'][0]]];
      }),
    );
  }

  function policyStatementsOfRole(s: Synthesized, roleId: string): Statement[] {
    return resourcesOf(s.apiTemplate, 'AWS::IAM::Policy')
      .filter(([, p]) => (p.Properties?.Roles as { Ref: string }[]).some((r) => r.Ref === roleId))
      .flatMap(([, p]) => (p.Properties?.PolicyDocument as { Statement: Statement[] }).Statement);
  }

  /** The logical id of a construct's CloudFormation resource in the API stack. */
  const logicalIdOf = (s: Synthesized, construct: IConstruct) => s.api.getLogicalId(construct.node.defaultChild as CfnElement);
  const queueOf = logicalIdOf;

  /** A dead-letter queue: encrypted at rest, TLS only, failures kept for 14 days. */
  function expectDeadLetterQueue(s: Synthesized, queueId: string) {
    const queue = Object.fromEntries(resourcesOf(s.apiTemplate, 'AWS::SQS::Queue'))[queueId];
    expect(queue?.Properties).toMatchObject({ SqsManagedSseEnabled: true, MessageRetentionPeriod: 14 * 24 * 3600 });
    s.apiTemplate.hasResourceProperties('AWS::SQS::QueuePolicy', {
      Queues: [{ Ref: queueId }],
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
        ]),
      },
    });
  }

  describe('routes', () => {
    it('every route of functions/routes.ts exists, and no other', () => {
      const keys = resourcesOf(dev.apiTemplate, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties?.RouteKey);

      expect(keys.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    });

    it('every route goes through the Lambda authorizer: none is open', () => {
      const [authorizerId] = onlyResource(dev.apiTemplate, 'AWS::ApiGatewayV2::Authorizer');

      for (const [, route] of resourcesOf(dev.apiTemplate, 'AWS::ApiGatewayV2::Route')) {
        expect(route.Properties).toMatchObject({ AuthorizationType: 'CUSTOM', AuthorizerId: { Ref: authorizerId } });
      }
      dev.apiTemplate.resourcePropertiesCountIs('AWS::ApiGatewayV2::Route', { AuthorizationType: 'NONE' }, 0);
      expect(resourcesOf(dev.apiTemplate, 'AWS::ApiGatewayV2::Route')).toHaveLength(ROUTES.length);
    });

    it('the authorizer is the authorizer function, asked with the Authorization header (payload 2.0, simple answers, cached 5 minutes)', () => {
      const authorizerFnId = functionsByHandler(dev)[AUTHORIZER_HANDLER]?.[0] as string;

      expect(onlyResource(dev.apiTemplate, 'AWS::ApiGatewayV2::Authorizer')[1].Properties).toEqual({
        ApiId: expect.anything(),
        Name: 'access-token',
        AuthorizerType: 'REQUEST',
        AuthorizerPayloadFormatVersion: '2.0',
        EnableSimpleResponses: true,
        // Without the header API Gateway answers 401 itself; with it, the cache key is the header.
        IdentitySource: ['$request.header.Authorization'],
        AuthorizerResultTtlInSeconds: 300,
        AuthorizerUri: {
          'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':apigateway:eu-central-1:lambda:path/2015-03-31/functions/', { 'Fn::GetAtt': [authorizerFnId, 'Arn'] }, '/invocations']],
        },
      });
    });

    it('only this API\'s authorizer may invoke the authorizer function', () => {
      const authorizerFnId = functionsByHandler(dev)[AUTHORIZER_HANDLER]?.[0] as string;
      const permissions = resourcesOf(dev.apiTemplate, 'AWS::Lambda::Permission').filter(
        ([, p]) => JSON.stringify(p.Properties?.FunctionName).includes(authorizerFnId),
      );

      expect(permissions).toHaveLength(1);
      expect(permissions[0]?.[1].Properties).toMatchObject({ Action: 'lambda:InvokeFunction', Principal: 'apigateway.amazonaws.com' });
      expect(flatten(permissions[0]?.[1].Properties?.SourceArn)).toMatch(/^arn:<AWS::Partition>:execute-api:eu-central-1:<AWS::AccountId>:<HttpApi\w+>\/authorizers\/<HttpApi\w*Authorizer\w*>$/);
    });

    it('the authorizer and every function trust exactly the two pools, each with its own app client and roles', () => {
      const pool = (prefix: string) => resourcesOf(dev.apiTemplate, 'AWS::Cognito::UserPool').find(([id]) => id.startsWith(prefix))?.[0];
      const client = (name: string) =>
        resourcesOf(dev.apiTemplate, 'AWS::Cognito::UserPoolClient').find(([, c]) => c.Properties?.ClientName === name)?.[0];
      const issuer = (poolId: string | undefined) => `https://cognito-idp.eu-central-1.amazonaws.com/<${poolId}>`;
      const expected = [
        { issuer: issuer(pool('StaffPool')), jwksUri: `${issuer(pool('StaffPool'))}/.well-known/jwks.json`, clientIds: [`<${client('staff-tablet')}>`], roles: ['staff', 'admin'] },
        { issuer: issuer(pool('FamilyPool')), jwksUri: `${issuer(pool('FamilyPool'))}/.well-known/jwks.json`, clientIds: [`<${client('parents-app')}>`], roles: ['guardian', 'child'] },
      ];

      for (const [, fn] of ourFunctions(dev)) {
        const env = (fn.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
        expect(JSON.parse(flatten(env.JWT_ISSUERS))).toEqual(expected);
      }
    });

    it('each route is served by its own function, built from its handler module', () => {
      const byRoute = functionsByRoute(dev);

      for (const route of ROUTES) {
        const fn = byRoute[`${route.method} ${route.path}`];
        expect(fn?.Properties).toMatchObject({ Description: `${route.method} ${route.path}`, Handler: 'index.handler' });
      }
      expect(new Set(Object.values(byRoute)).size).toBe(ROUTES.length);
      expect(Object.keys(dev.api.functions).sort()).toEqual([...HANDLERS].sort());
    });

    it('the stage logs every request as JSON and is throttled', () => {
      const [logGroupId] = resourcesOf(dev.apiTemplate, 'AWS::Logs::LogGroup').find(([id]) => id.startsWith('AccessLogs')) ?? [];

      dev.apiTemplate.hasResourceProperties('AWS::ApiGatewayV2::Stage', {
        StageName: '$default',
        AutoDeploy: true,
        DefaultRouteSettings: {
          ThrottlingRateLimit: API_THROTTLE.rateLimit,
          ThrottlingBurstLimit: API_THROTTLE.burstLimit,
        },
        AccessLogSettings: {
          DestinationArn: { 'Fn::GetAtt': [logGroupId, 'Arn'] },
          Format: Match.stringLikeRegexp('"requestId":"\\$context.requestId"'),
        },
      });
      const format = JSON.parse(
        (onlyResource(dev.apiTemplate, 'AWS::ApiGatewayV2::Stage')[1].Properties?.AccessLogSettings as { Format: string })
          .Format,
      ) as Record<string, string>;
      expect(Object.values(format)).not.toContain('$context.path');
    });

    it('access log lines are JSON with the fields an investigation needs, and never a header, a body or a token', () => {
      const format = JSON.parse(
        (onlyResource(dev.apiTemplate, 'AWS::ApiGatewayV2::Stage')[1].Properties?.AccessLogSettings as { Format: string }).Format,
      ) as Record<string, string>;

      expect(format).toMatchObject({
        requestId: '$context.requestId',
        routeKey: '$context.routeKey',
        status: '$context.status',
        sourceIp: '$context.identity.sourceIp',
        // What the authorizer passed on: the caller's record id and role.
        caller: '$context.authorizer.userId',
        role: '$context.authorizer.role',
        authorizerError: '$context.authorizer.error',
      });
      for (const value of Object.values(format)) {
        expect(value).toMatch(/^\$context\.[A-Za-z.]+$/);
        expect(value).not.toMatch(/header|authorization|token|body|path|querystring|identitySource/i);
      }
    });

    it('creating uploads has a stricter limit than the rest of the API', () => {
      const [, stage] = onlyResource(dev.apiTemplate, 'AWS::ApiGatewayV2::Stage');
      const [uploadRouteId] = resourcesOf(dev.apiTemplate, 'AWS::ApiGatewayV2::Route').find(([, r]) => r.Properties?.RouteKey === 'POST /media') ?? [];

      expect(stage.Properties?.RouteSettings).toEqual({
        'POST /media': { ThrottlingRateLimit: UPLOAD_THROTTLE.rateLimit, ThrottlingBurstLimit: UPLOAD_THROTTLE.burstLimit },
      });
      expect(UPLOAD_THROTTLE.rateLimit).toBeLessThan(API_THROTTLE.rateLimit);
      expect(UPLOAD_THROTTLE.burstLimit).toBeLessThan(API_THROTTLE.burstLimit);
      // The stage may only name a route that exists when it is deployed.
      expect((stage as { DependsOn?: string[] }).DependsOn).toContain(uploadRouteId);
    });
  });

  describe('functions', () => {
    it('every function runs Node.js 22 or later on ARM64 with active tracing, JSON logs and explicit limits', () => {
      const functions = ourFunctions(dev);
      expect(functions).toHaveLength(HANDLERS.length);

      for (const [, fn] of functions) {
        const props = fn.Properties as Record<string, unknown>;
        expect(props).toMatchObject({
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
          LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: expect.any(String) } },
          MemorySize: expect.any(Number),
          Timeout: expect.any(Number),
        });
        const runtime = /^nodejs(\d+)\.x$/.exec(props.Runtime as string);
        expect(Number(runtime?.[1])).toBeGreaterThanOrEqual(22);
      }
    });

    it('every function, aws-cdk-lib\'s notifications handler too, logs into its own log group, which has a retention', () => {
      const groups = Object.fromEntries(resourcesOf(dev.apiTemplate, 'AWS::Logs::LogGroup'));
      const used = resourcesOf(dev.apiTemplate, 'AWS::Lambda::Function').map(
        ([, fn]) => ((fn.Properties?.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref),
      );

      expect(used).toHaveLength(HANDLERS.length + 1);
      expect(new Set(used).size).toBe(used.length);
      for (const id of used) expect(groups[id]?.Properties?.RetentionInDays).toEqual(expect.any(Number));
    });

    it('every function gets the runtime configuration functions/shared/config.ts reads', () => {
      const byHandler = functionsByHandler(prod);
      expect(ourFunctions(prod)).toHaveLength(HANDLERS.length);

      for (const handler of TABLE_HANDLERS) {
        const env = (byHandler[handler]?.[1].Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
        expect(Object.keys(env)).toEqual(expect.arrayContaining(REQUIRED_ENV));
        expect(env).toMatchObject({
          AGE_POLICY: 'uavg',
          NOTICE_VERSION: '2027-01',
          TABLE_NAME: { 'Fn::ImportValue': expect.stringContaining(prod.data.stackName) },
          RETENTION_YEARS: expect.any(String),
          POWERTOOLS_SERVICE_NAME: 'beeldtoestemming',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          NODE_OPTIONS: '--enable-source-maps',
        });
        expect(JSON.parse(env.RETENTION_YEARS as string)).toEqual({ parent_information: 3, coaching_video: 1, publication: 3 });
        // The organisation's channels decide what can be published to and what is live.
        expect(JSON.parse(env.CHANNELS as string)).toEqual(configWith({}).channels);
      }
    });

    it('the authorizer knows the token issuers and nothing of the data', () => {
      const env = (functionsByHandler(prod)[AUTHORIZER_HANDLER]?.[1].Properties?.Environment as { Variables: Record<string, unknown> }).Variables;

      expect(Object.keys(env).sort()).toEqual(['JWT_ISSUERS', 'NODE_OPTIONS', 'POWERTOOLS_LOG_LEVEL', 'POWERTOOLS_SERVICE_NAME']);
    });

    it('every media function, and no other, knows the footage bucket and the upload URL lifetime', () => {
      for (const [handler, [, fn]] of Object.entries(functionsByHandler(prod))) {
        const env = (fn.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
        if (MEDIA_HANDLERS.includes(handler)) {
          expect(env).toMatchObject({
            BUCKET_NAME: { 'Fn::ImportValue': `${prod.data.stackName}:FootageBucketName` },
            UPLOAD_URL_TTL_SECONDS: '300',
          });
        } else {
          expect(env.BUCKET_NAME).toBeUndefined();
        }
      }
      expect(MEDIA_HANDLERS.sort()).toEqual([
        'media/complete-upload',
        'media/create-upload',
        'media/delete-media',
        'media/get-media',
        'media/object-created',
        'media/roster',
        'retention/sweep',
        'rights/erase-child',
        'rights/export-child',
        'usage/coaching',
        'usage/download',
        'usage/feed',
        'withdrawal/on-ledger-change',
      ]);
    });
  });

  describe('permissions', () => {
    function statementsByRoute(s: Synthesized) {
      const byRoute = functionsByRoute(s);
      return ROUTES.map((route) => {
        const fn = byRoute[`${route.method} ${route.path}`];
        const roleId = (fn?.Properties?.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
        return { route, statements: policyStatementsOfRole(s, roleId) };
      });
    }

    /** The policy statements of every function of ours, by handler (routes and object-created). */
    function statementsByHandler(s: Synthesized) {
      return Object.entries(functionsByHandler(s)).map(([handler, [, fn]]) => {
        const roleId = (fn.Properties?.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
        return { handler, statements: policyStatementsOfRole(s, roleId) };
      });
    }

    const bucketArn = (s: Synthesized) => ({ 'Fn::ImportValue': `${s.data.stackName}:FootageBucketArn` });

    /** `action prefix` pairs of a function's S3 statements; fails on a resource that is no prefix of the bucket. */
    function s3Grants(s: Synthesized, statements: Statement[]): string[] {
      return statements
        .filter((st) => actionsOf(st).some((a) => a.startsWith('s3:')))
        .flatMap((st) =>
          resourcesOfStatement(st).flatMap((resource) => {
            const join = (resource as { 'Fn::Join': [string, [unknown, string]] })['Fn::Join'];
            expect(join?.[1][0]).toEqual(bucketArn(s));
            const prefix = /^\/([a-z]+\/)\*$/.exec(join[1][1])?.[1];
            expect(prefix).toBeDefined();
            return actionsOf(st).map((a) => `${a} ${prefix}`);
          }),
        )
        .sort();
    }

    it('GET routes may only read the table; the others may also write', () => {
      for (const { route, statements } of statementsByRoute(dev)) {
        const actions = statements.flatMap(actionsOf);
        expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem']));
        // GETs that issue download URLs record each issue as an access: they write, deliberately.
        if (route.method === 'GET' && !RECORDS_ACCESS.includes(route.handler)) {
          for (const a of WRITE_ACTIONS) expect(actions).not.toContain(a);
          expect(actions).not.toContain('kms:Encrypt');
        } else {
          expect(actions).toEqual(expect.arrayContaining([...WRITE_ACTIONS, 'kms:Encrypt', 'kms:GenerateDataKey']));
        }
      }
    });

    it('the object-created, withdrawal and sweep functions may read and write the table', () => {
      for (const handler of [OBJECT_CREATED_HANDLER, WITHDRAWAL_STREAM_HANDLER, SWEEP_HANDLER]) {
        const { statements } = statementsByHandler(dev).find((x) => x.handler === handler) ?? { statements: [] };

        expect(statements.flatMap(actionsOf)).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', ...WRITE_ACTIONS]));
      }
    });

    it('each function has exactly the S3 object actions on exactly the prefixes it needs; all others none', () => {
      const found = Object.fromEntries(statementsByHandler(dev).map(({ handler, statements }) => [handler, s3Grants(dev, statements)]));

      expect(Object.keys(found).sort()).toEqual([...HANDLERS].sort());
      for (const handler of HANDLERS) expect([handler, found[handler]]).toEqual([handler, EXPECTED_S3[handler] ?? []]);
    });

    it('only create-upload and completion may write footage (the export its documents); only completion, delete-media, withdrawal, erasure and the sweep may delete', () => {
      const holders = (action: string) =>
        statementsByHandler(dev)
          .filter(({ statements }) => statements.some((st) => actionsOf(st).includes(action)))
          .map((x) => x.handler)
          .sort();

      expect(holders('s3:PutObject')).toEqual(['media/complete-upload', 'media/create-upload', 'media/object-created', 'rights/export-child']);
      expect(holders('s3:DeleteObject')).toEqual([
        'media/complete-upload',
        'media/delete-media',
        'media/object-created',
        'retention/sweep',
        'rights/erase-child',
        'withdrawal/on-ledger-change',
      ]);
      expect(holders('s3:GetObject')).toEqual(['media/complete-upload', 'media/object-created', 'rights/export-child', 'usage/coaching', 'usage/download', 'usage/feed']);
    });

    it('no function has S3 wildcards, bucket-level actions or a grant on every object of the bucket', () => {
      for (const { statements } of statementsByHandler(dev)) {
        const s3 = statements.filter((st) => actionsOf(st).some((a) => a.startsWith('s3:')));
        for (const st of s3) {
          expect(actionsOf(st).every((a) => ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'].includes(a))).toBe(true);
          for (const resource of resourcesOfStatement(st)) {
            expect(resource).not.toEqual(bucketArn(dev));
            expect(resource).not.toEqual({ 'Fn::Join': ['', [bucketArn(dev), '/*']] });
            expect(resource).not.toBe('*');
          }
        }
      }
    });

    it('footage functions may use the key through S3 only, for this bucket only, and only as their S3 actions need', () => {
      for (const { handler, statements } of statementsByHandler(dev)) {
        const viaS3 = statements.filter(
          (st) => (st.Condition?.StringEquals as Record<string, unknown> | undefined)?.['kms:ViaService'] === 's3.eu-central-1.amazonaws.com',
        );
        const s3Actions = new Set((EXPECTED_S3[handler] ?? []).map((g) => g.split(' ')[0]));
        const expected = [
          ...(s3Actions.has('s3:GetObject') ? ['kms:Decrypt'] : []),
          ...(s3Actions.has('s3:PutObject') ? ['kms:GenerateDataKey'] : []),
        ];
        if (expected.length === 0) {
          expect([handler, viaS3]).toEqual([handler, []]);
          continue;
        }
        expect(viaS3).toHaveLength(1);
        expect(actionsOf(viaS3[0] as Statement).sort()).toEqual(expected);
        expect(viaS3[0]?.Condition).toEqual({
          StringEquals: { 'kms:ViaService': 's3.eu-central-1.amazonaws.com', 'kms:EncryptionContext:aws:s3:arn': bucketArn(dev) },
        });
      }
    });

    it('no function may Scan, batch-write or use wildcard actions', () => {
      const actions = statementsByHandler(dev).flatMap(({ statements }) => statements.flatMap(actionsOf));

      expect(actions).not.toContain('dynamodb:Scan');
      expect(actions).not.toContain('dynamodb:BatchWriteItem');
      expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    });

    it('only the X-Ray actions, which have no resource-level permissions, use Resource "*"', () => {
      for (const { statements } of statementsByHandler(dev)) {
        const anyResource = statements.filter((s) => s.Resource === '*').flatMap(actionsOf);
        expect(anyResource.sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
      }
    });

    it('the key can be used only through DynamoDB or S3 in the organisation region', () => {
      for (const { handler, statements } of statementsByHandler(dev)) {
        const kms = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('kms:')));
        const services = kms.map((s) => (s.Condition?.StringEquals as Record<string, unknown>)['kms:ViaService']);
        if (TABLE_HANDLERS.includes(handler)) expect(services).toContain('dynamodb.eu-central-1.amazonaws.com');
        else expect(kms).toEqual([]);
        for (const service of services) {
          expect(['dynamodb.eu-central-1.amazonaws.com', 's3.eu-central-1.amazonaws.com']).toContain(service);
        }
        expect(kms.filter((s) => s.Condition?.StringEquals)).toHaveLength(kms.length);
      }
    });

    it('index access is limited to Query on GSI1; only the sweep, the chainer and the audit verification may query GSI2', () => {
      const found: Record<string, string[]> = {};
      for (const { handler, statements } of statementsByHandler(dev)) {
        const onIndexes = statements.filter((s) => JSON.stringify(s.Resource).includes('/index/'));
        expect(onIndexes.flatMap(actionsOf)).toEqual(handler === AUTHORIZER_HANDLER ? [] : ['dynamodb:Query']);
        found[handler] = onIndexes.flatMap(resourcesOfStatement).map((r) => /\/index\/(\w+)"/.exec(JSON.stringify(r))?.[1] ?? '?');
      }

      expect(Object.keys(found).sort()).toEqual([...HANDLERS].sort());
      const expected: Record<string, string[]> = { [SWEEP_HANDLER]: ['GSI1', 'GSI2'], [AUDIT_CHAIN_HANDLER]: ['GSI2'], 'audit/verify': ['GSI1', 'GSI2'] };
      for (const handler of HANDLERS) {
        expect([handler, found[handler]?.sort()]).toEqual([handler, expected[handler] ?? (handler === AUTHORIZER_HANDLER ? [] : ['GSI1'])]);
      }
      // The same from the routes' side: only the admin's audit verification (which counts pending entries) reaches GSI2.
      for (const { route, statements } of statementsByRoute(dev)) {
        if (route.handler !== 'audit/verify') expect(JSON.stringify(statements)).not.toContain('/index/GSI2');
      }
    });

    it('no role uses an AWS managed policy, aws-cdk-lib\'s notifications handler\'s neither', () => {
      expect(resourcesOf(dev.apiTemplate, 'AWS::IAM::Role').length).toBeGreaterThan(HANDLERS.length);
      for (const [, role] of resourcesOf(dev.apiTemplate, 'AWS::IAM::Role')) {
        expect(role.Properties?.ManagedPolicyArns).toBeUndefined();
      }
    });
  });

  describe('encryption', () => {
    /** The export of the data stack that holds its key's ARN. */
    function dataKeyImport(s: Synthesized) {
      const keyId = s.data.getLogicalId(s.data.key.node.defaultChild as CfnElement);
      const outputs = s.dataTemplate.toJSON().Outputs as Record<string, { Value: unknown; Export?: { Name: string } }>;
      const exported = Object.values(outputs).find((o) => JSON.stringify(o.Value) === JSON.stringify({ 'Fn::GetAtt': [keyId, 'Arn'] }));
      expect(exported?.Export?.Name).toBeDefined();
      return { 'Fn::ImportValue': exported?.Export?.Name };
    }

    it.each(['dev', 'prod'] as const)('%s: every log group (functions, aws-cdk-lib\'s handler, API access logs) is encrypted with the data stack\'s key', (stage) => {
      const s = stage === 'dev' ? dev : prod;
      const groups = resourcesOf(s.apiTemplate, 'AWS::Logs::LogGroup');

      expect(groups.length).toBe(HANDLERS.length + 2);
      for (const [id, group] of groups) expect([id, group.Properties?.KmsKeyId]).toEqual([id, dataKeyImport(s)]);
    });

    it('log groups go with the stack in dev; outside dev they stay until their retention ends', () => {
      for (const [, group] of resourcesOf(dev.apiTemplate, 'AWS::Logs::LogGroup')) expect(group.DeletionPolicy).toBe('Delete');
      for (const [, group] of resourcesOf(prod.apiTemplate, 'AWS::Logs::LogGroup')) {
        expect(group.DeletionPolicy).toBe('Retain');
        expect(group.Properties?.RetentionInDays).toEqual(expect.any(Number));
      }
    });

    it('the only key of this stack is the alerts topic\'s; the dead-letter queues use SQS-managed encryption', () => {
      const keys = resourcesOf(dev.apiTemplate, 'AWS::KMS::Key').map(([id]) => id);

      expect(keys).toEqual([logicalIdOf(dev, dev.api.alerts.key)]);
      for (const [, queue] of resourcesOf(dev.apiTemplate, 'AWS::SQS::Queue')) {
        expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true });
        expect(queue.Properties?.KmsMasterKeyId).toBeUndefined();
      }
    });
  });

  describe('upload notification', () => {
    const objectCreatedId = (s: Synthesized) => functionsByHandler(s)[OBJECT_CREATED_HANDLER]?.[0] as string;

    it('S3 invokes the object-created function for every object created below uploads/, and for nothing else', () => {
      const [, notification] = onlyResource(dev.apiTemplate, 'Custom::S3BucketNotifications');

      expect(notification.Properties).toMatchObject({
        BucketName: { 'Fn::ImportValue': `${dev.data.stackName}:FootageBucketName` },
        // Only the configurations this stack created are replaced or removed.
        Managed: false,
        NotificationConfiguration: {
          LambdaFunctionConfigurations: [
            {
              Events: ['s3:ObjectCreated:*'],
              Filter: { Key: { FilterRules: [{ Name: 'prefix', Value: 'uploads/' }] } },
              LambdaFunctionArn: { 'Fn::GetAtt': [objectCreatedId(dev), 'Arn'] },
            },
          ],
        },
      });
      const config = notification.Properties?.NotificationConfiguration as Record<string, unknown>;
      expect(Object.keys(config)).toEqual(['LambdaFunctionConfigurations']);
    });

    it('only S3, for this bucket in this account, may invoke the object-created function', () => {
      const permissions = resourcesOf(dev.apiTemplate, 'AWS::Lambda::Permission').filter(
        ([, p]) => JSON.stringify(p.Properties?.FunctionName).includes(objectCreatedId(dev)),
      );

      expect(permissions.map(([, p]) => p.Properties)).toEqual([
        {
          Action: 'lambda:InvokeFunction',
          FunctionName: { 'Fn::GetAtt': [objectCreatedId(dev), 'Arn'] },
          Principal: 's3.amazonaws.com',
          SourceArn: { 'Fn::ImportValue': `${dev.data.stackName}:FootageBucketArn` },
          SourceAccount: { Ref: 'AWS::AccountId' },
        },
      ]);
    });

    it('is not behind any HTTP route', () => {
      for (const [, integration] of resourcesOf(dev.apiTemplate, 'AWS::ApiGatewayV2::Integration')) {
        expect(integration.Properties?.IntegrationUri).not.toEqual({ 'Fn::GetAtt': [objectCreatedId(dev), 'Arn'] });
      }
      expect(resourcesOf(dev.apiTemplate, 'AWS::ApiGatewayV2::Integration')).toHaveLength(ROUTES.length);
    });

    it('retries a failed invocation at most twice, then keeps the event in an encrypted, TLS-only dead-letter queue', () => {
      const id = objectCreatedId(dev);
      const invokeConfigs = resourcesOf(dev.apiTemplate, 'AWS::Lambda::EventInvokeConfig').filter(
        ([, c]) => (c.Properties?.FunctionName as { Ref: string }).Ref === id,
      );
      const fn = Object.fromEntries(resourcesOf(dev.apiTemplate, 'AWS::Lambda::Function'))[id];
      const queueId = queueOf(dev, dev.api.objectCreatedDeadLetters);

      expect(invokeConfigs.map(([, c]) => c.Properties)).toEqual([expect.objectContaining({ MaximumRetryAttempts: 2 })]);
      expect(fn?.Properties?.DeadLetterConfig).toEqual({ TargetArn: { 'Fn::GetAtt': [queueId, 'Arn'] } });
      expectDeadLetterQueue(dev, queueId);
    });

    it('aws-cdk-lib\'s notifications handler may set the notifications of this bucket and write its own logs, nothing else', () => {
      const [handlerId, handler] = resourcesOf(dev.apiTemplate, 'AWS::Lambda::Function').find(([id]) => isNotificationsHandler(id)) ?? [];
      const roleId = (handler?.Properties?.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
      const logGroupId = (handler?.Properties?.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref;
      const statements = policyStatementsOfRole(dev, roleId);

      expect(handlerId).toBeDefined();
      expect(statements.map((st) => [actionsOf(st).sort(), st.Resource])).toEqual(
        expect.arrayContaining([
          [['logs:CreateLogStream', 'logs:PutLogEvents'], { 'Fn::GetAtt': [logGroupId, 'Arn'] }],
          [['s3:PutBucketNotification'], { 'Fn::ImportValue': `${dev.data.stackName}:FootageBucketArn` }],
          [['s3:GetBucketNotification'], { 'Fn::ImportValue': `${dev.data.stackName}:FootageBucketArn` }],
        ]),
      );
      expect(statements).toHaveLength(3);
    });
  });

  /** The stream event source mapping that invokes a function (by its logical id). */
  function mappingOf(s: Synthesized, functionId: string): Record<string, unknown> {
    const found = resourcesOf(s.apiTemplate, 'AWS::Lambda::EventSourceMapping').filter(([, m]) => JSON.stringify(m.Properties?.FunctionName) === JSON.stringify({ Ref: functionId }));
    expect(found).toHaveLength(1);
    return found[0]?.[1].Properties ?? {};
  }

  /** The policy statements of a function's role, by handler. */
  function statementsOf(s: Synthesized, handler: string): Statement[] {
    const fn = functionsByHandler(s)[handler]?.[1];
    const roleId = (fn?.Properties?.Role as { 'Fn::GetAtt': [string, string] })['Fn::GetAtt'][0];
    return policyStatementsOfRole(s, roleId);
  }

  describe('withdrawal stream', () => {
    const withdrawalId = (s: Synthesized) => functionsByHandler(s)[WITHDRAWAL_STREAM_HANDLER]?.[0] as string;
    const mapping = (s: Synthesized) => mappingOf(s, withdrawalId(s));

    it('the table\'s stream invokes the withdrawal function, and only for new consent events that withdraw', () => {
      const props = mapping(dev);

      expect(props.FunctionName).toEqual({ Ref: withdrawalId(dev) });
      expect(props.EventSourceArn).toEqual({ 'Fn::ImportValue': expect.stringMatching(new RegExp(`^${dev.data.stackName}:.*StreamArn`)) });
      const filters = (props.FilterCriteria as { Filters: { Pattern: string }[] }).Filters;
      expect(filters.map((f) => JSON.parse(f.Pattern))).toEqual([
        {
          eventName: ['INSERT'],
          dynamodb: { NewImage: { entityType: { S: ['ConsentEvent'] }, decision: { S: ['withdrawn'] } } },
        },
      ]);
    });

    it('a failing batch is split, retried at most five times, its failed records reported alone, then handed to a dead-letter queue', () => {
      const props = mapping(dev);
      const queueId = queueOf(dev, dev.api.withdrawalDeadLetters);

      expect(props).toMatchObject({
        BatchSize: 10,
        BisectBatchOnFunctionError: true,
        MaximumRetryAttempts: 5,
        FunctionResponseTypes: ['ReportBatchItemFailures'],
        // From the oldest record still in the stream: nothing recorded before the mapping existed is skipped.
        StartingPosition: 'TRIM_HORIZON',
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
      });
      // A record that keeps failing is reported before the stream's 24-hour retention trims it.
      expect(props.MaximumRecordAgeInSeconds).toBeGreaterThanOrEqual(3600);
      expect(props.MaximumRecordAgeInSeconds).toBeLessThan(24 * 3600);
      expectDeadLetterQueue(dev, queueId);
    });

    it('the withdrawal function may read this stream only, and send only to its own dead-letter queue', () => {
      const statements = statementsOf(dev, WITHDRAWAL_STREAM_HANDLER);
      const stream = statements.filter((st) => actionsOf(st).includes('dynamodb:GetRecords'));
      const sqs = statements.filter((st) => actionsOf(st).some((a) => a.startsWith('sqs:')));

      expect(stream.map((st) => [actionsOf(st).sort(), st.Resource])).toEqual([
        [
          ['dynamodb:DescribeStream', 'dynamodb:GetRecords', 'dynamodb:GetShardIterator', 'dynamodb:ListStreams'],
          mapping(dev).EventSourceArn,
        ],
      ]);
      expect(sqs.map((st) => st.Resource)).toEqual([{ 'Fn::GetAtt': [queueOf(dev, dev.api.withdrawalDeadLetters), 'Arn'] }]);
      expect(actionsOf(sqs[0] as Statement)).toContain('sqs:SendMessage');
    });

    it('runs with 512 MB for up to a minute, and is behind no HTTP route', () => {
      const fn = functionsByHandler(dev)[WITHDRAWAL_STREAM_HANDLER]?.[1];

      expect(fn?.Properties).toMatchObject({ MemorySize: 512, Timeout: 60 });
      expect(Object.values(functionsByRoute(dev))).not.toContain(fn);
    });

    it('only the withdrawal function and the audit chainer are invoked by a stream: two readers, the most DynamoDB advises', () => {
      const targets = resourcesOf(dev.apiTemplate, 'AWS::Lambda::EventSourceMapping').map(([, m]) => m.Properties?.FunctionName);
      expect(targets).toHaveLength(2);
      expect(targets).toEqual(expect.arrayContaining([{ Ref: withdrawalId(dev) }, { Ref: functionsByHandler(dev)[AUDIT_CHAIN_HANDLER]?.[0] }]));
    });
  });

  describe('audit chainer', () => {
    const chainerId = (s: Synthesized) => functionsByHandler(s)[AUDIT_CHAIN_HANDLER]?.[0] as string;

    it('the table\'s stream invokes the chainer for new pending audit entries only, batched', () => {
      const props = mappingOf(dev, chainerId(dev));
      const queueId = queueOf(dev, dev.api.auditDeadLetters);

      expect(props.EventSourceArn).toEqual(mappingOf(dev, functionsByHandler(dev)[WITHDRAWAL_STREAM_HANDLER]?.[0] as string).EventSourceArn);
      const filters = (props.FilterCriteria as { Filters: { Pattern: string }[] }).Filters;
      expect(filters.map((f) => JSON.parse(f.Pattern))).toEqual([{ eventName: ['INSERT'], dynamodb: { NewImage: { entityType: { S: ['AuditPending'] } } } }]);
      expect(props).toMatchObject({
        BatchSize: 100,
        MaximumBatchingWindowInSeconds: 1,
        MaximumRetryAttempts: 5,
        StartingPosition: 'TRIM_HORIZON',
        DestinationConfig: { OnFailure: { Destination: { 'Fn::GetAtt': [queueId, 'Arn'] } } },
      });
      expect(props.MaximumRecordAgeInSeconds).toBeLessThan(24 * 3600);
      expectDeadLetterQueue(dev, queueId);
    });

    it('runs one at a time (chainers would only race for the head) and touches no footage', () => {
      const fn = functionsByHandler(dev)[AUDIT_CHAIN_HANDLER]?.[1];

      expect(fn?.Properties).toMatchObject({ ReservedConcurrentExecutions: 1, MemorySize: 512, Timeout: 60 });
      expect(JSON.stringify(statementsOf(dev, AUDIT_CHAIN_HANDLER))).not.toContain('s3:');
      expect(Object.values(functionsByRoute(dev))).not.toContain(fn);
    });
  });

  describe('retention sweep', () => {
    const sweepId = (s: Synthesized) => functionsByHandler(s)[SWEEP_HANDLER]?.[0] as string;
    const schedule = (s: Synthesized) => onlyResource(s.apiTemplate, 'AWS::Scheduler::Schedule')[1].Properties ?? {};

    it('a schedule runs the sweep every day at 03:00 Amsterdam time', () => {
      expect(schedule(dev)).toMatchObject({
        ScheduleExpression: 'cron(0 3 * * ? *)',
        ScheduleExpressionTimezone: 'Europe/Amsterdam',
        State: 'ENABLED',
        FlexibleTimeWindow: { Mode: 'OFF' },
        Target: { Arn: { 'Fn::GetAtt': [sweepId(dev), 'Arn'] } },
      });
    });

    it('a run that cannot be delivered is retried twice, within six hours, then kept in a dead-letter queue', () => {
      const queueId = queueOf(dev, dev.api.sweepDeadLetters);

      expect(schedule(dev).Target).toMatchObject({
        RetryPolicy: { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 6 * 3600 },
        DeadLetterConfig: { Arn: { 'Fn::GetAtt': [queueId, 'Arn'] } },
      });
      expectDeadLetterQueue(dev, queueId);
    });

    it('a run that fails or times out is retried twice by Lambda, then kept in the same dead-letter queue', () => {
      const fn = functionsByHandler(dev)[SWEEP_HANDLER]?.[1];
      const invokeConfigs = resourcesOf(dev.apiTemplate, 'AWS::Lambda::EventInvokeConfig').filter(
        ([, c]) => (c.Properties?.FunctionName as { Ref: string }).Ref === sweepId(dev),
      );

      expect(invokeConfigs.map(([, c]) => c.Properties)).toEqual([
        expect.objectContaining({ MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 6 * 3600 }),
      ]);
      expect(fn?.Properties?.DeadLetterConfig).toEqual({ TargetArn: { 'Fn::GetAtt': [queueOf(dev, dev.api.sweepDeadLetters), 'Arn'] } });
    });

    it('runs one at a time, for up to 15 minutes, with 1024 MB, and is behind no HTTP route', () => {
      const fn = functionsByHandler(dev)[SWEEP_HANDLER]?.[1];

      expect(fn?.Properties).toMatchObject({ ReservedConcurrentExecutions: 1, Timeout: 900, MemorySize: 1024 });
      expect(Object.values(functionsByRoute(dev))).not.toContain(fn);
    });

    it('Scheduler\'s role may invoke the sweep function (no version or alias) and send to the dead-letter queue, nothing else', () => {
      const roleId = (schedule(dev).Target as { RoleArn: { 'Fn::GetAtt': [string, string] } }).RoleArn['Fn::GetAtt'][0];
      const role = Object.fromEntries(resourcesOf(dev.apiTemplate, 'AWS::IAM::Role'))[roleId];

      expect(policyStatementsOfRole(dev, roleId).map((st) => [st.Action, st.Resource])).toEqual([
        ['lambda:InvokeFunction', { 'Fn::GetAtt': [sweepId(dev), 'Arn'] }],
        ['sqs:SendMessage', { 'Fn::GetAtt': [queueOf(dev, dev.api.sweepDeadLetters), 'Arn'] }],
      ]);
      // Only Scheduler, for schedules of this account (no confused deputy).
      expect(role?.Properties?.AssumeRolePolicyDocument).toMatchObject({
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Principal: { Service: 'scheduler.amazonaws.com' },
            Condition: { StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } } },
          },
        ],
      });
    });
  });

  describe('alarms', () => {
    type Alarm = { Properties: Record<string, unknown> };
    const alarms = (s: Synthesized) => resourcesOf(s.apiTemplate, 'AWS::CloudWatch::Alarm').map(([, a]) => a as Alarm);
    const topicId = (s: Synthesized) => onlyResource(s.apiTemplate, 'AWS::SNS::Topic')[0];

    it('alarm on any sweep error in a day, and notify the alerts topic', () => {
      const sweepId = functionsByHandler(dev)[SWEEP_HANDLER]?.[0] as string;

      const found = alarms(dev).filter((a) => JSON.stringify(a.Properties.Dimensions) === JSON.stringify([{ Name: 'FunctionName', Value: { Ref: sweepId } }]));
      expect(found.map((a) => a.Properties)).toEqual([
        expect.objectContaining({
          Namespace: 'AWS/Lambda',
          MetricName: 'Errors',
          Statistic: 'Sum',
          Period: 86400,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          TreatMissingData: 'notBreaching',
          AlarmActions: [{ Ref: topicId(dev) }],
        }),
      ]);
    });

    it('alarm when no sweep completed in 26 hours: hourly periods, missing data counts as not run', () => {
      const found = alarms(dev).filter((a) => a.Properties.MetricName === SWEEP_COMPLETED_METRIC);

      expect(found.map((a) => a.Properties)).toEqual([
        expect.objectContaining({
          Namespace: METRICS_NAMESPACE,
          Dimensions: [{ Name: 'service', Value: METRIC_SERVICES.sweep }],
          Statistic: 'Sum',
          Period: 3600,
          EvaluationPeriods: 26,
          DatapointsToAlarm: 26,
          Threshold: 1,
          ComparisonOperator: 'LessThanThreshold',
          TreatMissingData: 'breaching',
          AlarmActions: [{ Ref: topicId(dev) }],
        }),
      ]);
      // CloudWatch evaluates at most 7 days for periods of an hour or more.
      expect(26 * 3600).toBeLessThanOrEqual(7 * 24 * 3600);
    });

    it('alarm on errors of every function but the sweep (its own alarm) and the authorizer (fails on purpose for refused tokens)', () => {
      const byHandler = functionsByHandler(dev);
      const onErrors = alarms(dev).filter((a) => a.Properties.MetricName === 'Errors' && a.Properties.Period === 300);
      const watched = onErrors.map((a) => (a.Properties.Dimensions as { Value: { Ref: string } }[])[0]?.Value.Ref);

      expect(watched.sort()).toEqual(
        HANDLERS.filter((h) => h !== SWEEP_HANDLER && h !== AUTHORIZER_HANDLER)
          .map((h) => byHandler[h]?.[0])
          .sort(),
      );
      for (const alarm of onErrors) {
        expect(alarm.Properties).toMatchObject({
          Namespace: 'AWS/Lambda',
          Statistic: 'Sum',
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          TreatMissingData: 'notBreaching',
          AlarmActions: [{ Ref: topicId(dev) }],
        });
      }
      expect(watched).not.toContain(byHandler[AUTHORIZER_HANDLER]?.[0]);
    });

    it('alarm when the authorizer cannot verify at all (its own count, not its errors)', () => {
      expect(alarms(dev).filter((a) => a.Properties.MetricName === AUTHORIZER_FAILURES_METRIC).map((a) => a.Properties)).toEqual([
        expect.objectContaining({
          Namespace: METRICS_NAMESPACE,
          Dimensions: [{ Name: 'service', Value: METRIC_SERVICES.authorizer }],
          Statistic: 'Sum',
          Period: 300,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          AlarmActions: [{ Ref: topicId(dev) }],
        }),
      ]);
    });

    it('alarm on the API\'s 5xx rate, only above a minimum number of requests', () => {
      const [apiId] = onlyResource(dev.apiTemplate, 'AWS::ApiGatewayV2::Api');
      const found = alarms(dev).filter((a) => Array.isArray(a.Properties.Metrics));

      expect(found).toHaveLength(1);
      const props = found[0]?.Properties as { Metrics: { Id: string; Expression?: string; MetricStat?: unknown }[] } & Record<string, unknown>;
      expect(props).toMatchObject({ Threshold: API_5XX_PERCENT, EvaluationPeriods: 3, DatapointsToAlarm: 2, ComparisonOperator: 'GreaterThanOrEqualToThreshold', AlarmActions: [{ Ref: topicId(dev) }] });
      const byId = Object.fromEntries(props.Metrics.map((m) => [m.Id, m]));
      expect(props.Metrics.find((m) => m.Expression)?.Expression).toBe(`IF(requests >= ${API_5XX_MIN_REQUESTS}, 100 * FILL(errors, 0) / requests, 0)`);
      expect(byId.requests?.MetricStat).toEqual({ Metric: { Namespace: 'AWS/ApiGateway', MetricName: 'Count', Dimensions: [{ Name: 'ApiId', Value: { Ref: apiId } }] }, Period: 300, Stat: 'Sum' });
      expect(byId.errors?.MetricStat).toEqual({ Metric: { Namespace: 'AWS/ApiGateway', MetricName: '5xx', Dimensions: [{ Name: 'ApiId', Value: { Ref: apiId } }] }, Period: 300, Stat: 'Sum' });
      expect(API_5XX_MIN_REQUESTS).toBeGreaterThan(1);
    });

    it('alarm on throttling: Lambda throttles in the account, and 429 answers of the API counted from its access log', () => {
      const [logGroupId] = resourcesOf(dev.apiTemplate, 'AWS::Logs::LogGroup').find(([id]) => id.startsWith('AccessLogs')) ?? [];
      const [, filter] = onlyResource(dev.apiTemplate, 'AWS::Logs::MetricFilter');

      expect(alarms(dev).filter((a) => a.Properties.MetricName === 'Throttles').map((a) => a.Properties)).toEqual([
        expect.objectContaining({ Namespace: 'AWS/Lambda', Statistic: 'Sum', Threshold: 1, AlarmActions: [{ Ref: topicId(dev) }] }),
      ]);
      expect(alarms(dev).find((a) => a.Properties.MetricName === 'Throttles')?.Properties.Dimensions).toBeUndefined();
      expect(filter.Properties).toEqual({
        LogGroupName: { Ref: logGroupId },
        FilterPattern: '{ $.status = "429" }',
        MetricTransformations: [{ MetricNamespace: METRICS_NAMESPACE, MetricName: API_THROTTLED_METRIC, MetricValue: '1' }],
      });
      expect(alarms(dev).filter((a) => a.Properties.MetricName === API_THROTTLED_METRIC).map((a) => a.Properties)).toEqual([
        expect.objectContaining({ Namespace: METRICS_NAMESPACE, Statistic: 'Sum', Period: 300, Threshold: API_THROTTLED_ALARM_THRESHOLD, AlarmActions: [{ Ref: topicId(dev) }] }),
      ]);
    });

    it('every alarm notifies the alerts topic', () => {
      for (const alarm of alarms(dev)) expect(alarm.Properties.AlarmActions).toEqual([{ Ref: topicId(dev) }]);
    });

    it('alarm on a message in any dead-letter queue, and notify the alerts topic', () => {
      const queues = resourcesOf(dev.apiTemplate, 'AWS::SQS::Queue').map(([id]) => id);
      const onQueues = alarms(dev).filter((a) => a.Properties.Namespace === 'AWS/SQS');

      expect(queues.sort()).toEqual(
        [dev.api.objectCreatedDeadLetters, dev.api.withdrawalDeadLetters, dev.api.auditDeadLetters, dev.api.sweepDeadLetters].map((q) => queueOf(dev, q)).sort(),
      );
      expect(onQueues).toHaveLength(queues.length);
      for (const queueId of queues) {
        expect(onQueues.map((a) => a.Properties)).toContainEqual(
          expect.objectContaining({
            MetricName: 'ApproximateNumberOfMessagesVisible',
            Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
            Threshold: 1,
            ComparisonOperator: 'GreaterThanOrEqualToThreshold',
            TreatMissingData: 'notBreaching',
            AlarmActions: [{ Ref: topicId(dev) }],
          }),
        );
      }
    });

    it('the alerts topic is encrypted with a rotated key of its own, which CloudWatch may use', () => {
      const keyId = logicalIdOf(dev, dev.api.alerts.key);
      const key = Object.fromEntries(resourcesOf(dev.apiTemplate, 'AWS::KMS::Key'))[keyId];

      dev.apiTemplate.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [keyId, 'Arn'] } });
      expect(key?.Properties).toMatchObject({ EnableKeyRotation: true });
      expect((key?.Properties?.KeyPolicy as { Statement: unknown[] }).Statement).toContainEqual(
        expect.objectContaining({
          Effect: 'Allow',
          Principal: { Service: 'cloudwatch.amazonaws.com' },
          Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        }),
      );
    });

    it('the alerts topic accepts only TLS, and from CloudWatch only alarms of this account', () => {
      dev.apiTemplate.hasResourceProperties('AWS::SNS::TopicPolicy', {
        Topics: [{ Ref: topicId(dev) }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({
              Effect: 'Allow',
              Principal: { Service: 'cloudwatch.amazonaws.com' },
              Action: 'sns:Publish',
              Condition: {
                ArnLike: { 'aws:SourceArn': Match.anyValue() },
                StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
              },
            }),
          ]),
        },
      });
    });

    it('emails the alertEmail of the settings when there is one; without it the topic has no subscription', () => {
      const withEmail = synth(configWith({ stage: 'dev', alertEmail: 'beheer@example.org' }));

      expect(resourcesOf(dev.apiTemplate, 'AWS::SNS::Subscription')).toEqual([]);
      expect(resourcesOf(withEmail.apiTemplate, 'AWS::SNS::Subscription').map(([, sub]) => sub.Properties)).toEqual([
        { Protocol: 'email', Endpoint: 'beheer@example.org', TopicArn: { Ref: topicId(withEmail) } },
      ]);
    });
  });

  describe('sign-in', () => {
    const pools = (s: Synthesized) => Object.fromEntries(resourcesOf(s.apiTemplate, 'AWS::Cognito::UserPool').map(([id, p]) => [id.startsWith('StaffPool') ? 'staff' : 'family', [id, p] as const]));
    const poolProps = (s: Synthesized, pool: 'staff' | 'family') => pools(s)[pool]?.[1].Properties ?? {};

    it('has two user pools: staff and family', () => {
      expect(Object.keys(pools(dev)).sort()).toEqual(['family', 'staff']);
      expect(resourcesOf(dev.apiTemplate, 'AWS::Cognito::UserPool')).toHaveLength(2);
    });

    it('each pool has a group per role it may grant, and no other: staff and admin in the staff pool, guardian and child in the family pool', () => {
      const groupsOf = (pool: 'staff' | 'family') =>
        resourcesOf(dev.apiTemplate, 'AWS::Cognito::UserPoolGroup')
          .filter(([, g]) => (g.Properties?.UserPoolId as { Ref: string }).Ref === pools(dev)[pool]?.[0])
          .map(([, g]) => g.Properties?.GroupName)
          .sort();

      expect(groupsOf('staff')).toEqual(['admin', 'staff']);
      expect(groupsOf('family')).toEqual(['child', 'guardian']);
      expect([...groupsOf('staff'), ...groupsOf('family')].sort()).toEqual([...ROLES].sort());
    });

    it('staff and admin must sign in with TOTP as second factor; SMS is not offered', () => {
      expect(poolProps(dev, 'staff')).toMatchObject({ MfaConfiguration: 'ON', EnabledMfas: ['SOFTWARE_TOKEN_MFA'] });
    });

    it('guardians and children may add TOTP; SMS is not offered', () => {
      expect(poolProps(dev, 'family')).toMatchObject({ MfaConfiguration: 'OPTIONAL', EnabledMfas: ['SOFTWARE_TOKEN_MFA'] });
    });

    it.each(['staff', 'family'] as const)('the %s pool has no self sign-up, a strong password policy and Plus threat protection', (pool) => {
      const props = poolProps(dev, pool);

      expect(props).toMatchObject({
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        Policies: {
          PasswordPolicy: {
            MinimumLength: expect.any(Number),
            RequireLowercase: true,
            RequireUppercase: true,
            RequireNumbers: true,
            RequireSymbols: true,
            PasswordHistorySize: 5,
            TemporaryPasswordValidityDays: 3,
          },
        },
        UserPoolTier: 'PLUS',
        UserPoolAddOns: { AdvancedSecurityMode: 'ENFORCED' },
      });
      const minimum = (props.Policies as { PasswordPolicy: { MinimumLength: number } }).PasswordPolicy.MinimumLength;
      expect(minimum).toBeGreaterThanOrEqual(pool === 'staff' ? 14 : 12);
    });

    it('staff accounts need an email address (invitation, recovery); a child\'s account does not', () => {
      expect(poolProps(dev, 'staff').Schema).toEqual([{ Name: 'email', Required: true, Mutable: true }]);
      expect(poolProps(dev, 'family').Schema).toEqual([{ Name: 'email', Required: false, Mutable: true }]);
    });

    it('the staff tablets sign in to the staff pool, the parents app to the family pool: public clients, SRP only, revocable, short access tokens', () => {
      const clients = Object.fromEntries(
        resourcesOf(dev.apiTemplate, 'AWS::Cognito::UserPoolClient').map(([, c]) => [c.Properties?.ClientName, c.Properties ?? {}]),
      ) as Record<string, Record<string, unknown>>;

      expect(Object.keys(clients).sort()).toEqual(['parents-app', 'staff-tablet']);
      expect(clients['staff-tablet']?.UserPoolId).toEqual({ Ref: pools(dev).staff?.[0] });
      expect(clients['parents-app']?.UserPoolId).toEqual({ Ref: pools(dev).family?.[0] });
      for (const client of Object.values(clients)) {
        expect(client.GenerateSecret).toBe(false);
        expect((client.ExplicitAuthFlows as string[]).sort()).toEqual(['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH']);
        expect(client.AllowedOAuthFlows).toBeUndefined();
        expect(client).toMatchObject({ EnableTokenRevocation: true, PreventUserExistenceErrors: 'ENABLED' });
        expect(client).toMatchObject({ AccessTokenValidity: 30, TokenValidityUnits: { AccessToken: 'minutes' } });
      }
      // A staff session lasts a working day.
      expect(clients['staff-tablet']?.RefreshTokenValidity).toBe(12 * 60);
    });

    it('outside dev both pools survive a stack deletion and are deletion-protected; in dev they go with it', () => {
      for (const pool of ['staff', 'family'] as const) {
        expect(pools(prod)[pool]?.[1]).toMatchObject({ DeletionPolicy: 'Retain', Properties: { DeletionProtection: 'ACTIVE' } });
        expect(pools(dev)[pool]?.[1]).toMatchObject({ DeletionPolicy: 'Delete', Properties: { DeletionProtection: 'INACTIVE' } });
      }
    });

    it('names the pool ids in outputs that scripts/create-user.ts reads', () => {
      const outputs = dev.apiTemplate.toJSON().Outputs as Record<string, { Value: unknown }>;

      expect(outputs[STACK_OUTPUTS.staffUserPoolId]?.Value).toEqual({ Ref: pools(dev).staff?.[0] });
      expect(outputs[STACK_OUTPUTS.familyUserPoolId]?.Value).toEqual({ Ref: pools(dev).family?.[0] });
    });
  });
});
