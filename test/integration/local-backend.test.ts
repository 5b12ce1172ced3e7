/**
 * The local backend's own lifecycle: stopping it waits for the work its requests started (the
 * audit chainer, a withdrawal's propagation), so nothing runs or logs after its engines are gone.
 */
import { AuditRepository } from '../../functions/shared/repositories/audit';
import { documentClient } from '../../functions/shared/dynamo';
import { NOTICE, bornYearsAgo, createFamily, startTestBackend } from './support';

test('stop() returns only once every audit entry its requests wrote is linked', async () => {
  const b = await startTestBackend();
  const audit = new AuditRepository(documentClient(process.env.DYNAMODB_ENDPOINT), b.tableName);
  try {
    const f = await createFamily(b, { birthDate: bornYearsAgo(9), guardians: [{ authority: true }] });
    const g = b.token(f.guardianIds[0]!, 'guardian');
    for (const decision of ['granted', 'withdrawn'] as const) {
      const res = await b.call('POST', `/children/${f.childId}/decisions`, { token: g, body: { purpose: 'publication', decision, noticeVersion: NOTICE } });
      expect(res.status).toBe(201);
    }
  } finally {
    // No settled() first: stop itself must wait.
    await b.stopKeepingData();
  }
  try {
    expect(await audit.countPending()).toBe(0);
    const verified = await audit.verifyMonth(new Date().toISOString().slice(0, 7));
    expect(verified).toMatchObject({ ok: true });
    // The child created, the guardian linked, two decisions and the withdrawal's effect at least.
    expect(verified.checked).toBeGreaterThanOrEqual(4);
  } finally {
    await b.stopEngine();
  }
});
