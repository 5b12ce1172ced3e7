/** A decision handler wired to a mocked DocumentClient and a real local token issuer. */
import { TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { emptyProjection } from '../../../functions/domain/consent';
import { freePort } from '../../../local/engines';
import { startLocalIssuer, type LocalIssuer } from '../../../local/issuer';

export const ddb = mockClient(DynamoDBDocumentClient);
export let issuer: LocalIssuer;
export let handler: (e: APIGatewayProxyEventV2, c: Context) => Promise<{ statusCode?: number; body?: string }>;

export const CHILD = {
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

export const context = { awsRequestId: 'req-1', functionName: 'test', functionVersion: '1', invokedFunctionArn: 'arn', memoryLimitInMB: '128' } as Context;

export function event(token: string | undefined, body: unknown): APIGatewayProxyEventV2 {
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

export const conflict = () =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: [{ Code: 'None' }, { Code: 'TransactionConflict' }],
  });

/** Registers the issuer and loads the decision handler; call at the top of a test file. */
export function useDecisionHandler(extraEnv: Record<string, string> = {}): void {
  useHandler('consent/record-decision', extraEnv);
}

/** Registers the issuer and loads the handler of `module` (below functions/); call at the top of a test file. */
export function useHandler(module: string, extraEnv: Record<string, string> = {}): void {
beforeAll(async () => {
  issuer = await startLocalIssuer({ port: await freePort() });
  Object.assign(process.env, {
    TABLE_NAME: 'unit-table',
    NOTICE_VERSION: 'v1',
    JWT_ISSUERS: JSON.stringify(issuer.settings),
    AWS_REGION: 'eu-central-1',
    AWS_ACCESS_KEY_ID: 'x',
    AWS_SECRET_ACCESS_KEY: 'x',
    ...extraEnv,
  });
  ({ handler } = await import(`../../../functions/${module}.handler`));
});
afterAll(async () => {
  await issuer.stop();
});
beforeEach(() => {
  ddb.reset();
});
}

export const body = { purpose: 'publication', decision: 'granted', noticeVersion: 'v1' };
