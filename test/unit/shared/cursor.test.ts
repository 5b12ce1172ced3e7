/** Pagination cursors are checked against the exact shape of the list's keys before DynamoDB sees them. */
import { decodeCursor, encodeCursor } from '../../../functions/shared/cursor';

const shape = { PK: 'CHILD#c1', SK: { prefix: 'CONSENT#' } };
const cursor = (key: unknown) => Buffer.from(JSON.stringify(key)).toString('base64url');

test('a cursor the list gave back is accepted as it was', () => {
  const key = { PK: 'CHILD#c1', SK: 'CONSENT#2026-01-01T00:00:00.000Z#e1' };
  expect(decodeCursor(encodeCursor(key), shape)).toEqual(key);
});

test.each([
  ['not base64 JSON', '%%%'],
  ['another partition', cursor({ PK: 'CHILD#c2', SK: 'CONSENT#x' })],
  ['the right partition, a key of another kind of item', cursor({ PK: 'CHILD#c1', SK: 'PROFILE' })],
  ['the right partition, an attribute too many', cursor({ PK: 'CHILD#c1', SK: 'CONSENT#x', GSI1PK: 'x' })],
  ['the right partition, an attribute missing', cursor({ PK: 'CHILD#c1' })],
  ['a number where a key is a string', cursor({ PK: 'CHILD#c1', SK: 5 })],
  ['an empty sort key', cursor({ PK: 'CHILD#c1', SK: '' })],
  ['an array', cursor(['CHILD#c1'])],
])('refused with 400 (field cursor): %s', (_name, value) => {
  expect(() => decodeCursor(value, shape)).toThrow(expect.objectContaining({ statusCode: 400, details: { field: 'cursor', reason: 'is not a cursor returned by this list' } }));
});
