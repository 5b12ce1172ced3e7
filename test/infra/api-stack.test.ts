import { Match } from 'aws-cdk-lib/assertions';
import { ROLES } from '../../functions/shared/auth';
import { ROUTES } from '../../functions/routes';
import { API_THROTTLE } from '../../infra/stacks/api-stack';
import { configWith, onlyResource, resourcesOf, synth, type Synthesized } from './support';

type Statement = { Action: string | string[]; Resource: unknown; Condition?: Record<string, unknown> };
const actionsOf = (s: Statement) => (Array.isArray(s.Action) ? s.Action : [s.Action]);

const WRITE_ACTIONS = ['dynamodb:PutItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem', 'dynamodb:ConditionCheckItem'];
const REQUIRED_ENV = ['TABLE_NAME', 'AGE_POLICY', 'NOTICE_VERSION', 'JWT_ISSUER', 'JWT_JWKS_URI', 'JWT_CLIENT_IDS'];

describe('API stack', () => {
  let dev: Synthesized;
  let prod: Synthesized;
  beforeAll(() => {
    dev = synth(configWith({ stage: 'dev' }));
    prod = synth(configWith({ stage: 'prod', agePolicy: 'uavg', noticeVersion: '2027-01' }));
  });

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
      expect(Object.keys(dev.api.functions).sort()).toEqual(ROUTES.map((r) => r.handler).sort());
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
      const functions = resourcesOf(dev.apiTemplate, 'AWS::Lambda::Function');
      expect(functions).toHaveLength(ROUTES.length);

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

    it('every function logs into its own log group, which has a retention', () => {
      const groups = Object.fromEntries(resourcesOf(dev.apiTemplate, 'AWS::Logs::LogGroup'));
      const used = resourcesOf(dev.apiTemplate, 'AWS::Lambda::Function').map(
        ([, fn]) => ((fn.Properties?.LoggingConfig as { LogGroup: { Ref: string } }).LogGroup.Ref),
      );

      expect(new Set(used).size).toBe(used.length);
      for (const id of used) expect(groups[id]?.Properties?.RetentionInDays).toEqual(expect.any(Number));
    });

    it('every function gets the runtime configuration functions/shared/config.ts reads', () => {
      const [poolId] = onlyResource(prod.apiTemplate, 'AWS::Cognito::UserPool');
      const clientRefs = resourcesOf(prod.apiTemplate, 'AWS::Cognito::UserPoolClient').map(([id]) => ({ Ref: id }));
      const issuer = ['https://cognito-idp.eu-central-1.amazonaws.com/', { Ref: poolId }];

      for (const [, fn] of resourcesOf(prod.apiTemplate, 'AWS::Lambda::Function')) {
        const env = (fn.Properties?.Environment as { Variables: Record<string, unknown> }).Variables;
        expect(Object.keys(env)).toEqual(expect.arrayContaining(REQUIRED_ENV));
        expect(env).toMatchObject({
          AGE_POLICY: 'uavg',
          NOTICE_VERSION: '2027-01',
          JWT_ISSUER: { 'Fn::Join': ['', issuer] },
          JWT_JWKS_URI: { 'Fn::Join': ['', [...issuer, '/.well-known/jwks.json']] },
          JWT_CLIENT_IDS: { 'Fn::Join': ['', [clientRefs[0], ',', clientRefs[1]]] },
          TABLE_NAME: { 'Fn::ImportValue': expect.stringContaining(prod.data.stackName) },
          POWERTOOLS_SERVICE_NAME: 'beeldtoestemming',
          POWERTOOLS_LOG_LEVEL: 'INFO',
          NODE_OPTIONS: '--enable-source-maps',
        });
      }
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

    it('GET routes may only read the table; the others may also write', () => {
      for (const { route, statements } of statementsByRoute(dev)) {
        const actions = statements.flatMap(actionsOf);
        expect(actions).toEqual(expect.arrayContaining(['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:BatchGetItem']));
        if (route.method === 'GET') {
          for (const a of WRITE_ACTIONS) expect(actions).not.toContain(a);
          expect(actions).not.toContain('kms:Encrypt');
        } else {
          expect(actions).toEqual(expect.arrayContaining([...WRITE_ACTIONS, 'kms:Encrypt', 'kms:GenerateDataKey']));
        }
      }
    });

    it('no function may Scan, batch-write or use wildcard actions', () => {
      const actions = statementsByRoute(dev).flatMap(({ statements }) => statements.flatMap(actionsOf));

      expect(actions).not.toContain('dynamodb:Scan');
      expect(actions).not.toContain('dynamodb:BatchWriteItem');
      expect(actions.filter((a) => a.includes('*'))).toEqual([]);
    });

    it('only the X-Ray actions, which have no resource-level permissions, use Resource "*"', () => {
      for (const { statements } of statementsByRoute(dev)) {
        const anyResource = statements.filter((s) => s.Resource === '*').flatMap(actionsOf);
        expect(anyResource.sort()).toEqual(['xray:PutTelemetryRecords', 'xray:PutTraceSegments']);
      }
    });

    it('the key can be used only through DynamoDB in the organisation region', () => {
      for (const { statements } of statementsByRoute(dev)) {
        const kms = statements.filter((s) => actionsOf(s).some((a) => a.startsWith('kms:')));
        expect(kms).toHaveLength(1);
        expect(kms[0]?.Condition).toEqual({ StringEquals: { 'kms:ViaService': 'dynamodb.eu-central-1.amazonaws.com' } });
      }
    });

    it('index access is limited to Query on the named indexes', () => {
      for (const { statements } of statementsByRoute(dev)) {
        const onIndexes = statements.filter((s) => JSON.stringify(s.Resource).includes('/index/'));
        expect(onIndexes.flatMap(actionsOf)).toEqual(['dynamodb:Query']);
        expect(JSON.stringify(onIndexes[0]?.Resource)).toContain('/index/GSI1');
      }
    });

    it('no role uses an AWS managed policy', () => {
      for (const [, role] of resourcesOf(dev.apiTemplate, 'AWS::IAM::Role')) {
        expect(role.Properties?.ManagedPolicyArns).toBeUndefined();
      }
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
