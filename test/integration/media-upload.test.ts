/** The upload pipeline on DynamoDB Local and s3rver: consent gate, pre-signed URLs, completion, clean-up. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { GetObjectCommand, HeadObjectCommand, S3Client } from '@aws-sdk/client-s3';
import exifr from 'exifr';
import { localS3Client } from '../../local/storage';
import { NOTICE, bornYearsAgo, createFamily, putToUrl, startTestBackend, uid, type TestBackend } from './support';

const JPEG_WITH_GPS = readFileSync(path.join(__dirname, '..', 'fixtures', 'gps-exif-xmp.jpg'));
const PNG_WITH_GPS = readFileSync(path.join(__dirname, '..', 'fixtures', 'gps-exif-xmp.png'));

let b: TestBackend;
let s3: S3Client;
beforeAll(async () => {
  b = await startTestBackend();
  s3 = localS3Client(b.s3Endpoint);
});
afterAll(async () => {
  s3.destroy();
  await b.stop();
});

async function objectExists(key: string): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: b.bucketName, Key: key }));
    return true;
  } catch {
    return false;
  }
}

/** A family whose consent is granted now; with `daysAgo`, the child and its guardian were entered that long ago. */
async function grantedFamily(purposes = ['parent_information', 'coaching_video', 'publication'], daysAgo = 0) {
  const f = await createFamily(b, { birthDate: bornYearsAgo(6), guardians: [{ authority: true }], daysAgo });
  const guardian = b.token(f.guardianIds[0]!, 'guardian');
  for (const purpose of purposes) {
    const r = await b.call('POST', `/children/${f.childId}/decisions`, { token: guardian, body: { purpose, decision: 'granted', noticeVersion: NOTICE } });
    expect(r.status).toBe(201);
  }
  return { ...f, guardian, staff: b.token(f.staffId, 'staff') };
}

const photo = (f: { groupId: string; childId: string }, extra: Record<string, unknown> = {}) => ({
  clientReference: uid('tablet'),
  kind: 'photo',
  contentType: 'image/jpeg',
  size: JPEG_WITH_GPS.length,
  recordedAt: new Date().toISOString(),
  groupId: f.groupId,
  childIds: [f.childId],
  purposes: ['parent_information'],
  ...extra,
});

test('a photo of a consenting child is uploaded, completed, and stored without its GPS data', async () => {
  const f = await grantedFamily();
  expect(await exifr.gps(JPEG_WITH_GPS)).toBeTruthy();
  const created = await b.call('POST', '/media', { token: f.staff, body: photo(f) });
  expect(created.status).toBe(201);
  const { item, upload } = created.body;
  expect(item).toMatchObject({ status: 'pending', childIds: [f.childId], purposes: ['parent_information'] });

  // s3rver does not check signatures: assert what the URL binds by reading it.
  const url = new URL(upload.url);
  expect(url.pathname).toBe(`/${b.bucketName}/uploads/${item.mediaId}`);
  expect(Number(url.searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(900);
  expect(url.searchParams.get('X-Amz-SignedHeaders')?.split(';')).toEqual(expect.arrayContaining(['content-length', 'content-type', 'host']));
  expect(upload.headers).toEqual({ 'content-type': 'image/jpeg', 'content-length': String(JPEG_WITH_GPS.length) });

  expect(await putToUrl(upload, JPEG_WITH_GPS)).toBe(200);
  const done = await b.call('POST', `/media/${item.mediaId}/complete`, { token: f.staff });
  expect(done.status).toBe(200);
  expect(done.body.item).toMatchObject({ status: 'available', locationRemoved: true });

  const stored = await s3.send(new GetObjectCommand({ Bucket: b.bucketName, Key: `media/${item.mediaId}` }));
  const bytes = Buffer.from(await stored.Body!.transformToByteArray());
  expect(await exifr.gps(bytes)).toBeUndefined();
  expect(await objectExists(`uploads/${item.mediaId}`)).toBe(false);

  const again = await b.call('POST', `/media/${item.mediaId}/complete`, { token: f.staff });
  expect(again).toMatchObject({ status: 200, body: { item: { status: 'available' } } });
  expect((await b.call('GET', `/media/${item.mediaId}`, { token: f.staff })).body.status).toBe('available');
});

test('a PNG carrying location loses it too', async () => {
  const f = await grantedFamily();
  const created = await b.call('POST', '/media', { token: f.staff, body: photo(f, { contentType: 'image/png', size: PNG_WITH_GPS.length }) });
  expect(await putToUrl(created.body.upload, PNG_WITH_GPS)).toBe(200);
  const done = await b.call('POST', `/media/${created.body.item.mediaId}/complete`, { token: f.staff });
  expect(done.body.item.locationRemoved).toBe(true);
  const stored = await s3.send(new GetObjectCommand({ Bucket: b.bucketName, Key: `media/${created.body.item.mediaId}` }));
  expect(await exifr.gps(Buffer.from(await stored.Body!.transformToByteArray()))).toBeUndefined();
});

test('example 8: a photo recorded yesterday of a child whose consent was granted only today is refused and nothing is stored', async () => {
  const f = await grantedFamily(['parent_information', 'coaching_video', 'publication'], 30);
  const body = photo(f, { recordedAt: new Date(Date.now() - 24 * 3600_000).toISOString() });
  const r = await b.call('POST', '/media', { token: f.staff, body });
  expect(r.status).toBe(409);
  expect(r.body).toMatchObject({ code: 'consent_missing' });
  expect(r.body.blockers).toEqual([{ childId: f.childId, purpose: 'parent_information', when: 'recorded_at', reasons: ['needs:guardian'] }]);
  const rt = b.runtime();
  expect(await rt.media.findByClientReference(f.staffId, body.clientReference)).toBeUndefined();
  expect((await rt.media.idsDepicting(f.childId)).ids).toEqual([]);
});

test('footage recorded before a child was entered (no guardian linked then) is refused, with the facts of then', async () => {
  const f = await grantedFamily();
  const r = await b.call('POST', '/media', { token: f.staff, body: photo(f, { recordedAt: new Date(Date.now() - 24 * 3600_000).toISOString() }) });
  expect(r.status).toBe(409);
  expect(r.body.code).toBe('consent_missing');
  expect(r.body.blockers).toEqual([{ childId: f.childId, purpose: 'parent_information', when: 'recorded_at', reasons: ['no_guardian_with_authority'] }]);
});

test('example 11: a child with the safeguarding flag is refused even with every consent granted', async () => {
  const f = await grantedFamily();
  await b.call('PATCH', `/children/${f.childId}`, { token: f.admin, body: { safeguarding: true } });
  const r = await b.call('POST', '/media', { token: f.staff, body: photo(f, { purposes: ['parent_information', 'coaching_video'] }) });
  expect(r.status).toBe(409);
  expect(r.body.blockers).toEqual(
    expect.arrayContaining([expect.objectContaining({ childId: f.childId, purpose: 'coaching_video', reasons: ['safeguarding'] })]),
  );
  expect((await b.runtime().media.idsDepicting(f.childId)).ids).toEqual([]);
});

test('a retried create returns the same item with a fresh URL, never a second item; a reused reference is a conflict', async () => {
  const f = await grantedFamily();
  const body = photo(f);
  const first = await b.call('POST', '/media', { token: f.staff, body });
  const [second, third] = await Promise.all([
    b.call('POST', '/media', { token: f.staff, body }),
    b.call('POST', '/media', { token: f.staff, body }),
  ]);
  expect(first.status).toBe(201);
  expect([second.status, third.status]).toEqual([200, 200]);
  expect(second.body.item.mediaId).toBe(first.body.item.mediaId);
  expect(third.body.item.mediaId).toBe(first.body.item.mediaId);
  expect(second.body.upload.url).toEqual(expect.stringContaining(`uploads/${first.body.item.mediaId}`));
  expect((await b.runtime().media.idsDepicting(f.childId)).ids).toHaveLength(1);

  const reused = await b.call('POST', '/media', { token: f.staff, body: { ...body, purposes: ['coaching_video'] } });
  expect(reused).toMatchObject({ status: 409, body: { code: 'client_reference_reused' } });
});

test('concurrent first creates with one reference make exactly one item', async () => {
  const f = await grantedFamily();
  const body = photo(f);
  const results = await Promise.all(Array.from({ length: 5 }, () => b.call('POST', '/media', { token: f.staff, body })));
  expect(new Set(results.map((r) => r.body.item.mediaId)).size).toBe(1);
  expect(results.filter((r) => r.status === 201)).toHaveLength(1);
  expect((await b.runtime().media.idsDepicting(f.childId)).ids).toHaveLength(1);
});

test.each([
  ['a file of another type than declared', 'content_mismatch', () => PNG_WITH_GPS.subarray(0, 400), {} as Record<string, string>, 400],
  ['a file smaller than declared', 'size_mismatch', () => JPEG_WITH_GPS.subarray(0, 100), {}, undefined],
  ['a file sent with another content type', 'content_type_mismatch', () => JPEG_WITH_GPS, { 'content-type': 'image/png' }, undefined],
])('%s is refused at completion and its object deleted', async (_n, code, bytes, headers, declared) => {
  const f = await grantedFamily();
  const created = await b.call('POST', '/media', { token: f.staff, body: photo(f, declared ? { size: declared } : {}) });
  expect(await putToUrl(created.body.upload, bytes(), headers)).toBe(200);
  const done = await b.call('POST', `/media/${created.body.item.mediaId}/complete`, { token: f.staff });
  expect(done).toMatchObject({ status: 409, body: { code } });
  expect(await objectExists(`uploads/${created.body.item.mediaId}`)).toBe(false);
  expect(await objectExists(`media/${created.body.item.mediaId}`)).toBe(false);
  expect((await b.call('GET', `/media/${created.body.item.mediaId}`, { token: f.staff })).body).toMatchObject({ status: 'refused', refusal: { code } });
  const retried = await b.call('POST', `/media/${created.body.item.mediaId}/complete`, { token: f.staff });
  expect(retried).toMatchObject({ status: 409, body: { code } });
});

test('consent withdrawn between create and completion: the upload is refused and deleted', async () => {
  const f = await grantedFamily();
  const created = await b.call('POST', '/media', { token: f.staff, body: photo(f) });
  await putToUrl(created.body.upload, JPEG_WITH_GPS);
  await b.call('POST', `/children/${f.childId}/decisions`, {
    token: f.guardian,
    body: { purpose: 'parent_information', decision: 'withdrawn', noticeVersion: NOTICE },
  });
  // Whichever comes first, the withdrawal's propagation or the completion's own check, refuses it.
  await b.settled();
  const done = await b.call('POST', `/media/${created.body.item.mediaId}/complete`, { token: f.staff });
  expect(done).toMatchObject({ status: 409, body: { code: 'consent_missing' } });
  expect(done.body.blockers).toEqual([
    expect.objectContaining({ childId: f.childId, purpose: 'parent_information', when: 'now', reasons: expect.arrayContaining([`withdrawn_by:guardian:${f.guardianIds[0]}`]) }),
  ]);
  expect(await objectExists(`uploads/${created.body.item.mediaId}`)).toBe(false);
});

test('a child from another group is refused and nothing is stored', async () => {
  const f = await grantedFamily();
  const other = await grantedFamily();
  const r = await b.call('POST', '/media', { token: f.staff, body: photo(f, { childIds: [f.childId, other.childId] }) });
  expect(r).toMatchObject({ status: 409, body: { code: 'child_not_in_group', childIds: [other.childId] } });
  expect((await b.runtime().media.idsDepicting(f.childId)).ids).toEqual([]);
});

test.each([
  ['in the future', () => new Date(Date.now() + 3600_000).toISOString(), 'must not be in the future'],
  ['past retention', () => new Date(Date.now() - 3 * 366 * 24 * 3600_000).toISOString(), 'is past the retention period for parent_information'],
])('a recording time %s is a 400 on recordedAt', async (_n, recordedAt, reason) => {
  const f = await grantedFamily();
  const r = await b.call('POST', '/media', { token: f.staff, body: photo(f, { recordedAt: recordedAt() }) });
  expect(r).toMatchObject({ status: 400, body: { field: 'recordedAt', reason } });
});

test.each([
  ['a content type outside the allow-list', { contentType: 'image/gif' }, 'contentType'],
  ['a video type for a photo', { contentType: 'video/mp4' }, 'contentType'],
  ['a photo over the maximum size', { size: 31 * 1024 * 1024 }, 'size'],
  ['no purpose', { purposes: [] }, 'purposes'],
])('%s is a 400 naming the field', async (_n, extra, field) => {
  const f = await grantedFamily();
  const r = await b.call('POST', '/media', { token: f.staff, body: photo(f, extra) });
  expect(r).toMatchObject({ status: 400, body: { code: 'invalid_request', field } });
});

test('footage of staff only (no child) needs no consent', async () => {
  const f = await grantedFamily([]);
  const r = await b.call('POST', '/media', { token: f.staff, body: photo(f, { childIds: [] }) });
  expect(r.status).toBe(201);
});

test('staff delete their own unpublished item: files and metadata go, a tombstone stays', async () => {
  const f = await grantedFamily();
  const created = await b.call('POST', '/media', { token: f.staff, body: photo(f) });
  const mediaId = created.body.item.mediaId;
  await putToUrl(created.body.upload, JPEG_WITH_GPS);
  await b.call('POST', `/media/${mediaId}/complete`, { token: f.staff });

  const colleague = uid('staff');
  await b.call('PUT', `/staff/${colleague}`, { token: f.admin, body: { displayName: 'Collega', groupIds: [f.groupId] } });
  expect((await b.call('DELETE', `/media/${mediaId}`, { token: b.token(colleague, 'staff') })).status).toBe(404);

  expect((await b.call('DELETE', `/media/${mediaId}`, { token: f.staff })).status).toBe(204);
  expect((await b.call('GET', `/media/${mediaId}`, { token: f.staff })).status).toBe(404);
  expect(await objectExists(`media/${mediaId}`)).toBe(false);
  const rt = b.runtime();
  const tombstone = await rt.media.getTombstone(mediaId);
  expect(tombstone).toEqual({ mediaId, reason: 'deleted_by_staff', deletedAt: expect.any(String), childIds: [f.childId] });
  expect((await rt.media.idsDepicting(f.childId)).ids).toEqual([{ mediaId, deleted: true }]);
});

test('uploads that never completed are removed after a day, with a tombstone', async () => {
  const f = await grantedFamily();
  const created = await b.call('POST', '/media', { token: f.staff, body: photo(f) });
  const mediaId = created.body.item.mediaId;
  await putToUrl(created.body.upload, JPEG_WITH_GPS);
  const { runSweep } = await import('../../functions/retention/sweep');
  const rt = b.runtime();
  const now = rt.now;
  try {
    await runSweep(rt);
    expect(await rt.media.get(mediaId)).toBeDefined();
    rt.now = () => new Date(Date.now() + 25 * 3600_000);
    expect((await runSweep(rt)).deleted.incomplete_upload).toBeGreaterThanOrEqual(1);
  } finally {
    rt.now = now;
  }
  expect(await rt.media.get(mediaId)).toBeUndefined();
  expect((await rt.media.getTombstone(mediaId))?.reason).toBe('incomplete_upload');
  expect(await objectExists(`uploads/${mediaId}`)).toBe(false);
});
