/**
 * The s3rver process's contract with the lifecycle: loopback only, a health check that proves
 * which process answers, one line and exit code 1 when it cannot start, and broken data files
 * named (with `--fresh`) and never replaced.
 */
import { createServer, connect } from 'node:net';
import { networkInterfaces } from 'node:os';
import { readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { CreateBucketCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { localS3Client } from '../../local/storage';
import { startExpectingFailure, startS3rverProcess, tempDirectory } from './s3rver-harness';

const BUCKET = 'bt-s3rver-process';

/** A data directory holding `keys` (written through a real s3rver process, then stopped). */
async function directoryWith(keys: Record<string, string>): Promise<string> {
  const engine = await startS3rverProcess();
  const s3 = localS3Client(engine.endpoint);
  try {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    for (const [key, body] of Object.entries(keys)) await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ContentType: 'image/jpeg' }));
  } finally {
    s3.destroy();
    await engine.stop();
  }
  return engine.directory;
}

const file = (directory: string, key: string, resource: string): string => path.join(directory, BUCKET, `${key}._S3rver_${resource}`);

function expectOneLineNaming(stderr: string, named: string): void {
  const lines = stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toContain(named);
  expect(lines[0]).toContain('--fresh');
}

test('the health check names the engine and the nonce it was started with; it listens on loopback only', async () => {
  const engine = await startS3rverProcess({ nonce: 'nonce-4711' });
  try {
    const health = await fetch(`${engine.endpoint}/__local/health`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ engine: 's3rver', nonce: 'nonce-4711' });
    expect(engine.ready).toEqual({ address: '127.0.0.1', port: engine.port });
    const external = Object.values(networkInterfaces())
      .flat()
      .filter((a) => a !== undefined && !a.internal && a.family === 'IPv4')
      .map((a) => a!.address);
    for (const address of external) {
      const refused = await new Promise<boolean>((resolve) => {
        const socket = connect(engine.port, address);
        socket.once('connect', () => (socket.destroy(), resolve(false)));
        socket.once('error', () => resolve(true));
      });
      expect({ address, refused }).toEqual({ address, refused: true });
    }
  } finally {
    await engine.stop();
  }
});

test('started without a nonce (an older caller), it still serves S3 and answers the health check', async () => {
  const engine = await startS3rverProcess();
  try {
    expect(await (await fetch(`${engine.endpoint}/__local/health`)).json()).toEqual({ engine: 's3rver', nonce: '' });
    const s3 = localS3Client(engine.endpoint);
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'a', Body: 'b' }));
    expect(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'a' }))).Body?.transformToString()).toBe('b');
    s3.destroy();
  } finally {
    await engine.stop();
  }
});

test('it exits when the parent disconnects the IPC channel', async () => {
  const engine = await startS3rverProcess();
  const exit = new Promise<number | null>((resolve) => engine.child.once('exit', (code) => resolve(code)));
  engine.child.disconnect();
  expect(await exit).toBe(0);
});

test('a port in use: one line naming the port, exit code 1', async () => {
  const holder = createServer();
  await new Promise<void>((resolve) => holder.listen(0, '127.0.0.1', () => resolve()));
  const address = holder.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  try {
    const { code, stderr } = await startExpectingFailure(tempDirectory(), port);
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([`s3rver: port ${port} on 127.0.0.1 is already in use`]);
  } finally {
    holder.close();
  }
});

test('a broken metadata file stops the start with one line naming it and --fresh, and is left as it was', async () => {
  const directory = await directoryWith({ 'media/ok': 'fine', 'media/broken': 'bytes' });
  const metadata = file(directory, 'media/broken', 'metadata.json');
  writeFileSync(metadata, '{"content-type": "ima');
  const { code, stderr } = await startExpectingFailure(directory);
  expect(code).toBe(1);
  expectOneLineNaming(stderr, metadata);
  expect(readFileSync(metadata, 'utf8')).toBe('{"content-type": "ima');
  expect(readFileSync(file(directory, 'media/broken', 'object'), 'utf8')).toBe('bytes');
});

test('an object cut off while it was written (no metadata, or bytes not matching its MD5) stops the start, naming the object', async () => {
  const missing = await directoryWith({ 'uploads/half': 'half of it' });
  rmSync(file(missing, 'uploads/half', 'metadata.json'));
  const first = await startExpectingFailure(missing);
  expect(first.code).toBe(1);
  expectOneLineNaming(first.stderr, file(missing, 'uploads/half', 'object'));

  const truncated = await directoryWith({ 'uploads/cut': 'the whole body' });
  writeFileSync(file(truncated, 'uploads/cut', 'object'), 'the who');
  const second = await startExpectingFailure(truncated);
  expect(second.code).toBe(1);
  expectOneLineNaming(second.stderr, file(truncated, 'uploads/cut', 'object'));
  expect(readFileSync(file(truncated, 'uploads/cut', 'object'), 'utf8')).toBe('the who');

  const badMd5 = await directoryWith({ 'uploads/sum': 'body' });
  writeFileSync(file(badMd5, 'uploads/sum', 'object.md5'), 'not-a-checksum');
  const third = await startExpectingFailure(badMd5);
  expect(third.code).toBe(1);
  expectOneLineNaming(third.stderr, file(badMd5, 'uploads/sum', 'object.md5'));
});

test('a metadata file broken while it runs: reading that object answers 500 naming the file, one JSON line is logged, nothing is replaced', async () => {
  const engine = await startS3rverProcess();
  const s3 = localS3Client(engine.endpoint);
  try {
    await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'media/x', Body: 'x', ContentType: 'image/jpeg' }));
    await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'media/y', Body: 'y', ContentType: 'image/jpeg' }));
    const metadata = file(engine.directory, 'media/x', 'metadata.json');
    writeFileSync(metadata, '{');

    const response = await fetch(`${engine.endpoint}/${BUCKET}/media/x`);
    expect(response.status).toBe(500);
    expect(await response.text()).toContain(metadata);
    const logged = engine
      .stderr()
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { level?: string; file?: string; msg?: string });
    expect(logged).toContainEqual(expect.objectContaining({ level: 'error', engine: 's3rver', file: metadata }));
    expect(readFileSync(metadata, 'utf8')).toBe('{');
    // Other objects are still served.
    expect(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'media/y' }))).Body?.transformToString()).toBe('y');
  } finally {
    s3.destroy();
    await engine.stop();
  }
});

test('bodies of PUTs cut off by a crash are removed at the next start; the stored objects are kept', async () => {
  const directory = await directoryWith({ 'media/kept': 'kept' });
  const incoming = path.join(directory, '.s3rver-incoming');
  writeFileSync(path.join(incoming, 'left-over-body'), 'partial');
  const engine = await startS3rverProcess({ directory });
  try {
    expect(readdirSync(incoming)).toEqual([]);
    expect(existsSync(file(directory, 'media/kept', 'object'))).toBe(true);
    const s3 = localS3Client(engine.endpoint);
    expect(await (await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: 'media/kept' }))).Body?.transformToString()).toBe('kept');
    s3.destroy();
  } finally {
    await engine.stop();
  }
});
