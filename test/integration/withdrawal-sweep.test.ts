/** Deletion that really happens: withdrawal propagation and the sweep, on the real engines. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { startOfAmsterdamDay } from '../../functions/domain/calendar';
import { runSweep } from '../../functions/retention/sweep';
import type { MediaStore } from '../../functions/shared/media-store';
import type { Runtime } from '../../functions/shared/runtime';
import { localS3Client } from '../../local/storage';
import { NOTICE, bornYearsAgo, createFamily, putToUrl, seedAvailableItem, startTestBackend, type TestBackend } from './support';

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

const decide = (childId: string, token: string, purpose: string, decision: 'granted' | 'withdrawn') =>
  b.call('POST', `/children/${childId}/decisions`, { token, body: { purpose, decision, noticeVersion: NOTICE } });

async function family(groupId?: string, staffId?: string) {
  const f = await createFamily(b, { birthDate: bornYearsAgo(7), guardians: [{ authority: true }], ...(groupId ? { groupId } : {}), ...(staffId ? { staffId } : {}) });
  const guardian = b.token(f.guardianIds[0]!, 'guardian');
  for (const p of ['parent_information', 'coaching_video', 'publication']) await decide(f.childId, guardian, p, 'granted');
  return { ...f, guardian };
}

const exists = async (key: string) =>
  s3.send(new HeadObjectCommand({ Bucket: b.bucketName, Key: key })).then(
    () => true,
    () => false,
  );

/** Runs `fn` with the runtime's clock set to noon (Amsterdam) on `day`. */
async function on<T>(day: string, fn: (rt: Runtime) => Promise<T>): Promise<T> {
  const rt = b.runtime();
  const now = rt.now;
  rt.now = () => new Date(startOfAmsterdamDay(day).getTime() + 12 * 3600_000);
  try {
    return await fn(rt);
  } finally {
    rt.now = now;
  }
}

test('example 5: a withdrawal deletes the unpublished group photo, object and metadata, leaving a tombstone', async () => {
  const a = await family();
  const bFam = await family(a.groupId, a.staffId);
  const jpeg = readFileSync(path.join(__dirname, '..', 'fixtures', 'gps-exif-xmp.jpg'));
  const staff = b.token(a.staffId, 'staff');
  const created = await b.call('POST', '/media', {
    token: staff,
    body: { clientReference: 'ex5', kind: 'photo', contentType: 'image/jpeg', size: jpeg.length, recordedAt: new Date().toISOString(), groupId: a.groupId, childIds: [a.childId, bFam.childId], purposes: ['parent_information'] },
  });
  const mediaId = created.body.item.mediaId;
  await putToUrl(created.body.upload, jpeg);
  await b.call('POST', `/media/${mediaId}/complete`, { token: staff });
  expect(await exists(`media/${mediaId}`)).toBe(true);

  await decide(bFam.childId, bFam.guardian, 'parent_information', 'withdrawn');
  await b.settled();
  expect((await b.call('GET', `/media/${mediaId}`, { token: staff })).status).toBe(404);
  expect(await exists(`media/${mediaId}`)).toBe(false);
  expect(await b.runtime().media.getTombstone(mediaId)).toEqual({ mediaId, reason: 'withdrawn', deletedAt: expect.any(String), childIds: [a.childId, bFam.childId] });
  const feed = await b.call('GET', '/me/feed', { token: a.guardian });
  expect(feed.body.items).toEqual([]);
});

test('an item recorded for several purposes only loses the withdrawn one', async () => {
  const a = await family();
  const mediaId = await seedAvailableItem(b, { groupId: a.groupId, childIds: [a.childId], purposes: ['parent_information', 'coaching_video'] });
  await decide(a.childId, a.guardian, 'parent_information', 'withdrawn');
  await b.settled();
  expect((await b.runtime().media.get(mediaId))?.purposes).toEqual(['coaching_video']);
  await decide(a.childId, a.guardian, 'parent_information', 'granted');
  await b.settled();
  expect((await b.runtime().media.get(mediaId))?.purposes).toEqual(['coaching_video']);
});

test('example 6: a photo published in the newsletter stays after the withdrawal, retained, and cannot go to the website', async () => {
  const a = await family();
  const mediaId = await seedAvailableItem(b, { groupId: a.groupId, childIds: [a.childId], purposes: ['publication', 'parent_information'] });
  expect((await b.call('POST', `/media/${mediaId}/publications`, { token: a.admin, body: { channel: 'newsletter', reference: 'nr 12' } })).status).toBe(201);
  await decide(a.childId, a.guardian, 'publication', 'withdrawn');
  await b.settled();
  const item = await b.call('GET', `/media/${mediaId}`, { token: a.admin });
  expect(item.body).toMatchObject({ purposes: ['publication', 'parent_information'], published: true, retainedBecausePublished: expect.any(String) });
  const refused = await b.call('POST', `/media/${mediaId}/publications`, { token: a.admin, body: { channel: 'website', reference: 'x' } });
  expect(refused).toMatchObject({ status: 409, body: { code: 'not_publishable', reasons: ['retained_after_withdrawal'] } });
  await decide(a.childId, a.guardian, 'publication', 'granted');
  const still = await b.call('POST', `/media/${mediaId}/publications`, { token: a.admin, body: { channel: 'website', reference: 'x' } });
  expect(still).toMatchObject({ status: 409, body: { reasons: ['retained_after_withdrawal'] } });
  expect((await b.call('GET', '/takedowns', { token: a.admin })).body.takedowns.filter((t: any) => t.mediaId === mediaId)).toEqual([]);
});

test('example 12: website and printed newsletter; a withdrawal opens a takedown for the website only, tracked until done', async () => {
  const a = await family();
  const mediaId = await seedAvailableItem(b, { groupId: a.groupId, childIds: [a.childId], purposes: ['publication'] });
  const web = await b.call('POST', `/media/${mediaId}/publications`, { token: a.admin, body: { channel: 'website', reference: 'https://example.org/nieuws' } });
  await b.call('POST', `/media/${mediaId}/publications`, { token: a.admin, body: { channel: 'newsletter', reference: 'Jaarboek' } });
  await decide(a.childId, a.guardian, 'publication', 'withdrawn');
  await b.settled();
  // Replaying the withdrawal opens nothing twice.
  const { propagateWithdrawal } = await import('../../functions/withdrawal/service');
  const { systemContext } = await import('../../functions/shared/audit');
  const ledger = await b.runtime().ledger.page(a.childId);
  await propagateWithdrawal(b.runtime(), ledger.events.find((e) => e.decision === 'withdrawn')!, systemContext('withdrawal', 'test-replay'));

  const open = (await b.call('GET', '/takedowns', { token: a.admin })).body.takedowns.filter((t: any) => t.mediaId === mediaId);
  expect(open).toEqual([expect.objectContaining({ publicationId: web.body.publicationId, channel: 'website', reference: 'https://example.org/nieuws', childId: a.childId, dueDate: expect.any(String) })]);
  expect(await b.runtime().media.get(mediaId)).toBeDefined();
  const done = await b.call('POST', `/media/${mediaId}/takedowns/${web.body.publicationId}/done`, { token: a.admin });
  expect(done).toMatchObject({ status: 200, body: { done: true } });
  expect((await b.call('GET', '/takedowns', { token: a.admin })).body.takedowns.filter((t: any) => t.mediaId === mediaId)).toEqual([]);
  expect((await b.call('POST', `/media/${mediaId}/takedowns/${web.body.publicationId}/done`, { token: a.admin })).status).toBe(404);
});

test("the organisation's own channels: the demo's social-media can be published to and is live, its paper newsletter is not", async () => {
  const a = await family();
  const mediaId = await seedAvailableItem(b, { groupId: a.groupId, childIds: [a.childId], purposes: ['publication'] });
  const social = await b.call('POST', `/media/${mediaId}/publications`, { token: a.admin, body: { channel: 'social-media', reference: 'https://instagram.example/p/1' } });
  expect(social).toMatchObject({ status: 201, body: { channel: 'social-media' } });
  expect((await b.call('POST', `/media/${mediaId}/publications`, { token: a.admin, body: { channel: 'newsletter', reference: 'Nieuwsbrief mei' } })).status).toBe(201);
  // A channel the organisation does not have, also the built-in id of older versions.
  for (const channel of ['social_media', 'print']) {
    expect(await b.call('POST', `/media/${mediaId}/publications`, { token: a.admin, body: { channel, reference: 'x' } })).toMatchObject({
      status: 400,
      body: { field: 'channel', reason: 'must be one of newsletter, website, social-media' },
    });
  }
  await decide(a.childId, a.guardian, 'publication', 'withdrawn');
  await b.settled();
  const open = (await b.call('GET', '/takedowns', { token: a.admin })).body.takedowns.filter((t: any) => t.mediaId === mediaId);
  expect(open).toEqual([expect.objectContaining({ publicationId: social.body.publicationId, channel: 'social-media' })]);
});

test('a withdrawal whose answer never reached the caller is propagated all the same: the stream reads the ledger, not the answer', async () => {
  const a = await family();
  const mediaId = await seedAvailableItem(b, { groupId: a.groupId, childIds: [a.childId], purposes: ['parent_information'] });
  // Written straight into the ledger, as a request that timed out after its transaction would leave it.
  const { randomUUID } = await import('node:crypto');
  const rt = b.runtime();
  const child = await rt.children.get(a.childId);
  const event = {
    eventId: randomUUID(),
    childId: a.childId,
    purpose: 'parent_information' as const,
    decision: 'withdrawn' as const,
    at: new Date().toISOString(),
    actor: { kind: 'guardian' as const, guardianId: a.guardianIds[0]! },
    recordedBy: { userId: a.guardianIds[0]!, role: 'guardian' as const, channel: 'app' as const },
    noticeVersion: NOTICE,
  };
  expect(await rt.ledger.appendDecision(event, child!, rt.rules.withDecision(child!, event))).toBe('appended');
  await b.settled();
  expect(await rt.media.get(mediaId)).toBeUndefined();
});

test('a withdrawal by someone whose decision does not count changes no footage', async () => {
  const f = await createFamily(b, { birthDate: bornYearsAgo(17), guardians: [{ authority: true }] });
  await decide(f.childId, b.token(f.childId, 'child'), 'parent_information', 'granted');
  const mediaId = await seedAvailableItem(b, { groupId: f.groupId, childIds: [f.childId], purposes: ['parent_information'] });
  await decide(f.childId, b.token(f.guardianIds[0]!, 'guardian'), 'parent_information', 'withdrawn');
  await b.settled();
  expect((await b.runtime().media.get(mediaId))?.purposes).toEqual(['parent_information']);
});

test('example 7: recorded 2026-02-10 and uploaded 2026-06-01, kept by the sweep of 2029-02-09 and deleted by that of 2029-02-10', async () => {
  const a = await family();
  const mediaId = await seedAvailableItem(b, { groupId: a.groupId, childIds: [a.childId], purposes: ['parent_information'], recordedAt: '2026-02-10T09:30:00.000Z' });
  await s3.send(new PutObjectCommand({ Bucket: b.bucketName, Key: `media/${mediaId}`, Body: 'x' }));
  await on('2029-02-09', (rt) => runSweep(rt));
  expect(await b.runtime().media.get(mediaId)).toBeDefined();
  const dry = await on('2029-02-10', (rt) => runSweep(rt, { dryRun: true }));
  expect(dry.planned).toContainEqual({ mediaId, plan: { action: 'delete', reason: 'retention' } });
  expect(await b.runtime().media.get(mediaId)).toBeDefined();
  const report = await on('2029-02-10', (rt) => runSweep(rt));
  expect(report.deleted.retention).toBeGreaterThanOrEqual(1);
  expect(await b.runtime().media.get(mediaId)).toBeUndefined();
  expect((await b.runtime().media.getTombstone(mediaId))?.reason).toBe('retention');
  expect(await exists(`media/${mediaId}`)).toBe(false);
});

test('a shorter period for one purpose drops that purpose on its day and keeps the item until the last ends', async () => {
  const a = await family();
  const mediaId = await seedAvailableItem(b, {
    groupId: a.groupId,
    childIds: [a.childId],
    purposes: ['coaching_video', 'parent_information'],
    recordedAt: '2026-03-01T10:00:00.000Z',
    deletionDates: { coaching_video: '2027-03-01', parent_information: '2029-03-01' },
  });
  await on('2027-03-01', (rt) => runSweep(rt));
  expect((await b.runtime().media.get(mediaId))?.purposes).toEqual(['parent_information']);
  await on('2028-01-01', (rt) => runSweep(rt));
  expect((await b.runtime().media.get(mediaId))?.purposes).toEqual(['parent_information']);
  await on('2029-03-01', (rt) => runSweep(rt));
  expect((await b.runtime().media.getTombstone(mediaId))?.reason).toBe('retention');
});

describe('faults the engines cannot produce, injected around them', () => {
  /** The runtime with its store's deleteAll replaced for the duration of `fn`. */
  async function withDeleteAll<T>(replacement: (original: MediaStore['deleteAll']) => MediaStore['deleteAll'], fn: (rt: Runtime) => Promise<T>) {
    const rt = b.runtime();
    const store = rt.store();
    const original = store.deleteAll.bind(store);
    store.deleteAll = replacement(original);
    try {
      return await fn(rt);
    } finally {
      store.deleteAll = original;
    }
  }

  test('a DeleteObjects failure is retried; what never succeeds is reported and its metadata kept', async () => {
    const a = await family();
    const flaky = await seedAvailableItem(b, { groupId: a.groupId, childIds: [], purposes: ['coaching_video'], recordedAt: '2026-01-05T10:00:00.000Z' });
    const broken = await seedAvailableItem(b, { groupId: a.groupId, childIds: [], purposes: ['coaching_video'], recordedAt: '2026-01-05T11:00:00.000Z' });
    let flakyCalls = 0;
    const report = await withDeleteAll(
      (original) => async (keys) => {
        if (keys.some((k) => k.endsWith(broken))) throw new Error('could not delete 1 object(s): InternalError');
        if (keys.some((k) => k.endsWith(flaky)) && flakyCalls++ === 0) throw new Error('could not delete 1 object(s): SlowDown');
        return original(keys);
      },
      async (rt) => {
        const now = rt.now;
        rt.now = () => new Date('2029-01-06T12:00:00Z');
        try {
          return await runSweep(rt, { attempts: 2 });
        } finally {
          rt.now = now;
        }
      },
    );
    expect((await b.runtime().media.getTombstone(flaky))?.reason).toBe('retention');
    expect(report.failures.map((f) => f.mediaId)).toEqual([broken]);
    expect(await b.runtime().media.get(broken)).toBeDefined();
    expect(await b.runtime().media.getTombstone(broken)).toBeUndefined();
    await on('2029-01-06', (rt) => runSweep(rt));
    expect((await b.runtime().media.getTombstone(broken))?.reason).toBe('retention');
  });

  test('a crash between object and metadata deletion is completed by the next run', async () => {
    const a = await family();
    const mediaId = await seedAvailableItem(b, { groupId: a.groupId, childIds: [], purposes: ['parent_information'], recordedAt: '2026-01-07T10:00:00.000Z' });
    await s3.send(new PutObjectCommand({ Bucket: b.bucketName, Key: `media/${mediaId}`, Body: 'x' }));
    const killed = on('2029-01-08', (rt) =>
      runSweep(rt, { beforeStep: (step, id) => (step === 'delete_metadata' && id === mediaId ? new Promise<void>(() => undefined) : Promise.resolve()) }),
    );
    const outcome = await Promise.race([killed.then(() => 'finished'), new Promise((r) => setTimeout(() => r('killed'), 1500))]);
    expect(outcome).toBe('killed');
    expect(await exists(`media/${mediaId}`)).toBe(false);
    expect(await b.runtime().media.get(mediaId)).toBeDefined();
    await on('2029-01-08', (rt) => runSweep(rt));
    expect(await b.runtime().media.get(mediaId)).toBeUndefined();
    expect((await b.runtime().media.getTombstone(mediaId))?.reason).toBe('retention');
  });
});
