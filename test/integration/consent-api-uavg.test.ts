/**
 * The second demo organisation (infra/organisations/demo-uavg.json) end to end: its `uavg` age
 * policy (guardians decide until 16, the child from 16; SPEC section 2), its notice version, its
 * retention per purpose and its channels, all applied from the settings file alone.
 */
import path from 'node:path';
import { readOrganisationConfig } from '../../infra/config';
import { bornYearsAgo, createFamily, seedAvailableItem, startTestBackend, type TestBackend } from './support';

const organisation = readOrganisationConfig(path.join(__dirname, '..', '..', 'infra', 'organisations', 'demo-uavg.json'));
let b: TestBackend;
beforeAll(async () => {
  b = await startTestBackend({ organisation });
});
afterAll(async () => {
  await b.stop();
});

const decide = (childId: string, token: string, decision: 'granted' | 'withdrawn', purpose = 'coaching_video', noticeVersion = organisation.noticeVersion) =>
  b.call('POST', `/children/${childId}/decisions`, { token, body: { purpose, decision, noticeVersion } });

test("example 2 under uavg: the guardian's grant alone is effective for a 13-year-old", async () => {
  const f = await createFamily(b, { birthDate: bornYearsAgo(13, 5), guardians: [{ authority: true }] });
  const r = await decide(f.childId, b.token(f.guardianIds[0]!, 'guardian'), 'granted');
  expect(r.body.consents).toMatchObject({ policy: 'uavg', purposes: { coaching_video: { effective: true, reasons: [] } } });
  // The 13-year-old has no say of its own under uavg.
  expect(await decide(f.childId, b.token(f.childId, 'child'), 'granted')).toMatchObject({ status: 403 });
});

test.each([
  ['the day before the 16th birthday the guardian grant alone is effective', 1, true],
  ['on the 16th birthday the guardian grant no longer counts', 0, false],
])('example 4 under uavg: %s', async (_n, daysBefore, effective) => {
  const f = await createFamily(b, { birthDate: bornYearsAgo(16, -daysBefore), guardians: [{ authority: true }] });
  const r = await decide(f.childId, b.token(f.guardianIds[0]!, 'guardian'), 'granted', 'publication');
  expect(r.body.consents.purposes.publication.effective).toBe(effective);
});

test("the organisation's notice version is the one decisions must name", async () => {
  const f = await createFamily(b, { birthDate: bornYearsAgo(8), guardians: [{ authority: true }] });
  const guardian = b.token(f.guardianIds[0]!, 'guardian');
  expect(await decide(f.childId, guardian, 'granted', 'publication', '2026-09')).toMatchObject({ status: 409, body: { code: 'notice_outdated' } });
  expect(await decide(f.childId, guardian, 'granted', 'publication', '2026-08')).toMatchObject({ status: 201 });
});

test("its retention per purpose dates an upload's deletion (two years for coaching video, not three)", async () => {
  const f = await createFamily(b, { birthDate: bornYearsAgo(8), guardians: [{ authority: true }] });
  await decide(f.childId, b.token(f.guardianIds[0]!, 'guardian'), 'granted', 'coaching_video');
  const recordedAt = new Date().toISOString();
  // Two years on from the day it was recorded, in Amsterdam.
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Europe/Amsterdam' }).format(new Date(recordedAt));
  const twoYearsOn = `${Number(today.slice(0, 4)) + 2}${today.slice(4)}`;
  const created = await b.call('POST', '/media', {
    token: b.token(f.staffId, 'staff'),
    body: { clientReference: 'uavg-retention', kind: 'photo', contentType: 'image/jpeg', size: 100, recordedAt, groupId: f.groupId, childIds: [f.childId], purposes: ['coaching_video'] },
  });
  expect(created).toMatchObject({ status: 201, body: { item: { deletionDates: { coaching_video: twoYearsOn } } } });
});

test('only its own channels can be published to; its print channel gets no takedown after a withdrawal', async () => {
  const f = await createFamily(b, { birthDate: bornYearsAgo(8), guardians: [{ authority: true }] });
  const guardian = b.token(f.guardianIds[0]!, 'guardian');
  await decide(f.childId, guardian, 'granted', 'publication');
  const mediaId = await seedAvailableItem(b, { groupId: f.groupId, childIds: [f.childId], purposes: ['publication'] });
  const publish = (channel: string) => b.call('POST', `/media/${mediaId}/publications`, { token: f.admin, body: { channel, reference: `ref-${channel}` } });
  expect(await publish('social-media')).toMatchObject({ status: 400, body: { field: 'channel', reason: 'must be one of schoolgids, website, ouderportaal' } });
  const portal = await publish('ouderportaal');
  expect(portal.status).toBe(201);
  expect((await publish('schoolgids')).status).toBe(201);
  await decide(f.childId, guardian, 'withdrawn', 'publication');
  await b.settled();
  const open = (await b.call('GET', '/takedowns', { token: f.admin })).body.takedowns.filter((t: { mediaId: string }) => t.mediaId === mediaId);
  expect(open).toEqual([expect.objectContaining({ publicationId: portal.body.publicationId, channel: 'ouderportaal' })]);
});
