/**
 * The README's walkthrough, run as written: every `sh` block from "A first session with curl" to
 * the end of the quick start, in one bash, against `npm start` on free ports (the only edit is the
 * ports: the README's 3000 and 3001 become this run's). What the README's comments promise is
 * checked in the output. Then, as the README says, `npm start -- --fresh` and the walkthrough runs
 * again. (The quick start's own two lines are what CI runs: `.ci/run`.)
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { npmStart, type NpmStart } from './lifecycle-harness';

const root = path.resolve(__dirname, '..', '..');
const README = readFileSync(path.join(root, 'README.md'), 'utf8');

/** The walkthrough's shell blocks, in order. */
function walkthrough(): string[] {
  const start = README.indexOf('### A first session with curl');
  const end = README.indexOf('\n## ', start);
  const section = README.slice(start, end);
  return [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!);
}

/**
 * As a user's shell runs it: each command must succeed (-e), unset variables are errors (-u); no
 * pipefail, since `curl … | head -c 600` ends curl with a write error once head has enough.
 */
function runScript(script: string, env: NodeJS.ProcessEnv): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve) => {
    const child = spawn('bash', ['-eu', '-c', script], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (c: Buffer) => (out += c.toString()));
    child.stderr.on('data', (c: Buffer) => (out += c.toString()));
    child.once('close', (code) => resolve({ code, out }));
  });
}

/** What the README's comments say the commands show, in the order they show it. */
const PROMISED = [
  '"withdrawn_by:guardian:guardian-bram"',
  '"status":"available"',
  '"locationRemoved":true',
  '"publishable":true',
  '"code":"media_not_found"',
  'beeldtoestemming.child-export',
  '"code":"no_parental_authority"',
  '"code":"child_not_found"',
  '"status":"completed"',
  '"ok":true',
  '1 month(s) checked, 0 broken',
];

let run: NpmStart | undefined;
afterEach(async () => {
  if (run && run.child.exitCode === null) {
    process.kill(run.child.pid!, 'SIGTERM');
    await run.exited;
  }
});

async function walk(r: NpmStart): Promise<string> {
  const script = walkthrough()
    .join('\n')
    .replaceAll('http://127.0.0.1:3000', `http://127.0.0.1:${r.ports.BT_API_PORT}`)
    .replaceAll('http://127.0.0.1:3001', `http://127.0.0.1:${r.ports.BT_ISSUER_PORT}`);
  const env: NodeJS.ProcessEnv = { ...process.env, BT_DATA_DIR: r.dataDir, POWERTOOLS_LOG_LEVEL: 'WARN' };
  for (const [k, v] of Object.entries(r.ports)) env[k] = String(v);
  const { code, out } = await runScript(script, env);
  expect({ code, out }).toMatchObject({ code: 0 });
  let at = 0;
  for (const promise of PROMISED) {
    const found = out.indexOf(promise, at);
    if (found < 0) throw new Error(`the walkthrough did not show ${promise} (after position ${at}):\n${out}`);
    at = found + promise.length;
  }
  return out;
}

test('the walkthrough runs as written, and again after npm start -- --fresh', async () => {
  run = await npmStart();
  await run.waitFor(/Ctrl-C stops everything\./);
  await walk(run);
  process.kill(run.child.pid!, 'SIGTERM');
  await run.exited;

  run = await npmStart({ dataDir: run.dataDir, ports: run.ports, args: ['--fresh'] });
  await run.waitFor(/Ctrl-C stops everything\./);
  await walk(run);
}, 240_000);
