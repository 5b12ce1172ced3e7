/**
 * The deletion path with S3 and DynamoDB faults injected: nothing is reported deleted that was not,
 * and metadata goes only after its files are confirmed gone.
 */
import { DeleteObjectsCommand, S3Client } from '@aws-sdk/client-s3';
import { BatchGetCommand, DynamoDBDocumentClient, GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { DynamoDBClient, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { deleteMediaItem } from '../../../functions/media/service';
import { MediaStore } from '../../../functions/shared/media-store';
import { ErasureRepository } from '../../../functions/shared/repositories/erasure';
import { MediaRepository, type MediaItem } from '../../../functions/shared/repositories/media';
import { systemContext } from '../../../functions/shared/audit';

const s3 = mockClient(S3Client);
const ddb = mockClient(DynamoDBDocumentClient);

const item: MediaItem = {
  mediaId: 'm1',
  groupId: 'g1',
  kind: 'photo',
  contentType: 'image/jpeg',
  declaredSize: 10,
  recordedAt: '2026-02-10T10:00:00.000Z',
  uploadedBy: 's1',
  childIds: ['c1', 'c2'],
  purposes: ['parent_information'],
  status: 'available',
  uploadKey: 'uploads/m1',
  objectKey: 'media/m1',
  clientReference: 'ref',
  requestHash: 'h',
  deletionDates: { parent_information: '2029-02-10' },
  dueDate: '2029-02-10',
  createdAt: '2026-02-10T10:00:00.000Z',
};

const CTX = systemContext('sweep', 'req-1');

/** Exactly what the deletion path uses: typed, so that nothing it needs can be missing. */
function runtime(): Parameters<typeof deleteMediaItem>[0] {
  const store = new MediaStore(new S3Client({ region: 'eu-central-1' }), 'bucket', 300);
  const db = DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-central-1' }));
  const media = new MediaRepository(db, 'table');
  const erasure = new ErasureRepository(db, 'table');
  return { store: () => store, media, erasure, now: () => new Date('2029-02-10T03:00:00Z'), newId: () => 'entry-1' };
}

beforeEach(() => {
  s3.reset();
  ddb.reset();
  ddb.on(BatchGetCommand).resolves({ Responses: { table: [] } });
});

test('a partial DeleteObjects failure throws and leaves the metadata in place', async () => {
  s3.on(DeleteObjectsCommand).resolves({ Errors: [{ Key: 'media/m1', Code: 'InternalError', Message: 'try again' }] });
  await expect(deleteMediaItem(runtime(), item, 'retention', CTX)).rejects.toThrow(/could not delete 1 object/);
  expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
});

test('objects that are already gone (removed by the lifecycle rule) are not an error', async () => {
  s3.on(DeleteObjectsCommand).resolves({ Errors: [{ Key: 'uploads/m1', Code: 'NoSuchKey' }] });
  ddb.on(TransactWriteCommand).resolves({});
  await deleteMediaItem(runtime(), item, 'retention', CTX);
  const write = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
  expect(write[1]?.Put?.Item).toMatchObject({ SK: 'TOMBSTONE', mediaId: 'm1', reason: 'retention', childIds: ['c1', 'c2'] });
  expect(Object.keys(write[1]!.Put!.Item!).sort()).toEqual(['PK', 'SK', 'childIds', 'deletedAt', 'entityType', 'mediaId', 'reason']);
  // The deletion's audit entry is in the same transaction: no tombstone without it.
  expect(write.at(-1)?.Put?.Item).toMatchObject({
    entityType: 'AuditPending',
    entry: { action: 'media.deleted', mediaId: 'm1', childIds: ['c1', 'c2'], details: { reason: 'retention' }, actor: { userId: 'system:sweep', role: 'system' }, requestId: 'req-1' },
  });
});

test('every object of the item is asked for, the upload and the media copy', async () => {
  s3.on(DeleteObjectsCommand).resolves({});
  ddb.on(TransactWriteCommand).resolves({});
  await deleteMediaItem(runtime(), item, 'deleted_by_staff', CTX);
  const keys = s3.commandCalls(DeleteObjectsCommand)[0]!.args[0].input.Delete!.Objects!.map((o) => o.Key).sort();
  expect(keys).toEqual(['media/m1', 'uploads/m1']);
});

test('a second run after the metadata was already replaced is a no-op (idempotent)', async () => {
  s3.on(DeleteObjectsCommand).resolves({});
  ddb.on(TransactWriteCommand).rejects(
    new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }] }),
  );
  ddb.on(GetCommand).resolves({ Item: { PK: 'MEDIA#m1', SK: 'TOMBSTONE', mediaId: 'm1', reason: 'retention', deletedAt: 'x', childIds: [] } });
  await expect(deleteMediaItem(runtime(), item, 'retention', CTX)).resolves.toBeUndefined();
});

test('DynamoDB throttling on the metadata write propagates, so the caller retries', async () => {
  s3.on(DeleteObjectsCommand).resolves({});
  ddb.on(TransactWriteCommand).rejects(Object.assign(new Error('throttled'), { name: 'ThrottlingException' }));
  await expect(deleteMediaItem(runtime(), item, 'retention', CTX)).rejects.toThrow('throttled');
});

test('an erased child is not named again: not in the tombstone, not in the audit entry, and its link to the item goes', async () => {
  s3.on(DeleteObjectsCommand).resolves({});
  ddb.on(TransactWriteCommand).resolves({});
  ddb.on(BatchGetCommand).resolves({ Responses: { table: [{ PK: 'CHILD#c2', SK: 'ERASED', childId: 'c2' }] } });
  await deleteMediaItem(runtime(), item, 'retention', CTX);
  const write = ddb.commandCalls(TransactWriteCommand)[0]!.args[0].input.TransactItems!;
  expect(write[1]?.Put?.Item).toMatchObject({ SK: 'TOMBSTONE', childIds: ['c1'] });
  expect(write.find((w) => w.Delete?.Key?.PK === 'CHILD#c2')?.Delete?.Key).toEqual({ PK: 'CHILD#c2', SK: 'MEDIA#m1' });
  expect(write.find((w) => w.Put?.Item?.PK === 'CHILD#c1')?.Put?.Item).toMatchObject({ SK: 'MEDIA#m1', deleted: true });
  expect(write.at(-1)?.Put?.Item?.entry).toMatchObject({ action: 'media.deleted', childIds: ['c1'] });
});

test('an item that changed meanwhile (its upload completed) is read again and its new file deleted too', async () => {
  const { objectKey: _none, ...rest } = item;
  const pending: MediaItem = { ...rest, status: 'pending' };
  s3.on(DeleteObjectsCommand).resolves({});
  ddb.on(TransactWriteCommand)
    .rejectsOnce(new TransactionCanceledException({ message: 'cancelled', $metadata: {}, CancellationReasons: [{ Code: 'ConditionalCheckFailed' }] }))
    .resolves({});
  ddb.on(GetCommand, { Key: { PK: 'MEDIA#m1', SK: 'TOMBSTONE' } }).resolves({});
  ddb.on(GetCommand, { Key: { PK: 'MEDIA#m1', SK: 'ITEM' } }).resolves({ Item: { PK: 'MEDIA#m1', SK: 'ITEM', ...item, objectKey: 'media/m1-completed' } });
  await deleteMediaItem(runtime(), pending, 'incomplete_upload', CTX);
  const asked = s3.commandCalls(DeleteObjectsCommand).map((c) => c.args[0].input.Delete!.Objects!.map((o) => o.Key).sort());
  expect(asked).toEqual([['media/m1', 'uploads/m1'], ['media/m1', 'media/m1-completed', 'uploads/m1']]);
  const second = ddb.commandCalls(TransactWriteCommand)[1]!.args[0].input.TransactItems![0]!.Delete!;
  expect(second.ExpressionAttributeValues).toEqual({ ':status': 'available', ':objectKey': 'media/m1-completed' });
});
