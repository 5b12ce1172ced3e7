/**
 * The HTTP API's Lambda authorizer with real tokens from the local issuer (both pools, JWKS over
 * HTTP): what it lets through, what becomes API Gateway's 401 (the error `Unauthorized`), what
 * becomes 403 (`isAuthorized: false`), and what is a failure of ours (any other error: 500).
 */
import { generateKeyPairSync } from 'node:crypto';
import type { APIGatewayRequestAuthorizerEventV2, Context } from 'aws-lambda';
import { freePort } from '../../../local/engines';
import { signJwt, startLocalIssuer, type LocalIssuer } from '../../../local/issuer';

type Handler = (event: APIGatewayRequestAuthorizerEventV2, context: Context) => Promise<{ isAuthorized: boolean; context?: unknown }>;

let issuer: LocalIssuer;
let handler: Handler;

const context = { awsRequestId: 'req-1', functionName: 'authorizer', functionVersion: '1', invokedFunctionArn: 'arn', memoryLimitInMB: '256' } as Context;

/** The event API Gateway hands the authorizer (payload 2.0), complete and typed. */
function event(authorization?: string): APIGatewayRequestAuthorizerEventV2 {
  return {
    version: '2.0',
    type: 'REQUEST',
    routeArn: 'arn:aws:execute-api:eu-central-1:123456789012:api/$default/GET/groups',
    identitySource: authorization ? [authorization] : [],
    routeKey: 'GET /groups',
    rawPath: '/groups',
    rawQueryString: '',
    cookies: [],
    headers: authorization ? { authorization } : {},
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'api.example.org',
      domainPrefix: 'api',
      requestId: 'r',
      routeKey: 'GET /groups',
      stage: '$default',
      time: '01/Dec/2026:10:00:00 +0000',
      timeEpoch: Date.UTC(2026, 11, 1, 10),
      http: { method: 'GET', path: '/groups', protocol: 'HTTP/1.1', sourceIp: '192.0.2.1', userAgent: 'test' },
    },
  };
}

const bearer = (token: string) => `Bearer ${token}`;

/** Runs `fn` and returns what it wrote to stdout and stderr (logs and EMF metrics), one parsed line each. */
async function captured<T>(fn: () => Promise<T>): Promise<{ result: T | Error; lines: Record<string, unknown>[]; raw: string }> {
  const chunks: string[] = [];
  const capture = (chunk: unknown) => {
    chunks.push(String(chunk));
    return true;
  };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  let result: T | Error;
  try {
    result = await fn();
  } catch (error) {
    result = error as Error;
  } finally {
    out.mockRestore();
    err.mockRestore();
  }
  const raw = chunks.join('');
  return { result, raw, lines: raw.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>) };
}

/** The metric names of the EMF lines written. */
const metricNames = (lines: Record<string, unknown>[]) =>
  lines.flatMap((l) => ((l._aws as { CloudWatchMetrics?: { Metrics: { Name: string }[] }[] } | undefined)?.CloudWatchMetrics ?? []).flatMap((m) => m.Metrics.map((x) => x.Name)));

beforeAll(async () => {
  issuer = await startLocalIssuer({ port: await freePort() });
  process.env.JWT_ISSUERS = JSON.stringify(issuer.settings);
  process.env.POWERTOOLS_METRICS_DISABLED = 'false';
  process.env.POWERTOOLS_LOG_LEVEL = 'INFO';
  ({ handler } = await import('../../../functions/auth/authorizer.handler'));
});
afterAll(async () => {
  await issuer.stop();
});

describe('lets through', () => {
  test.each([
    ['staff', 'staff-femke'],
    ['admin', 'admin-hanna'],
    ['guardian', 'guardian-anna'],
    ['child', 'child-noor'],
  ] as const)('a valid access token with role %s from its own pool, passing on the record id and role', async (role, username) => {
    const { result, lines } = await captured(() => handler(event(bearer(issuer.mint({ username, role }))), context));

    expect(result).toEqual({ isAuthorized: true, context: { userId: username, role } });
    expect(metricNames(lines)).toContain('tokens_accepted');
  });
});

describe('answers Unauthorized (API Gateway: 401)', () => {
  const forger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const now = () => Math.floor(Date.now() / 1000);
  /** What the authorizer logs as the reason, per case. */
  const reasons: Record<string, string> = {
    'no Authorization header': 'no bearer token',
    'a header that is not a bearer token': 'no bearer token',
    'a malformed token': 'no bearer token',
    'an expired token': 'expired',
    'a token without an expiry': 'no_expiry',
    'an id token': 'token_use',
    'a token for another app client': 'client',
    "a staff token for the family pool's app client": 'client',
    'a token of an issuer nobody trusts': 'issuer',
    'a token of a trusted issuer signed with another key': 'signature',
  };
  const cases: Record<string, () => string | undefined> = {
    'no Authorization header': () => undefined,
    'a header that is not a bearer token': () => 'Basic YWRtaW46YWRtaW4=',
    'a malformed token': () => 'Bearer not.a-token',
    'an expired token': () => bearer(issuer.mint({ username: 'admin-hanna', role: 'admin', expiresIn: -120 })),
    'a token without an expiry': () => bearer(issuer.mint({ username: 'admin-hanna', role: 'admin', withoutExpiry: true })),
    'an id token': () => bearer(issuer.mint({ username: 'admin-hanna', role: 'admin', tokenUse: 'id' })),
    'a token for another app client': () => bearer(issuer.mint({ username: 'admin-hanna', role: 'admin', clientId: 'someone-else' })),
    "a staff token for the family pool's app client": () =>
      bearer(issuer.mint({ username: 'admin-hanna', role: 'admin', clientId: issuer.pools.family.clientId })),
    'a token of an issuer nobody trusts': () =>
      bearer(
        signJwt(
          { iss: 'https://cognito-idp.eu-central-1.amazonaws.com/eu-central-1_other', username: 'admin-hanna', client_id: issuer.pools.staff.clientId, token_use: 'access', 'cognito:groups': ['admin'], iat: now(), exp: now() + 600 },
          forger,
          'local-staff-1',
        ),
      ),
    'a token of a trusted issuer signed with another key': () =>
      bearer(
        signJwt(
          { iss: issuer.pools.staff.issuer, username: 'admin-hanna', client_id: issuer.pools.staff.clientId, token_use: 'access', 'cognito:groups': ['admin'], iat: now(), exp: now() + 600 },
          forger,
          'local-staff-1',
        ),
      ),
  };

  test.each(Object.keys(cases))('for %s, and never logs the token', async (kind) => {
    const authorization = cases[kind]!();

    const { result, raw, lines } = await captured(() => handler(event(authorization), context));

    expect(result).toBeInstanceOf(Error);
    expect((result as Error).message).toBe('Unauthorized');
    expect(metricNames(lines)).toContain('tokens_refused');
    expect(metricNames(lines)).not.toContain('verification_failures');
    expect(lines.find((l) => l.message === 'token refused')).toMatchObject({ kind: 'unauthenticated', reason: reasons[kind] });
    if (authorization) expect(raw).not.toContain(authorization.replace(/^\w+ /, ''));
  });
});

describe('answers isAuthorized: false (API Gateway: 403) for a valid token', () => {
  test.each([
    ['with no role group', [] as never[], undefined],
    ['with two role groups', ['admin', 'staff'] as const, undefined],
    ['with a role of the other pool (staff from the family pool)', ['staff'] as const, 'family' as const],
    ['with a role of the other pool (guardian from the staff pool)', ['guardian'] as const, 'staff' as const],
    ['with a family role and a staff role (family pool)', ['guardian', 'staff'] as const, 'family' as const],
  ])('%s', async (_case, role, pool) => {
    const token = issuer.mint({ username: 'someone', role: [...role], ...(pool ? { pool, clientId: issuer.pools[pool].clientId } : { pool: 'staff' }) });

    const { result, lines } = await captured(() => handler(event(bearer(token)), context));

    expect(result).toEqual({ isAuthorized: false, context: {} });
    expect(metricNames(lines)).toContain('tokens_without_role');
  });
});

describe('when the keys cannot be fetched', () => {
  test('fails with another error than Unauthorized (API Gateway: 500) and counts a verification failure for the alarm', async () => {
    const unreachable = issuer.settings.map((s) => ({ ...s, jwksUri: `http://127.0.0.1:${1}/jwks.json` }));
    let isolated: Handler | undefined;
    const previous = process.env.JWT_ISSUERS;
    process.env.JWT_ISSUERS = JSON.stringify(unreachable);
    jest.isolateModules(() => {
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a fresh module that reads the changed setting
      isolated = (require('../../../functions/auth/authorizer.handler') as { handler: Handler }).handler;
    });
    process.env.JWT_ISSUERS = previous;

    const { result, lines } = await captured(() => isolated!(event(bearer(issuer.mint({ username: 'admin-hanna', role: 'admin' }))), context));

    expect(result).toBeInstanceOf(Error);
    expect((result as Error).message).not.toBe('Unauthorized');
    expect(metricNames(lines)).toContain('verification_failures');
    const failure = lines.find((l) => l.message === 'token verification failed');
    expect(failure).toMatchObject({ level: 'ERROR', error: { stack: expect.stringContaining('fetch') } });
  });
});
