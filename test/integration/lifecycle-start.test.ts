/**
 * Issue 14, starting: a port in use gives one line naming the port and its variable, exit code 1,
 * nothing left running; damaged DynamoDB Local data is named with `--fresh` and left untouched.
 */
import { readdirSync, readFileSync, rmSync, statSync, truncateSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import path from 'node:path';
import { freePorts, killAll, npmStart, ownLines, seededDataDir, survivorsAfter, tempDataDir, within, type NpmStart } from './lifecycle-harness';

jest.setTimeout(90_000);

let current: NpmStart | undefined;
let blocker: Server | undefined;
afterEach(async () => {
  if (current) {
    killAll(current.dataDir);
    rmSync(current.dataDir, { recursive: true, force: true });
  }
  current = undefined;
  await new Promise<void>((resolve) => (blocker ? blocker.close(() => resolve()) : resolve()));
  blocker = undefined;
});

function occupy(port: number): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = createServer((socket) => socket.end('HTTP/1.1 200 OK\r\ncontent-type: text/html\r\n\r\n<html>another server</html>'));
    srv.once('error', reject);
    srv.listen(port, '127.0.0.1', () => resolve(srv));
  });
}

/** npm start that must fail: its exit code, and our own output lines. */
async function failedStart(run: NpmStart): Promise<{ code: number | null; lines: string[] }> {
  const { code } = await within(run.exited, 30_000, 'npm start ended');
  return { code, lines: ownLines(run.output()) };
}

describe.each(['BT_API_PORT', 'BT_ISSUER_PORT', 'BT_DYNAMODB_PORT', 'BT_S3_PORT'] as const)('%s in use', (variable) => {
  test('one line naming the port and the variable, exit code 1, nothing left running', async () => {
    const ports = await freePorts();
    blocker = await occupy(ports[variable]);
    current = await npmStart({ ports, dataDir: tempDataDir() });
    const { code, lines } = await failedStart(current);
    expect(code).toBe(1);
    expect(lines).toEqual([expect.stringMatching(new RegExp(`port ${ports[variable]} .*in use.*${variable}=`))]);
    expect(await survivorsAfter(current.dataDir, 2000)).toEqual([]);
    // Nothing was started: not even the data folder's engines' files.
    expect(readdirSync(current.dataDir)).toEqual([]);
  });
});

function dbFileIn(dataDir: string): string {
  const dir = path.join(dataDir, 'dynamodb');
  const file = readdirSync(dir).find((f) => f.endsWith('.db'));
  if (!file) throw new Error(`no DynamoDB Local data file in ${dir}`);
  return path.join(dir, file);
}

describe.each([
  ['a zero-length', () => 0],
  ['a truncated', (size: number) => Math.floor(size / 2)],
])('%s DynamoDB Local data file', (_, newSize) => {
  test('is named with --fresh, exit code 1, and is not replaced', async () => {
    const dataDir = await seededDataDir();
    const file = dbFileIn(dataDir);
    truncateSync(file, newSize(statSync(file).size));
    const damaged = statSync(file);
    current = await npmStart({ dataDir });
    const { code, lines } = await failedStart(current);
    expect(code).toBe(1);
    expect(lines).toEqual([expect.stringContaining(file)]);
    expect(lines[0]).toContain('npm start -- --fresh');
    // Untouched: not silently replaced by fresh demo data.
    expect(statSync(file).size).toBe(damaged.size);
    expect(statSync(file).mtimeMs).toBe(damaged.mtimeMs);
    expect(await survivorsAfter(dataDir, 2000)).toEqual([]);
  });
});

describe('--org', () => {
  test("npm start -- --org runs the organisation's settings: the uavg demo keeps a 13-year-old from deciding, and the tools that attach get the same settings", async () => {
    current = await npmStart({ dataDir: await seededDataDir(), args: ['--org', 'infra/organisations/demo-uavg.json'] });
    await current.waitFor(/Ctrl-C stops everything\./);
    expect(current.output()).toMatch(/organisation demo-onderwijs/);
    const issuer = `http://127.0.0.1:${current.ports.BT_ISSUER_PORT}`;
    const token = async (user: string) => ((await (await fetch(`${issuer}/token/${user}`)).json()) as { access_token: string }).access_token;
    const api = `http://127.0.0.1:${current.ports.BT_API_PORT}`;
    // Noor is 13: under youth-care she decides with her guardian, under uavg her guardian alone does.
    const noor = await fetch(`${api}/children/child-noor/decisions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${await token('child-noor')}`, 'content-type': 'application/json' },
      body: JSON.stringify({ purpose: 'publication', decision: 'granted', noticeVersion: '2026-08' }),
    });
    expect({ status: noor.status, body: await noor.json() }).toMatchObject({ status: 403, body: { code: 'too_young_to_decide', decidesFromAge: 16 } });
    const consents = (await (await fetch(`${api}/children/child-noor/consents`, { headers: { authorization: `Bearer ${await token('guardian-carla')}` } })).json()) as {
      consents: { policy: string };
    };
    expect(consents.consents.policy).toBe('uavg');
    const copy = JSON.parse(readFileSync(path.join(current.dataDir, 'organisation.json'), 'utf8')) as { organisationId: string; retentionYears: Record<string, number> };
    expect(copy).toMatchObject({ organisationId: 'demo-onderwijs', retentionYears: { coaching_video: 2 } });
  });

  test('an invalid settings file stops the start with its problems, exit code 1, nothing left running', async () => {
    current = await npmStart({ dataDir: tempDataDir(), args: ['--org', 'infra/organisations/missing.json'] });
    const { code, lines } = await failedStart(current);
    expect(code).toBe(1);
    expect(lines.join('\n')).toMatch(/Cannot read organisation config .*missing\.json/);
    expect(await survivorsAfter(current.dataDir, 1000)).toEqual([]);
  });
});
