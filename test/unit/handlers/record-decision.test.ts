/**
 * The decision handler with DynamoDB faults injected by aws-sdk-client-mock: throttling,
 * transaction conflicts, and what reaches the logs. Tokens are real, from the local issuer.
 */
import { GetCommand, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { CHILD, body, conflict, context, ddb, event, handler, issuer, useDecisionHandler } from './harness';

useDecisionHandler();

test('throttling on the read answers a generic 500 with the request id and leaks nothing', async () => {
  ddb.on(GetCommand).rejects(Object.assign(new Error('Rate of requests exceeds the allowed throughput'), { name: 'ThrottlingException' }));
  const res = await handler(event(issuer.mint({ username: 'g1', role: 'guardian' }), body), context);
  expect(res.statusCode).toBe(500);
  const parsed = JSON.parse(res.body ?? '{}');
  expect(parsed).toEqual(expect.objectContaining({ code: 'internal_error', requestId: 'req-1' }));
  expect(res.body).not.toMatch(/Throttl|throughput|stack/i);
  expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(0);
});

test('a transaction conflict is retried after reading the child again, decided again, and recorded once', async () => {
  ddb.on(GetCommand).resolves({ Item: CHILD });
  ddb.on(TransactWriteCommand).rejectsOnce(conflict()).resolves({});
  const res = await handler(event(issuer.mint({ username: 'g1', role: 'guardian' }), body), context);
  expect(res.statusCode).toBe(201);
  expect(ddb.commandCalls(TransactWriteCommand)).toHaveLength(2);
  expect(ddb.commandCalls(GetCommand)).toHaveLength(2);
  // The retry is a decision on the child as read again: its instant is taken after that read.
  const [first, second] = ddb.commandCalls(TransactWriteCommand).map((c) => c.args[0].input.TransactItems?.[0]?.Put?.Item as { eventId: string; at: string });
  expect(Date.parse(second!.at)).toBeGreaterThanOrEqual(Date.parse(first!.at));
  expect(JSON.parse(res.body ?? '{}').event.eventId).toBe(second!.eventId);
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
