/**
 * The audit chain's backstop: with the stream's chainer down (here: the local backend does not run
 * it), requests still succeed, their entries wait in the table, verification reports how many, and
 * the daily sweep links them.
 */
import { runSweep } from '../../functions/retention/sweep';
import { NOTICE, bornYearsAgo, createFamily, startTestBackend, type TestBackend } from './support';

let down: TestBackend;
beforeAll(async () => {
  down = await startTestBackend({ chainAudit: false });
});
afterAll(async () => {
  await down.stop();
});

test('with the chainer down, requests still succeed; entries wait, are reported, and the sweep links them', async () => {
  const f = await createFamily(down, { birthDate: bornYearsAgo(9), guardians: [{ authority: true }] });
  const g = down.token(f.guardianIds[0]!, 'guardian');
  expect((await down.call('POST', `/children/${f.childId}/decisions`, { token: g, body: { purpose: 'publication', decision: 'granted', noticeVersion: NOTICE } })).status).toBe(201);
  const waiting = await down.call('GET', '/audit/verify', { token: f.admin });
  // The child created, its guardian linked, the decision: written with their actions, waiting.
  expect(waiting.body).toMatchObject({ ok: true, checked: 0, pending: 3 });
  expect((await down.call('GET', `/children/${f.childId}/audit`, { token: f.admin })).body.entries).toEqual([]);

  const report = await runSweep(down.runtime());
  expect(report.auditLinked).toBe(waiting.body.pending);
  expect((await down.call('GET', '/audit/verify', { token: f.admin })).body).toMatchObject({ ok: true, checked: waiting.body.pending, pending: 0 });
  expect((await down.call('GET', `/children/${f.childId}/audit`, { token: f.admin })).body.entries.map((e: any) => e.action)).toContain('consent.decided');
});
