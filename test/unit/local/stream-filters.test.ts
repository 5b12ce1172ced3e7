/**
 * The local stream poller filters records as Lambda's event source mappings do, with the very
 * patterns the stacks deploy. The records here are shaped by hand as DynamoDB Streams delivers
 * them (AttributeValue images), independent of the poller.
 */
import { AUDIT_FILTER_PATTERN, WITHDRAWAL_FILTER_PATTERN } from '../../../infra/stream-filters';
import { matchesFilter } from '../../../local/streams';

const record = (eventName: string, image: Record<string, string>) => ({
  eventName,
  dynamodb: { SequenceNumber: '1', NewImage: Object.fromEntries(Object.entries(image).map(([k, v]) => [k, { S: v }])) },
});

test.each([
  ['a new withdrawal', record('INSERT', { entityType: 'ConsentEvent', decision: 'withdrawn' }), true, false],
  ['a new grant', record('INSERT', { entityType: 'ConsentEvent', decision: 'granted' }), false, false],
  ['a withdrawal rewritten (MODIFY)', record('MODIFY', { entityType: 'ConsentEvent', decision: 'withdrawn' }), false, false],
  ['a removed one', record('REMOVE', { entityType: 'ConsentEvent', decision: 'withdrawn' }), false, false],
  ['a new pending audit entry', record('INSERT', { entityType: 'AuditPending' }), false, true],
  ['a linked audit entry', record('INSERT', { entityType: 'AuditEntry' }), false, false],
  ['a media item', record('INSERT', { entityType: 'MediaItem', decision: 'withdrawn' }), false, false],
  ['a record without an image', { eventName: 'INSERT', dynamodb: {} }, false, false],
])('%s: withdrawal %s, chainer %s', (_name, r, withdrawal, audit) => {
  expect(matchesFilter(WITHDRAWAL_FILTER_PATTERN, r)).toBe(withdrawal);
  expect(matchesFilter(AUDIT_FILTER_PATTERN, r)).toBe(audit);
});

test('a value of another type (a number where a string is expected) does not match', () => {
  const r = { eventName: 'INSERT', dynamodb: { NewImage: { entityType: { N: 'AuditPending' } } } };
  expect(matchesFilter(AUDIT_FILTER_PATTERN, r)).toBe(false);
});

test('a content filter the poller does not implement is refused, not guessed', () => {
  expect(() => matchesFilter({ eventName: [{ prefix: 'INS' }] as never }, { eventName: 'INSERT' })).toThrow(/not supported locally/);
});
