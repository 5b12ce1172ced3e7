/**
 * The one logger of functions/shared/logger.ts keeps each invocation's context apart: run one at a
 * time (Lambda's default) nothing of one invocation is on the next one's lines, and run
 * concurrently in one process (the local backend, or Lambda with several invocations per
 * environment) each line carries its own invocation's request id, function and user.
 */
import './logger-level';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { wrap } from '../../../functions/shared/http';
import { logger } from '../../../functions/shared/logger';
import { runInvocation } from '../../../local/invocation';

interface Line {
  message?: string;
  function_name?: string;
  function_request_id?: string;
  userId?: string;
}

const contextOf = (functionName: string, requestId: string): Context => ({
  callbackWaitsForEmptyEventLoop: false,
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:eu-central-1:000000000000:function:${functionName}`,
  memoryLimitInMB: '512',
  awsRequestId: requestId,
  logGroupName: `/aws/lambda/${functionName}`,
  logStreamName: 'test',
  getRemainingTimeInMillis: () => 10_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});
const tick = () => new Promise((resolve) => setImmediate(resolve));

/** A handler as endpoint() makes them: the user is appended once known, lines are logged between awaits. */
const handler = wrap(async (event: APIGatewayProxyEventV2) => {
  await tick();
  logger.appendKeys({ userId: event.headers['x-user'] });
  await tick();
  logger.info('step one');
  await tick();
  logger.info('step two');
  return { statusCode: 200, body: '{}' };
});
const eventFor = (user?: string): APIGatewayProxyEventV2 => ({ headers: user ? { 'x-user': user } : {} }) as Partial<APIGatewayProxyEventV2> as APIGatewayProxyEventV2;

let written: string[] = [];
let spy: jest.SpyInstance | undefined;
beforeEach(() => {
  written = [];
  spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  });
});
afterEach(() => spy?.mockRestore());
const lines = (): Line[] =>
  written
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Line);

it('one invocation at a time: the next invocation carries nothing of the previous one', async () => {
  await handler(eventFor('user-a'), contextOf('fn-a', 'req-a'));
  await handler(eventFor(undefined), contextOf('fn-b', 'req-b'));
  const second = lines().filter((l) => l.function_request_id === 'req-b');
  expect(second).toHaveLength(2);
  for (const line of second) expect({ fn: line.function_name, user: line.userId }).toEqual({ fn: 'fn-b', user: undefined });
  expect(lines().filter((l) => l.function_request_id === 'req-a').map((l) => l.userId)).toEqual(['user-a', 'user-a']);
});

it('concurrent invocations in one process: every line carries its own request id, function and user', async () => {
  const runs = Array.from({ length: 20 }, (_, i) => ({ fn: `fn-${i % 3}`, id: `req-${i}`, user: `user-${i}` }));
  await Promise.all(runs.map((r) => runInvocation(r.id, () => handler(eventFor(r.user), contextOf(r.fn, r.id)))));
  const all = lines();
  expect(all).toHaveLength(runs.length * 2);
  for (const r of runs) {
    const own = all.filter((l) => l.function_request_id === r.id);
    expect(own.map((l) => l.message)).toEqual(['step one', 'step two']);
    for (const line of own) expect({ fn: line.function_name, user: line.userId }).toEqual({ fn: r.fn, user: r.user });
  }
});
