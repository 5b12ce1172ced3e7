/** Starts local/s3rver-process.cjs on its own port and directory, as the lifecycle does, for the s3rver tests. */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { freePort } from '../../local/engines';

const SCRIPT = path.join(__dirname, '..', '..', 'local', 's3rver-process.cjs');

export interface S3rverProcess {
  child: ChildProcess;
  port: number;
  endpoint: string;
  directory: string;
  /** Every IPC message of type 's3-event', in arrival order. */
  events: unknown[];
  /** Everything written to stderr so far. */
  stderr: () => string;
  ready: { address?: string; port?: number };
  stop: () => Promise<void>;
}

export interface Exited {
  code: number | null;
  stderr: string;
}

export const tempDirectory = (): string => mkdtempSync(path.join(tmpdir(), 'bt-s3rver-test-'));

function spawnProcess(directory: string, port: number, nonce?: string): { child: ChildProcess; stderr: () => string } {
  const args = ['--openssl-legacy-provider', SCRIPT, directory, String(port), ...(nonce === undefined ? [] : [nonce])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => (stderr += chunk));
  return { child, stderr: () => stderr };
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Starts the process and resolves once it has said `ready`; rejects with its stderr if it exits first. */
export async function startS3rverProcess(options: { directory?: string; nonce?: string } = {}): Promise<S3rverProcess> {
  const directory = options.directory ?? tempDirectory();
  const port = await freePort();
  const { child, stderr } = spawnProcess(directory, port, options.nonce);
  const events: unknown[] = [];
  const ready = await new Promise<{ address?: string; port?: number }>((resolve, reject) => {
    child.on('message', (m: { type?: string; event?: unknown; address?: string; port?: number }) => {
      if (m?.type === 's3-event') events.push(m.event);
      if (m?.type === 'ready') resolve({ address: m.address, port: m.port });
    });
    child.once('exit', (code) => reject(new Error(`s3rver-process exited (${code}) before it was ready: ${stderr()}`)));
  });
  const stop = async (): Promise<void> => {
    if (child.connected) child.disconnect();
    await exited(child);
  };
  return { child, port, endpoint: `http://127.0.0.1:${port}`, directory, events, stderr, ready, stop };
}

/** Starts the process where it is expected to refuse to start; resolves with its exit code and stderr. */
export async function startExpectingFailure(directory: string, port?: number): Promise<Exited> {
  const { child, stderr } = spawnProcess(directory, port ?? (await freePort()), 'n');
  child.on('message', (m: { type?: string }) => {
    if (m?.type === 'ready') child.disconnect();
  });
  const code = await exited(child);
  return { code, stderr: stderr() };
}

/** Polls `check` until it holds (at most `attempts` times, 50 ms apart); false if it never did. */
export async function eventually(check: () => boolean | Promise<boolean>, attempts = 400): Promise<boolean> {
  for (let i = 0; i < attempts; i += 1) {
    if (await check()) return true;
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}

/** The bytes of all files below `directory`, wherever s3rver keeps a body it is receiving. */
export function bytesBelow(directory: string): number {
  let total = 0;
  for (const name of readdirSync(directory)) {
    const file = path.join(directory, name);
    const stats = statSync(file, { throwIfNoEntry: false });
    if (!stats) continue;
    total += stats.isDirectory() ? bytesBelow(file) : stats.size;
  }
  return total;
}

/** HEAD as S3 answers it: the status code and the size. */
export async function head(s3: S3Client, bucket: string, key: string): Promise<{ status: number; size?: number }> {
  try {
    const out = await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return { status: out.$metadata.httpStatusCode ?? 0, size: out.ContentLength };
  } catch (err) {
    const status = (err as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    return { status: status ?? -1 };
  }
}
