/**
 * Issue 14, stopping: SIGINT, SIGTERM or SIGHUP to the npm process or to the node process running
 * local/start.ts stops everything within 10 s and says so; nothing survives, whatever is signalled
 * (also a SIGKILL, and a Ctrl-C to the whole process group, which logs no error).
 */
import { rmSync } from 'node:fs';
import { killAll, npmStart, seededDataDir, ownLines, pidOf, survivorsAfter, within, type NpmStart } from './lifecycle-harness';

const STARTED = /Ctrl-C stops everything\./;
const STOPPED = /Local backend stopped \(/;
// The node process that runs local/start.ts (tsx starts it with its loader), not tsx's own.
const START_NODE = /--import \S*tsx\S* local\/start\.ts/;

jest.setTimeout(90_000);

let current: NpmStart | undefined;
afterEach(() => {
  if (current) {
    killAll(current.dataDir);
    rmSync(current.dataDir, { recursive: true, force: true });
  }
  current = undefined;
});

async function started(): Promise<NpmStart> {
  current = await npmStart({ dataDir: await seededDataDir() });
  await current.waitFor(STARTED);
  return current;
}

async function expectAllGone(run: NpmStart): Promise<void> {
  await within(run.exited, 10_000, 'npm start ended');
  expect(await survivorsAfter(run.dataDir, 2000)).toEqual([]);
}

describe.each(['SIGINT', 'SIGTERM', 'SIGHUP'] as const)('%s', (signal) => {
  test(`to the npm process stops everything within 10 s and says so`, async () => {
    const run = await started();
    // The tree: npm, node (with tsx as its loader), DynamoDB Local, s3rver.
    expect(pidOf(run.dataDir, /BtDynamoDbLocal/)).toBeGreaterThan(0);
    expect(pidOf(run.dataDir, /s3rver-process\.cjs/)).toBeGreaterThan(0);
    process.kill(run.child.pid!, signal);
    await within(run.waitFor(STOPPED, 10_000), 10_000, 'announced');
    await expectAllGone(run);
    expect(ownLines(run.output()).filter((l) => STOPPED.test(l))).toHaveLength(1);
  });

  test(`to the node process stops everything within 10 s and says so`, async () => {
    const run = await started();
    process.kill(pidOf(run.dataDir, START_NODE), signal);
    await within(run.waitFor(STOPPED, 10_000), 10_000, 'announced');
    expect(run.output()).toContain(`Local backend stopped (${signal})`);
    await expectAllGone(run);
  });
});

test('SIGKILL to the node process: the engines notice their parent is gone and exit', async () => {
  const run = await started();
  process.kill(pidOf(run.dataDir, START_NODE), 'SIGKILL');
  await expectAllGone(run);
});

test('SIGKILL to the npm process: the backend notices and stops everything', async () => {
  const run = await started();
  process.kill(run.child.pid!, 'SIGKILL');
  // npm is gone at once; what it started must follow within 10 s.
  expect(await survivorsAfter(run.dataDir, 10_000)).toEqual([]);
});

test('Ctrl-C to the whole process group stops in order and logs no error', async () => {
  const run = await started();
  const before = run.output().length;
  // What a terminal does: SIGINT to every process of the foreground group at once.
  process.kill(-run.child.pid!, 'SIGINT');
  await expectAllGone(run);
  const after = run.output().slice(before);
  expect(after).toMatch(STOPPED);
  expect(after).not.toMatch(/"level":"(ERROR|WARN)"|failed|Error/);
});

test('an engine that dies is noticed at once: the backend names it and exits 1', async () => {
  const run = await started();
  process.kill(pidOf(run.dataDir, /BtDynamoDbLocal/), 'SIGKILL');
  const { code } = await within(run.exited, 10_000, 'npm start ended');
  expect(code).toBe(1);
  expect(ownLines(run.stderr()).filter((l) => /DynamoDB Local stopped unexpectedly/.test(l))).toEqual([
    expect.stringContaining('DynamoDB Local stopped unexpectedly (killed by SIGKILL)'),
  ]);
  expect(await survivorsAfter(run.dataDir, 2000)).toEqual([]);
});
