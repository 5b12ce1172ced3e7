/**
 * Every log line carries its own request's function name, user and request id, also while other
 * requests of other users and handlers run at the same time in the same process; the request id of
 * every answer, a 500 included, is the one its log lines carry.
 */
import './adapter-logs-level';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { ROUTES } from '../../functions/routes';
import { keys } from '../../functions/shared/keys';
import { localFunctionName } from '../../local/server';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from '../../local/storage';
import type { Role } from '../../functions/shared/auth';
import { startTestBackend, uid, type TestBackend } from './support';

interface LogLine {
  level?: string;
  message?: string;
  function_name?: string;
  function_request_id?: string;
  userId?: string;
}

let b: TestBackend;
let lines: string[] = [];
/** Captures what is written to stdout and stderr (Powertools writes warnings and errors there) until restored. */
const capture = () => {
  lines = [];
  const record = (chunk: string | Uint8Array) => {
    lines.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    return true;
  };
  const spies = [jest.spyOn(process.stdout, 'write').mockImplementation(record), jest.spyOn(process.stderr, 'write').mockImplementation(record)];
  return { mockRestore: () => spies.forEach((s) => s.mockRestore()) };
};
const logged = (): LogLine[] =>
  lines
    .join('')
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as LogLine);

const functionOf = (method: string, path: string): string => {
  const route = ROUTES.find((r) => r.method === method && r.path === path);
  if (!route) throw new Error(`no route ${method} ${path}`);
  return localFunctionName(route);
};

beforeAll(async () => {
  b = await startTestBackend();
});
afterAll(async () => {
  await b.stop();
});

it('concurrent requests of different users and handlers: each line names its own request, function and user', async () => {
  const requests: { user: string; role: Role; method: string; path: string; route: string }[] = [];
  for (let i = 0; i < 12; i++) {
    requests.push({ user: `guardian-${i}`, role: 'guardian', method: 'GET', path: `/children/${uid('child')}/consents`, route: '/children/{childId}/consents' });
    requests.push({ user: `staff-${i}`, role: 'staff', method: 'GET', path: `/groups/${uid('group')}/roster`, route: '/groups/{groupId}/roster' });
  }
  const spy = capture();
  let answers: { requestId: string | null; status: number; bodyId: unknown }[];
  try {
    answers = await Promise.all(
      requests.map(async (r) => {
        const res = await b.call(r.method, r.path, { token: b.token(r.user, r.role) });
        return { requestId: res.headers.get('apigw-requestid'), status: res.status, bodyId: res.body?.requestId };
      }),
    );
  } finally {
    spy.mockRestore();
  }
  const lineOf = new Map<string, LogLine[]>();
  for (const line of logged()) {
    if (line.function_request_id) lineOf.set(line.function_request_id, [...(lineOf.get(line.function_request_id) ?? []), line]);
  }
  requests.forEach((r, i) => {
    const answer = answers[i];
    expect(answer?.status).toBe(404);
    expect(answer?.bodyId).toBe(answer?.requestId);
    const own = lineOf.get(answer?.requestId ?? '') ?? [];
    expect(own.length).toBeGreaterThanOrEqual(1);
    for (const line of own) {
      expect({ function: line.function_name, user: line.userId }).toEqual({ function: functionOf(r.method, r.route), user: r.user });
    }
  });
  // No line of these requests went unaccounted for: every request id in the log is one answered.
  const answered = new Set(answers.map((a) => a.requestId));
  const refusals = logged().filter((l) => l.message === 'request refused');
  expect(refusals).toHaveLength(requests.length);
  for (const line of refusals) expect(answered.has(line.function_request_id ?? '')).toBe(true);
});

it("a 500's request id is in the log, on the line that says what failed", async () => {
  // A child record the repository cannot read: an unexpected error in the function.
  const childId = uid('child-broken');
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ endpoint: b.dynamoEndpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS }));
  await client.send(new PutCommand({ TableName: b.tableName, Item: { ...keys.child(childId), entityType: 'Child' } }));
  const spy = capture();
  let res: Awaited<ReturnType<TestBackend['call']>>;
  try {
    res = await b.call('GET', `/children/${childId}/consents`, { token: b.token('admin-logs', 'admin') });
  } finally {
    spy.mockRestore();
  }
  expect(res.status).toBe(500);
  expect(res.body).toMatchObject({ code: 'internal_error', requestId: expect.any(String) });
  const failed = logged().filter((l) => l.function_request_id === res.body.requestId);
  expect(failed).toContainEqual(
    expect.objectContaining({ level: 'ERROR', message: 'request failed', function_name: functionOf('GET', '/children/{childId}/consents'), userId: 'admin-logs' }),
  );
});

it("the adapter's own answers are logged under their request id too", async () => {
  const spy = capture();
  let res: Awaited<ReturnType<TestBackend['call']>>;
  try {
    res = await b.call('GET', '/children/%zz/consents');
  } finally {
    spy.mockRestore();
  }
  expect(res.status).toBe(400);
  expect(logged()).toContainEqual(expect.objectContaining({ message: 'request refused', function_request_id: res.body.requestId, function_name: 'local-http-adapter' }));
});
