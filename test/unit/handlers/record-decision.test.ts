/**
 * The decision handler with DynamoDB faults injected by aws-sdk-client-mock: throttling,
 * transaction conflicts, and what reaches the logs. Tokens are real, from the local issuer.
 */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { emptyProjection } from '../../../functions/domain/consent';
import { freePort } from '../../../local/engines';
import { startLocalIssuer, type LocalIssuer } from '../../../local/issuer';

const ddb = mockClient(DynamoDBDocumentClient);
let issuer: LocalIssuer;
let handler: (e: APIGatewayProxyEventV2, c: Context) => Promise<{ statusCode?: number; body?: string }>;

const CHILD = {
  PK: 'CHILD#c1',
  SK: 'PROFILE',
  entityType: 'Child',
  childId: 'c1',
  displayName: 'Sanne Secretname',
  birthDate: '2018-04-03',
  groupIds: ['g1'],
  status: 'active',
  safeguarding: false,
  guardians: { g1: { parentalAuthority: true, since: '2026-01-01T00:00:00.000Z' } },
  consent: emptyProjection(),
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-01-01T00:00:00.000Z',
};

const context = { awsRequestId: 'req-1', functionName: 'test', functionVersion: '1', invokedFunctionArn: 'arn', memoryLimitInMB: '128' } as Context;

function event(token: string | undefined, body: unknown): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'POST /children/{childId}/decisions',
    rawPath: '/children/c1/decisions',
    rawQueryString: '',
    headers: token ? { authorization: `Bearer ${token}` } : {},
    pathParameters: { childId: 'c1' },
    requestContext: { requestId: 'r', http: { method: 'POST', path: '/children/c1/decisions' } } as APIGatewayProxyEventV2['requestContext'],
    body: JSON.stringify(body),
    isBase64Encoded: false,
  };
}

const conflict = () =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict' }],
  });

beforeAll(async () => {
  issuer = await startLocalIssuer({ port: await freePort() });
  Object.assign(process.env, {
    TABLE_NAME: 'unit-table',
    NOTICE_VERSION: 'v1',
    JWT_ISSUER: issuer.issuer,
    JWT_JWKS_URI: issuer.jwksUri,
    JWT_CLIENT_IDS: issuer.clientId,
    AWS_REGION: 'eu-central-1',
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'x',
  });
  ({ handler } = await import('../../../functions/consent/record-decision.handler'));
});
afterAll(async () => {
  await issuer.stop();
});
beforeEach(() => {
  ddb.reset();
});

const body = { purpose: 'publication', decision: 'granted', noticeVersion: 'v1' };

test('throttling on the read answers a generic 500 with the request id and leaks nothing', async () => {
  ddb.on(GetCommand).rejects(Object.assign(new Error('Rate of requests exceeds the allowed throughput'), { name: 'ThrottlingException' }));
  const res = await handler(event(issuer.mint({ username: 'g1', role: 'guardian' }), body), context);
  expect(res.statusCode).toBe(500);
  const parsed = JSON.parse(res.body ?? '{}');
  expect(parsed).toEqual(expect.objectContaining({ code: 'internal_error', requestId: 'req-1' }));
  expect(res.body).not.toMatch(/Throttl|throughput|stack/i);
  expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
});

test('a transaction conflict is retried after reading the child again, and the decision is recorded once', async () => {
  ddb.on(GetCommand).resolves({ Item: CHILD });
  ddb.on(TransactWriteCommand).rejectsOnce(conflict()).resolves({});
  const res = await handler(event(issuer.mint({ username: 'g1', role: 'guardian' }), body), context);
  expect(res.statusCode).toBe(201);
  expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(2);
  expect(ddb.commandCalls(GetCommand)).toHaveLength(2);
  const [first, second] = ddb.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems?.[0]?.Put?.Item?.eventId);
  expect(second).toBe(first);
});

test('endless conflicts end in 409 concurrent_update, not a 500', async () => {
  ddb.on(GetCommand).resolves({ Item: CHILD });
  ddb.on(TransactWriteCommand).rejects(conflict());
  const res = await handler(event(issuer.mint({ username: 'g1', role: 'guardian' }), body), context);
  expect(res.statusCode).toBe(409);
  expect(JSON.parse(res.body ?? '{}').code).toBe('concurrent_update');
});

test('a guardian of another child gets 404 and nothing is written', async () => {
  ddb.on(GetCommand).resolves({ Item: CHILD });
  const res = await handler(event(issuer.mint({ username: 'someone-else', role: 'guardian' }), body), context);
  expect(res.statusCode).toBe(404);
  expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
});

test("logs are JSON and never contain the child's name, birth date or the token", async () => {
  ddb.on(GetCommand).resolves({ Item: CHILD });
  ddb.on(TransactWriteCommand).rejectsOnce(new Error(`boom for ${CHILD.displayName}?`)).resolves({});
  const lines: string[] = [];
  const capture = (chunk: unknown) => {
    lines.push(String(chunk));
    return true;
  };
  const out = jest.spyOn(process.stdout, 'write').mockImplementation(capture);
  const err = jest.spyOn(process.stderr, 'write').mockImplementation(capture);
  const token = issuer.mint({ username: 'g1', role: 'guardian' });
  const { logger } = await import('../../../functions/shared/logger');
  logger.setLogLevel('DEBUG');
  try {
    await handler(event(token, body), context);
    await handler(event(token, { ...body, purpose: 'nope' }), context);
  } finally {
    logger.setLogLevel('SILENT');
    out.mockRestore();
    err.mockRestore();
  }
  const text = lines.join('');
  expect(lines.length).toBeGreaterThan(0);
  for (const line of text.split('\n').filter(Boolean)) expect(() => JSON.parse(line)).not.toThrow();
  expect(text).not.toContain(CHILD.birthDate);
  expect(text).not.toContain(CHILD.displayName);
  expect(text).not.toContain(token);
  expect(text).toContain('request failed');
});
