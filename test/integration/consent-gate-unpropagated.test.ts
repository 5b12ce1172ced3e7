/**
 * The gate does not depend on withdrawal propagation having run (issue 13): here withdrawals are
 * never propagated, so what a user sees is what the gate decides at the moment of use.
 */
import { NOTICE, bornYearsAgo, createFamily, seedAvailableItem, startTestBackend, type TestBackend } from './support';

let still: TestBackend;
beforeAll(async () => {
  still = await startTestBackend({ propagateWithdrawals: false });
});
afterAll(async () => {
  await still.stop();
});

const decide = (childId: string, token: string, purpose: string, decision: 'granted' | 'withdrawn' = 'granted') =>
  still.call('POST', `/children/${childId}/decisions`, { token, body: { purpose, decision, noticeVersion: NOTICE } });

const feedIds = async (token: string) => {
  const r = await still.call('GET', '/me/feed?limit=100', { token });
  expect(r.status).toBe(200);
  return (r.body.items as { mediaId: string }[]).map((i) => i.mediaId);
};

test('a withdrawal takes the purpose at once; a grant again, before any propagation, never brings the photo back', async () => {
  const a = await createFamily(still, { birthDate: bornYearsAgo(6), guardians: [{ authority: true }] });
  const other = await createFamily(still, { birthDate: bornYearsAgo(6), guardians: [{ authority: true }], groupId: a.groupId, staffId: a.staffId });
  const ga = still.token(a.guardianIds[0]!, 'guardian');
  const go = still.token(other.guardianIds[0]!, 'guardian');
  for (const p of ['parent_information', 'publication']) {
    await decide(a.childId, ga, p);
    await decide(other.childId, go, p);
  }
  const photo = await seedAvailableItem(still, { groupId: a.groupId, childIds: [a.childId, other.childId], purposes: ['parent_information', 'publication'] });
  expect(await feedIds(go)).toContain(photo);

  expect((await decide(a.childId, ga, 'parent_information', 'withdrawn')).status).toBe(201);
  // Answered: no URL is issued from now on.
  expect(await feedIds(go)).not.toContain(photo);
  expect((await still.call('GET', `/media/${photo}/download`, { token: go })).status).toBe(403);
  expect((await decide(a.childId, ga, 'parent_information')).status).toBe(201);
  expect(await feedIds(go)).not.toContain(photo);
  expect(await feedIds(ga)).not.toContain(photo);
  expect((await still.call('GET', `/media/${photo}/download`, { token: go })).status).toBe(403);
  // The other purpose is untouched; the item is still there, waiting for propagation.
  expect((await still.call('GET', `/media/${photo}/publication-check`, { token: a.admin })).body.publishable).toBe(true);
  expect((await still.runtime().media.get(photo))?.purposes).toEqual(['parent_information', 'publication']);
});

test('a late propagation takes the purpose only from footage that existed at the withdrawal, not from footage recorded under the new grant', async () => {
  const f = await createFamily(still, { birthDate: bornYearsAgo(6), guardians: [{ authority: true }] });
  const guardian = still.token(f.guardianIds[0]!, 'guardian');
  await decide(f.childId, guardian, 'parent_information');
  const before = await seedAvailableItem(still, { groupId: f.groupId, childIds: [f.childId], purposes: ['parent_information'] });
  const withdrawal = await decide(f.childId, guardian, 'parent_information', 'withdrawn');
  await new Promise((r) => setTimeout(r, 5));
  await decide(f.childId, guardian, 'parent_information');
  const after = await seedAvailableItem(still, { groupId: f.groupId, childIds: [f.childId], purposes: ['parent_information'] });
  expect(await feedIds(guardian)).toEqual([after]);

  // The stream delivers the withdrawal only now.
  const { propagateWithdrawal } = await import('../../functions/withdrawal/service');
  const { systemContext } = await import('../../functions/shared/audit');
  const report = await propagateWithdrawal(still.runtime(), withdrawal.body.event, systemContext('withdrawal', 'late'));
  expect(report.deleted).toEqual([before]);
  expect(await still.runtime().media.get(before)).toBeUndefined();
  expect((await still.runtime().media.get(after))?.purposes).toEqual(['parent_information']);
  expect(await feedIds(guardian)).toEqual([after]);
});
