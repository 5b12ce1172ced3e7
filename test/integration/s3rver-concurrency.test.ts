/**
 * s3rver as S3 behaves under the backend's own traffic: many uploads at once while completions copy
 * and delete under the same prefix, and an object that appears only when its PUT has finished.
 */
import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { readdirSync } from 'node:fs';
import path from 'node:path';
import { CopyObjectCommand, CreateBucketCommand, DeleteObjectCommand, GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { localS3Client } from '../../local/storage';
import { eventually, head, bytesBelow, startS3rverProcess, type S3rverProcess } from './s3rver-harness';

const BUCKET = 'bt-s3rver-concurrency';
const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');

let engine: S3rverProcess;
let s3: S3Client;
beforeAll(async () => {
  engine = await startS3rverProcess({ nonce: 'concurrency' });
  s3 = localS3Client(engine.endpoint);
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
});
afterAll(async () => {
  s3.destroy();
  await engine.stop();
});

/** The keys of the ObjectCreated:Put notifications received so far. */
function createdKeys(): string[] {
  return engine.events.flatMap((event) => {
    const records = (event as { Records?: { eventName?: string; s3?: { object?: { key?: string } } }[] }).Records ?? [];
    return records.filter((r) => r.eventName === 'ObjectCreated:Put').map((r) => r.s3?.object?.key ?? '');
  });
}

async function presignedPut(key: string, body: Uint8Array, contentType = 'image/jpeg'): Promise<number> {
  const url = await getSignedUrl(s3, new PutObjectCommand({ Bucket: BUCKET, Key: key, ContentType: contentType }), { expiresIn: 600 });
  const response = await fetch(url, { method: 'PUT', body, headers: { 'content-type': contentType } });
  await response.arrayBuffer();
  return response.status;
}

async function read(key: string): Promise<Uint8Array> {
  const out = await s3.send(new GetObjectCommand({ Bucket: BUCKET, Key: key }));
  return out.Body ? out.Body.transformToByteArray() : new Uint8Array();
}

test('16 concurrent uploads, completed as the backend does (copy to media/, delete from uploads/), all arrive intact and s3rver keeps serving', async () => {
  const workers = 16;
  const expected = new Map<string, string>();
  const statuses: number[] = [];
  // A delete that empties a key's folder removes the folder; s3rver 3.7.1 crashed when that happened
  // while another PUT was opening its file there. In the backend's flat uploads/ that is rare per
  // request (it took the load run); with two uploaders per folder it is frequent, so the
  // second half has pairs of uploaders share one (unpatched, it crashed within 100 PUTs every time).
  const churnRounds = 25;
  await Promise.all(
    Array.from({ length: workers }, async (_, worker) => {
      const id = `w${worker}`;
      const body = randomBytes(64 * 1024 + worker * 997);
      expected.set(`media/${id}`, sha256(body));
      statuses.push(await presignedPut(`uploads/${id}`, body));
      await s3.send(new CopyObjectCommand({ Bucket: BUCKET, CopySource: `${BUCKET}/uploads/${id}`, Key: `media/${id}`, ContentType: 'image/jpeg', MetadataDirective: 'REPLACE' }));
      await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: `uploads/${id}` }));
      for (let round = 0; round < churnRounds; round += 1) {
        const key = `uploads/pair-${worker >> 1}/${id}-${round}`;
        const put = await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: randomBytes(512) }));
        statuses.push(put.$metadata.httpStatusCode ?? 0);
        await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: key }));
      }
    }),
  );

  expect(statuses).toEqual(Array.from({ length: workers * (1 + churnRounds) }, () => 200));
  expect(engine.child.exitCode).toBeNull();
  for (const [key, hash] of expected) expect(sha256(await read(key))).toBe(hash);
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: 'media/' }));
  expect((listed.Contents ?? []).map((c) => c.Key).sort()).toEqual([...expected.keys()].sort());
  expect(await eventually(() => createdKeys().filter((k) => k.startsWith('uploads/')).length === workers * (1 + churnRounds))).toBe(true);

  // A further PUT, with the uploads/ folder gone, still works.
  const after = randomBytes(4096);
  expect(await presignedPut('uploads/after-the-storm', after)).toBe(200);
  expect(sha256(await read('uploads/after-the-storm'))).toBe(sha256(after));
  // Nothing is left behind in the incoming folder.
  expect(readdirSync(path.join(engine.directory, '.s3rver-incoming'))).toEqual([]);
});

/** A PUT whose body is written by the test in two halves, with the HTTP request open in between. */
async function openPut(key: string, size: number) {
  const url = new URL(await getSignedUrl(s3, new PutObjectCommand({ Bucket: BUCKET, Key: key, ContentType: 'video/mp4' }), { expiresIn: 600 }));
  const req = request(url, { method: 'PUT', headers: { 'content-type': 'video/mp4', 'content-length': String(size) } });
  const answered = new Promise<number>((resolve, reject) => {
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
  return { req, answered };
}

test('an object is not visible (HEAD, GET, listing, notification) until its PUT has finished, then it is whole', async () => {
  const size = 4 * 1024 * 1024;
  const body = randomBytes(size);
  const key = 'uploads/slow-video';
  const { req, answered } = await openPut(key, size);
  const before = bytesBelow(engine.directory);
  const seenAtNotification: Promise<{ status: number; size?: number }> = new Promise((resolve) => {
    engine.child.on('message', (m: { type?: string; event?: { Records?: { s3?: { object?: { key?: string } } }[] } }) => {
      if (m?.type === 's3-event' && m.event?.Records?.[0]?.s3?.object?.key === key) void head(s3, BUCKET, key).then(resolve);
    });
  });

  req.write(body.subarray(0, size / 2));
  // s3rver has received the first half once its directory has grown by that much.
  expect(await eventually(() => bytesBelow(engine.directory) >= before + size / 2)).toBe(true);
  expect(await head(s3, BUCKET, key)).toEqual({ status: 404 });
  await expect(read(key)).rejects.toMatchObject({ name: 'NoSuchKey' });
  const listed = await s3.send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: key }));
  expect(listed.Contents ?? []).toEqual([]);
  expect(createdKeys()).not.toContain(key);

  req.end(body.subarray(size / 2));
  expect(await answered).toBe(200);
  expect(await head(s3, BUCKET, key)).toEqual({ status: 200, size });
  expect(sha256(await read(key))).toBe(sha256(body));
  // The notification is sent once the object is complete: a HEAD made on its arrival sees it whole.
  expect(await seenAtNotification).toEqual({ status: 200, size });
});

test('a PUT cut off half-way leaves no object behind (S3 stores nothing of it)', async () => {
  const size = 2 * 1024 * 1024;
  const key = 'uploads/cut-off';
  const { req, answered } = await openPut(key, size);
  answered.catch(() => undefined);
  const before = bytesBelow(engine.directory);
  req.write(randomBytes(size / 2));
  expect(await eventually(() => bytesBelow(engine.directory) >= before + size / 2)).toBe(true);
  req.destroy();
  expect(await eventually(() => readdirSync(path.join(engine.directory, '.s3rver-incoming')).length === 0)).toBe(true);
  expect(await head(s3, BUCKET, key)).toEqual({ status: 404 });
  expect(createdKeys()).not.toContain(key);
  expect(engine.child.exitCode).toBeNull();
});

test('a PUT still streaming when a delete empties and removes its folder is stored whole when it finishes', async () => {
  const size = 1024 * 1024;
  const body = randomBytes(size);
  const key = 'uploads/tablet-7/long';
  const { req, answered } = await openPut(key, size);
  const before = bytesBelow(engine.directory);
  req.write(body.subarray(0, size / 2));
  expect(await eventually(() => bytesBelow(engine.directory) >= before + size / 2)).toBe(true);
  // Another object in the same folder comes and goes; its delete removes the (otherwise empty) folder.
  await s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'uploads/tablet-7/short', Body: 'x' }));
  await s3.send(new DeleteObjectCommand({ Bucket: BUCKET, Key: 'uploads/tablet-7/short' }));
  req.end(body.subarray(size / 2));
  expect(await answered).toBe(200);
  expect(sha256(await read(key))).toBe(sha256(body));
  expect(await eventually(() => createdKeys().includes(key))).toBe(true);
});
