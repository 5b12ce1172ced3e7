/**
 * Runs `npm start` as a user would (npm → node, which loads the TypeScript with `--import tsx`), in a temporary data folder on free
 * ports, and lists the processes it left behind by scanning /proc for that folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { freePort } from '../../local/engines';

const root = path.resolve(__dirname, '..', '..');

export interface Ports {
  BT_API_PORT: number;
  BT_ISSUER_PORT: number;
  BT_DYNAMODB_PORT: number;
  BT_S3_PORT: number;
}

export interface NpmStart {
  child: ChildProcess;
  dataDir: string;
  ports: Ports;
  output: () => string;
  stderr: () => string;
  /** Resolves with the exit code (or signal) of the npm process. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Resolves when the output matches, rejects after `ms` or when npm ends first. */
  waitFor: (pattern: RegExp, ms?: number) => Promise<void>;
}

export async function freePorts(): Promise<Ports> {
  const taken = new Set<number>();
  const next = async (): Promise<number> => {
    for (;;) {
      const p = await freePort();
      if (!taken.has(p)) {
        taken.add(p);
        return p;
      }
    }
  };
  return { BT_API_PORT: await next(), BT_ISSUER_PORT: await next(), BT_DYNAMODB_PORT: await next(), BT_S3_PORT: await next() };
}

export function tempDataDir(): string {
  return mkdtempSync(path.join(tmpdir(), 'bt-lifecycle-'));
}

/** `npm start` in its own process group (so a test can signal the group, as a terminal's Ctrl-C does). */
export async function npmStart(options: { dataDir?: string; ports?: Ports; args?: string[] } = {}): Promise<NpmStart> {
  const dataDir = options.dataDir ?? tempDataDir();
  const ports = options.ports ?? (await freePorts());
  const env: NodeJS.ProcessEnv = { ...process.env, BT_DATA_DIR: dataDir };
  for (const [k, v] of Object.entries(ports)) env[k] = String(v);
  // Nothing of the test run's own settings leaks into the backend.
  delete env.TEST_DYNAMODB_ENDPOINT;
  delete env.TEST_S3_ENDPOINT;
  delete env.JEST_WORKER_ID;
  // Warnings and errors are what the stop must not produce: let them through.
  env.POWERTOOLS_LOG_LEVEL = 'WARN';
  const child = spawn('npm', ['start', '--', ...(options.args ?? [])], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => {
    out += c.toString();
    err += c.toString();
  });
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.once('close', (code, signal) => resolve({ code, signal })));
  let ended = false;
  void exited.then(() => (ended = true));
  const waitFor = async (pattern: RegExp, ms = 45_000): Promise<void> => {
    const deadline = Date.now() + ms;
    while (!pattern.test(out)) {
      if (ended) throw new Error(`npm start ended before ${pattern} appeared:\n${out}`);
      if (Date.now() > deadline) throw new Error(`${pattern} did not appear within ${ms / 1000} s:\n${out}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  };
  return { child, dataDir, ports, output: () => out, stderr: () => err, exited, waitFor };
}

let template: Promise<string> | undefined;

/**
 * A data folder with the demo data already loaded: a copy of one that `npm start` seeded once per
 * test file, so that each test's start skips the seeding (half the start-up time).
 */
export async function seededDataDir(): Promise<string> {
  template ??= (async () => {
    const run = await npmStart();
    try {
      await run.waitFor(/Ctrl-C stops everything\./);
    } finally {
      process.kill(run.child.pid!, 'SIGTERM');
      await run.exited;
    }
    return run.dataDir;
  })();
  const copy = tempDataDir();
  cpSync(await template, copy, { recursive: true });
  return copy;
}

export interface ProcessInfo {
  pid: number;
  cmdline: string;
}

/** Live processes (zombies excluded) whose command line or environment names `marker`. */
export function processesNaming(marker: string): ProcessInfo[] {
  const found: ProcessInfo[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z')) continue;
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const environ = readFileSync(`/proc/${entry}/environ`, 'utf8');
      if (cmdline.includes(marker) || environ.split('\0').includes(`BT_DATA_DIR=${marker}`)) found.push({ pid: Number(entry), cmdline });
    } catch {
      // ended while we looked, or not ours to read
    }
  }
  return found;
}

/** Waits until no process names `marker`, up to `ms`; returns the survivors (empty when none). */
export async function survivorsAfter(marker: string, ms: number): Promise<ProcessInfo[]> {
  const deadline = Date.now() + ms;
  for (;;) {
    const left = processesNaming(marker);
    if (left.length === 0 || Date.now() > deadline) return left;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Ends whatever a failed test left behind, so that one failure does not leak processes. */
export function killAll(marker: string): void {
  for (const p of processesNaming(marker)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      // gone
    }
  }
}

/** The pid of the process in the tree whose command line matches. */
export function pidOf(marker: string, pattern: RegExp): number {
  const p = processesNaming(marker).find((i) => pattern.test(i.cmdline));
  if (!p) throw new Error(`no process matching ${pattern}: ${JSON.stringify(processesNaming(marker))}`);
  return p.pid;
}

/** Rejects with `what` when `promise` takes longer than `ms`: a deadline the issue sets, not a measurement. */
export async function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([promise, new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`not ${what} within ${ms / 1000} s`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Output lines that are ours, not npm's own header (`> beeldtoestemming@… start`) or its error footer. */
export function ownLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => l.trimEnd())
    .filter((l) => l.length > 0 && !l.startsWith('> ') && !l.startsWith('npm error') && !l.startsWith('npm ERR!'));
}
