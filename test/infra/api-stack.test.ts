import type { CfnElement } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import { ROLES } from '../../functions/shared/auth';
import { OBJECT_CREATED_HANDLER, RECORDS_ACCESS, ROUTES } from '../../functions/routes';
import { API_THROTTLE } from '../../infra/stacks/api-stack';
import { configWith, onlyResource, resourcesOf, synth, type Synthesized } from './support';

type Statement = { Action: string | string[]; Resource: unknown; Condition?: Record<string, unknown> };
type Resource = ReturnType<typeof resourcesOf>[number][1];
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);
const resourcesOfStatement = (s: Statement) => (Array.isArray(s.Resource) ? s.Resource : [s.Resource]);

const WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'];
const REQUIRED_ENV = ['TABLE_NAME', 'AGE_POLICY', 'NOTICE_VERSION', 'JWT_ISSUER', 'JWT_JWKS_URI', 'JWT_CLIENT_IDS', 'RETENTION_YEARS'];
const HANDLERS = [...ROUTES.map((r) => r.handler), OBJECT_CREATED_HANDLER];

/**
 * What each function may do in the footage bucket, as `action prefix` pairs. Written out here on
 * purpose, not read from the stack's BUCKET_ACCESS: a change there must be made twice to pass.
 */
const EXPECTED_S3: Record<string, string[]> = {
  'media/create-upload': ['s3:PutObject uploads/'],
  'media/complete-upload': ['s3:DeleteObject uploads/', 's3:GetObject uploads/', 's3:PutObject media/'],
  'media/object-created': ['s3:DeleteObject uploads/', 's3:GetObject uploads/', 's3:PutObject media/'],
  'media/delete-media': ['s3:DeleteObject media/', 's3:DeleteObject uploads/'],
  'usage/feed': ['s3:GetObject media/'],
  'usage/coaching': ['s3:GetObject media/'],
  'usage/download': ['s3:GetObject media/'],
};
/** Handlers that know the footage bucket: every media handler and those that sign download URLs. */
const MEDIA_HANDLERS = HANDLERS.filter((h) => h.startsWith('media/') || ['usage/feed', 'usage/coaching', 'usage/download'].includes(h));

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

  describe('routes', () => {
    it('every route of functions/routes.ts exists, and no other', () => {
      const keys = resourcesOf(dev.apiTemplate, 'AWS::ApiGatewayV2::Route').map(([, r]) => r.Properties?.RouteKey);

      expect(keys.sort()).toEqual(ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    });

    it('every route requires a JWT from the user pool: none is open', () => {
      const [authorizerId] = onlyResource(dev.apiTemplate, 'AWS::ApiGatewayV2::Authorizer');

      for (const [, route] of resourcesOf(dev.apiTemplate, 'AWS::ApiGatewayV2::Route')) {
        expect(route.Properties).toMatchObject({ AuthorizationType: 'JWT', AuthorizerId: { Ref: authorizerId } });
      }
      dev.apiTemplate.resourcePropertiesCountIs('AWS::ApiGatewayV2::Route', { AuthorizationType: 'NONE' }, 0);
    });

    it('the authorizer trusts the user pool as issuer and both app clients as audience', () => {
      const [poolId] = onlyResource(dev.apiTemplate, 'AWS::Cognito::UserPool');
      const clientIds = resourcesOf(dev.apiTemplate, 'AWS::Cognito::UserPoolClient').map(([id]) => ({ Ref: id }));

      dev.apiTemplate.hasResourceProperties('AWS::ApiGatewayV2::Authorizer', {
        AuthorizerType: 'JWT',
        IdentitySource: ['$request.header.Authorization'],
        JwtConfiguration: {
          Issuer: { 'Fn::Join': ['', ['https://cognito-idp.eu-central-1.amazonaws.com/', { Ref: poolId }]] },
          Audience: Match.arrayEquals(clientIds),
        },
      });
      expect(clientIds).toHaveLength(2);
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
      const [poolId] = onlyResource(prod.apiTemplate, 'AWS::Cognito::UserPool');
      const clientRefs = resourcesOf(prod.apiTemplate, 'AWS::Cognito::UserPoolClient').map(([id]) => ({ Ref: id }));
      const issuer = ['https://cognito-idp.eu-central-1.amazonaws.com/', { Ref: poolId }];

      const functions = ourFunctions(prod);
      expect(functions).toHaveLength(HANDLERS.length);
      for (const [, fn] of functions) {
        const env = (fn.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
        expect(Object.keys(env)).toEqual(expect.arrayContaining(REQUIRED_ENV));
        expect(env).toMatchObject({
          AGE_POLICY: 'uavg',
          NOTICE_VERSION: '2027-01',
          JWT_ISSUER: { 'Fn::Join': ['', issuer] },
          JWT_JWKS_URI: { 'Fn::Join': ['', [...issuer, '/.well-known/jwks.json']] },
          JWT_CLIENT_IDS: { 'Fn::Join': ['', [clientRefs[0], ',', clientRefs[1]]] },
          TABLE_NAME: { 'Fn::ImportValue': expect.stringContaining(prod.data.stackName) },
          RETENTION_YEARS: expect.any(String),
          POWERTOOLS_SERVICE_NAME: 'beeldtoestemming',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          NODE_OPTIONS: '--enable-source-maps',
        });
        expect(JSON.parse(env.RETENTION_YEARS as string)).toEqual({ parent_information: 3, coaching_video: 1, publication: 3 });
      }
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
      expect(MEDIA_HANDLERS.sort()).toEqual(
        ['media/complete-upload', 'media/create-upload', 'media/delete-media', 'media/get-media', 'media/object-created', 'media/roster', 'usage/coaching', 'usage/download', 'usage/feed'],
      );
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

    it('the object-created function may read and write the table', () => {
      const { statements } = statementsByHandler(dev).find((x) => x.handler === OBJECT_CREATED_HANDLER) ?? { statements: [] };

      expect(statements.flatMap(actionsOf)).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', ...WRITE_ACTIONS]));
    });

    it('each function has exactly the S3 object actions on exactly the prefixes it needs; all others none', () => {
      const found = Object.fromEntries(statementsByHandler(dev).map(({ handler, statements }) => [handler, s3Grants(dev, statements)]));

      expect(Object.keys(found).sort()).toEqual([...HANDLERS].sort());
      for (const handler of HANDLERS) expect([handler, found[handler]]).toEqual([handler, EXPECTED_S3[handler] ?? []]);
    });

    it('only create-upload and completion may write footage; only completion and delete-media may delete it', () => {
      const holders = (action: string) =>
        statementsByHandler(dev)
          .filter(({ statements }) => statements.some((st) => actionsOf(st).includes(action)))
          .map((x) => x.handler)
          .sort();

      expect(holders('s3:PutObject')).toEqual(['media/complete-upload', 'media/create-upload', 'media/object-created']);
      expect(holders('s3:DeleteObject')).toEqual(['media/complete-upload', 'media/delete-media', 'media/object-created']);
      expect(holders('s3:GetObject')).toEqual(['media/complete-upload', 'media/object-created', 'usage/coaching', 'usage/download', 'usage/feed']);
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
      for (const { statements } of statementsByHandler(dev)) {
        const kms = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('kms:')));
        const services = kms.map((s) => (s.Condition?.StringEquals as Record<string, unknown>)['kms:ViaService']);
        expect(services).toContain('dynamodb.eu-central-1.amazonaws.com');
        for (const service of services) {
          expect(['dynamodb.eu-central-1.amazonaws.com', 's3.eu-central-1.amazonaws.com']).toContain(service);
        }
        expect(kms.filter((s) => s.Condition?.StringEquals)).toHaveLength(kms.length);
      }
    });

    it('index access is limited to Query on GSI1; no function queries the due index GSI2 (the sweep will)', () => {
      for (const { statements } of statementsByHandler(dev)) {
        const onIndexes = statements.filter((s) => JSON.stringify(s.Resource).includes('/index/'));
        expect(onIndexes.flatMap(actionsOf)).toEqual(['dynamodb:Query']);
        const indexes = onIndexes.flatMap(resourcesOfStatement).map((r) => /\/index\/(\w+)"/.exec(JSON.stringify(r))?.[1]);
        expect(indexes).toEqual(['GSI1']);
      }
    });

    it('no role uses an AWS managed policy, aws-cdk-lib\'s notifications handler\'s neither', () => {
      expect(resourcesOf(dev.apiTemplate, 'AWS::IAM::Role').length).toBeGreaterThan(HANDLERS.length);
      for (const [, role] of resourcesOf(dev.apiTemplate, 'AWS::IAM::Role')) {
        expect(role.Properties?.ManagedPolicyArns).toBeUndefined();
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
      const [queueId, queue] = onlyResource(dev.apiTemplate, 'AWS::SQS::Queue');
      const [, invokeConfig] = onlyResource(dev.apiTemplate, 'AWS::Lambda::EventInvokeConfig');
      const fn = Object.fromEntries(resourcesOf(dev.apiTemplate, 'AWS::Lambda::Function'))[id];

      expect(invokeConfig.Properties).toMatchObject({ FunctionName: { Ref: id }, MaximumRetryAttempts: 2 });
      expect(fn?.Properties?.DeadLetterConfig).toEqual({ TargetArn: { 'Fn::GetAtt': [queueId, 'Arn'] } });
      expect(queue.Properties).toMatchObject({ SqsManagedSseEnabled: true });
      dev.apiTemplate.hasResourceProperties('AWS::SQS::QueuePolicy', {
        Queues: [{ Ref: queueId }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
          ]),
        },
      });
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

  describe('sign-in', () => {
    it('has a group per role of functions/shared/auth.ts', () => {
      const groups = resourcesOf(dev.apiTemplate, 'AWS::Cognito::UserPoolGroup').map(([, g]) => g.Properties?.GroupName);

      expect(groups.sort()).toEqual([...ROLES].sort());
      expect(groups.sort()).toEqual(['admin', 'child', 'guardian', 'staff']);
    });

    it('offers TOTP as second factor, has no self sign-up and a strong password policy', () => {
      dev.apiTemplate.hasResourceProperties('AWS::Cognito::UserPool', {
        MfaConfiguration: 'OPTIONAL',
        EnabledMfas: ['SOFTWARE_TOKEN_MFA'],
        AdminCreateUserConfig: { AllowAdminCreateUserOnly: true },
        Policies: {
          PasswordPolicy: Match.objectLike({
            MinimumLength: Match.anyValue(),
            RequireLowercase: true,
            RequireUppercase: true,
            RequireNumbers: true,
            RequireSymbols: true,
          }),
        },
        UserPoolTier: 'PLUS',
      });
      const policy = onlyResource(dev.apiTemplate, 'AWS::Cognito::UserPool')[1].Properties?.Policies as {
        PasswordPolicy: { MinimumLength: number };
      };
      expect(policy.PasswordPolicy.MinimumLength).toBeGreaterThanOrEqual(12);
    });

    it('the parents app and the staff tablets are public clients signing in with SRP only', () => {
      const clients = resourcesOf(dev.apiTemplate, 'AWS::Cognito::UserPoolClient').map(([, c]) => c.Properties ?? {});

      expect(clients.map((c) => c.ClientName).sort()).toEqual(['parents-app', 'staff-tablet']);
      for (const client of clients) {
        expect(client.GenerateSecret).toBe(false);
        expect((client.ExplicitAuthFlows as string[]).sort()).toEqual(['ALLOW_REFRESH_TOKEN_AUTH', 'ALLOW_USER_SRP_AUTH']);
        expect(client.AllowedOAuthFlows).toBeUndefined();
      }
    });

    it('outside dev the user pool survives a stack deletion and is deletion-protected', () => {
      const [, pool] = onlyResource(prod.apiTemplate, 'AWS::Cognito::UserPool');

      expect(pool).toMatchObject({ DeletionPolicy: 'Retain', Properties: { DeletionProtection: 'ACTIVE' } });
    });
  });
});
