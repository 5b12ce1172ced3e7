/** Under the `uavg` age policy guardians decide until 16, the child from 16 (SPEC section 2). */
import { NOTICE, bornYearsAgo, createFamily, startTestBackend, type TestBackend } from './support';

let b: TestBackend;
beforeAll(async () => {
  b = await startTestBackend({ agePolicy: 'uavg' });
});
afterAll(async () => {
  await b.stop();
});

const decide = (childId: string, token: string, decision: 'granted' | 'withdrawn', purpose = 'coaching_video') =>
  b.call('POST', `/children/${childId}/decisions`, { token, body: { purpose, decision, noticeVersion: NOTICE } });

test("example 2 under uavg: the guardian's grant alone is effective for a 13-year-old", async () => {
  const f = await createFamily(b, { birthDate: bornYearsAgo(13, 5), guardians: [{ authority: true }] });
  const r = await decide(f.childId, b.token(f.guardianIds[0]!, 'guardian'), 'granted');
  expect(r.body.consents).toMatchObject({ policy: 'uavg', purposes: { coaching_video: { effective: true, reasons: [] } } });
});

test.each([
  ['the day before the 16th birthday the guardian grant alone is effective', 1, true],
  ['on the 16th birthday the guardian grant no longer counts', 0, false],
])('example 4 under uavg: %s', async (_n, daysBefore, effective) => {
  const f = await createFamily(b, { birthDate: bornYearsAgo(16, -daysBefore), guardians: [{ authority: true }] });
  const r = await decide(f.childId, b.token(f.guardianIds[0]!, 'guardian'), 'granted', 'publication');
  expect(r.body.consents.purposes.publication.effective).toBe(effective);
});
