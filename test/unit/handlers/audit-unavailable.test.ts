/**
 * A download URL whose issue cannot be audited is never handed out (README, "When an audit write
 * fails"): the audit write is injected to fail with aws-sdk-client-mock, and the caller gets 503
 * `audit_unavailable` with no URL in it; with the write working, the same request gets its URL.
 */
import { BatchGetCommand, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { CHILD, context, ddb, handler, issuer, useHandler } from './harness';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';

useHandler('usage/download', { BUCKET_NAME: 'unit-bucket', S3_ENDPOINT: 'http://127.0.0.1:9' });

const ITEM = {
  PK: 'MEDIA#m1',
  SK: 'ITEM',
  entityType: 'Media',
  mediaId: 'm1',
  groupId: 'g1',
  kind: 'photo',
  contentType: 'image/jpeg',
  declaredSize: 10,
  size: 10,
  recordedAt: '2026-11-01T10:00:00.000Z',
  uploadedBy: 's1',
  childIds: ['c1'],
  purposes: ['coaching_video'],
  status: 'available',
  uploadKey: 'uploads/m1',
  objectKey: 'media/m1',
  deletionDates: { coaching_video: '2029-11-01' },
  dueDate: '2029-11-01',
  createdAt: '2026-11-01T10:00:00.000Z',
};
const granted = { 'guardian:g1': { decision: 'granted', at: '2026-10-01T10:00:00.000Z', eventId: 'e1' } };
const STAFF = { PK: 'STAFF#s1', SK: 'PROFILE', staffId: 's1', displayName: 'S', groupIds: ['g1'] };

function download(): APIGatewayProxyEventV2 {
  return {
    version: '2.0',
    routeKey: 'GET /media/{mediaId}/download',
    rawPath: '/media/m1/download',
    rawQueryString: '',
    headers: { authorization: `Bearer ${issuer.mint({ username: 's1', role: 'staff' })}` },
    pathParameters: { mediaId: 'm1' },
    requestContext: { requestId: 'r', http: { method: 'GET', path: '/media/m1/download' } } as APIGatewayProxyEventV2['requestContext'],
    isBase64Encoded: false,
  };
}

beforeEach(() => {
  ddb.on(GetCommand, { Key: { PK: 'MEDIA#m1', SK: 'ITEM' } }).resolves({ Item: ITEM });
  ddb.on(GetCommand, { Key: { PK: 'STAFF#s1', SK: 'PROFILE' } }).resolves({ Item: STAFF });
  // A projection as stored before it kept counting decisions: completed from the child's facts on the way in.
  ddb.on(BatchGetCommand).resolves({ Responses: { 'unit-table': [{ ...CHILD, consent: { parent_information: {}, coaching_video: granted, publication: {} } }] } });
});

test('the audit write fails: 503 audit_unavailable, and no URL reaches the caller', async () => {
  ddb.on(PutCommand).rejects(Object.assign(new Error('Throughput exceeds the current capacity'), { name: 'ProvisionedThroughputExceededException' }));
  const res = await handler(download(), context);
  expect(res.statusCode).toBe(503);
  expect(JSON.parse(res.body ?? '{}')).toEqual(expect.objectContaining({ status: 503, code: 'audit_unavailable', requestId: 'req-1' }));
  expect(res.body).not.toMatch(/X-Amz|127\.0\.0\.1|unit-bucket|media\/m1|Throughput/);
  expect(Object.keys(JSON.parse(res.body ?? '{}'))).not.toContain('url');
  // It was the audit entry of this URL that could not be written.
  expect(ddb.commandCalls(PutCommand)[0]!.args[0].input.Item).toMatchObject({
    entityType: 'AuditPending',
    entry: { action: 'media.url_issued', mediaId: 'm1', childIds: ['c1'], actor: { userId: 's1', role: 'staff' }, details: { use: 'coaching_video' }, requestId: 'req-1' },
  });
});

test('the audit write works: the URL is handed out', async () => {
  ddb.on(PutCommand).resolves({});
  const res = await handler(download(), context);
  expect(res.statusCode).toBe(200);
  expect(JSON.parse(res.body ?? '{}')).toMatchObject({ mediaId: 'm1', purpose: 'coaching_video', url: expect.stringContaining('X-Amz-Signature') });
});
