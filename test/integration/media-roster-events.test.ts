/** The group roster (bounded DynamoDB calls) and completion driven by S3 ObjectCreated events. */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { NOTICE, bornYearsAgo, countDynamoCalls, createFamily, putToUrl, startTestBackend, uid, type TestBackend } from './support';

let b: TestBackend;
beforeAll(async () => {
  b = await startTestBackend({ s3Events: true });
});
afterAll(async () => {
  await b.stop();
});

async function groupOf(size: number) {
  const first = await createFamily(b, { birthDate: bornYearsAgo(5), guardians: [{ authority: true }] });
  for (let i = 1; i < size; i++) {
    await b.call('POST', '/children', {
      token: first.admin,
      body: { childId: uid('kid'), displayName: `Kind ${i}`, birthDate: bornYearsAgo(4 + (i % 12)), groupIds: [first.groupId] },
    });
  }
  return first;
}

test('the roster answers per child and purpose whether they may be recorded, why not, and who still has to decide', async () => {
  const f = await createFamily(b, { birthDate: bornYearsAgo(12), guardians: [{ authority: true }] });
  await b.call('POST', `/children/${f.childId}/decisions`, {
    token: b.token(f.guardianIds[0]!, 'guardian'),
    body: { purpose: 'coaching_video', decision: 'granted', noticeVersion: NOTICE },
  });
  const r = await b.call('GET', `/groups/${f.groupId}/roster`, { token: b.token(f.staffId, 'staff') });
  expect(r.status).toBe(200);
  expect(r.body.children).toEqual([
    expect.objectContaining({
      childId: f.childId,
      age: 12,
      purposes: expect.objectContaining({
        coaching_video: { mayRecord: false, reasons: ['needs:child'], waitingFor: ['child'] },
        publication: { mayRecord: false, reasons: ['needs:guardian', 'needs:child'], waitingFor: [`guardian:${f.guardianIds[0]}`, 'child'] },
      }),
    }),
  ]);
});

test('the roster costs the same number of DynamoDB requests for 3 children as for 30', async () => {
  const small = await groupOf(3);
  const large = await groupOf(30);
  const staffSmall = b.token(small.staffId, 'staff');
  const staffLarge = b.token(large.staffId, 'staff');
  let bodySmall: any;
  let bodyLarge: any;
  const callsSmall = await countDynamoCalls(async () => (bodySmall = (await b.call('GET', `/groups/${small.groupId}/roster`, { token: staffSmall })).body));
  const callsLarge = await countDynamoCalls(async () => (bodyLarge = (await b.call('GET', `/groups/${large.groupId}/roster`, { token: staffLarge })).body));
  expect(bodySmall.children).toHaveLength(3);
  expect(bodyLarge.children).toHaveLength(30);
  expect(callsSmall).toBe(2);
  expect(callsLarge).toBe(2);
});

test('a tablet that crashes after uploading still gets its item completed by the ObjectCreated event', async () => {
  const f = await createFamily(b, { birthDate: bornYearsAgo(7), guardians: [{ authority: true }] });
  await b.call('POST', `/children/${f.childId}/decisions`, {
    token: b.token(f.guardianIds[0]!, 'guardian'),
    body: { purpose: 'coaching_video', decision: 'granted', noticeVersion: NOTICE },
  });
  const jpeg = readFileSync(path.join(__dirname, '..', 'fixtures', 'gps-exif-xmp.jpg'));
  const staff = b.token(f.staffId, 'staff');
  const created = await b.call('POST', '/media', {
    token: staff,
    body: {
      clientReference: uid('tablet'),
      kind: 'photo',
      contentType: 'image/jpeg',
      size: jpeg.length,
      recordedAt: new Date().toISOString(),
      groupId: f.groupId,
      childIds: [f.childId],
      purposes: ['coaching_video'],
    },
  });
  expect(await putToUrl(created.body.upload, jpeg)).toBe(200);
  // The tablet never calls /complete.
  let status = 'pending';
  for (let i = 0; i < 50 && status === 'pending'; i++) {
    await new Promise((r) => setTimeout(r, 100));
    status = (await b.call('GET', `/media/${created.body.item.mediaId}`, { token: staff })).body.status;
  }
  expect(status).toBe('available');
  const late = await b.call('POST', `/media/${created.body.item.mediaId}/complete`, { token: staff });
  expect(late).toMatchObject({ status: 200, body: { item: { status: 'available', locationRemoved: true } } });
});
