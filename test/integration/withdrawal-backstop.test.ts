/** When the prompt propagation of a withdrawal never ran, the sweep finishes it. */
import { runSweep } from '../../functions/retention/sweep';
import { NOTICE, bornYearsAgo, createFamily, seedAvailableItem, startTestBackend, type TestBackend } from './support';

let b: TestBackend;
beforeAll(async () => {
  b = await startTestBackend({ propagateWithdrawals: false });
});
afterAll(async () => {
  await b.stop();
});

test('the sweep propagates a withdrawal whose prompt propagation failed, once, and leaves recent ones to the stream', async () => {
  const f = await createFamily(b, { birthDate: bornYearsAgo(6), guardians: [{ authority: true }] });
  const guardian = b.token(f.guardianIds[0]!, 'guardian');
  await b.call('POST', `/children/${f.childId}/decisions`, { token: guardian, body: { purpose: 'parent_information', decision: 'granted', noticeVersion: NOTICE } });
  const mediaId = await seedAvailableItem(b, { groupId: f.groupId, childIds: [f.childId], purposes: ['parent_information'] });
  await b.call('POST', `/children/${f.childId}/decisions`, { token: guardian, body: { purpose: 'parent_information', decision: 'withdrawn', noticeVersion: NOTICE } });
  await b.settled();
  const rt = b.runtime();
  expect((await rt.media.get(mediaId))?.purposes).toEqual(['parent_information']);

  const recent = await runSweep(rt, { dryRun: true });
  expect(recent.pendingWithdrawals).toEqual([]);

  const now = rt.now;
  const later = new Date(Date.now() + 11 * 60 * 1000);
  rt.now = () => later;
  try {
    expect((await runSweep(rt, { dryRun: true })).pendingWithdrawals).toHaveLength(1);
    const report = await runSweep(rt);
    expect(report.withdrawalsPropagated).toBe(1);
    expect((await rt.media.getTombstone(mediaId))?.reason).toBe('withdrawn');
    expect((await runSweep(rt)).withdrawalsPropagated).toBe(0);
  } finally {
    rt.now = now;
  }
});
