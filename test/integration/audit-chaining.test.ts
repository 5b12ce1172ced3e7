/**
 * Linking audit entries into the month's chain never holds up or loses an entry: chainers racing,
 * a chainer killed between two transactions, the stream handler's own hints. The chainer here is
 * invoked by the tests alone: this backend's stream has no chainer reading it (`chainAudit: false`),
 * so nothing links behind the tests' backs.
 */
import { chainPending } from '../../functions/audit/chainer';
import { auditEntry, systemContext, type AuditEntry } from '../../functions/shared/audit';
import { keys } from '../../functions/shared/keys';
import { auditLinksOf, startTestBackend, thisMonth, type TestBackend } from './support';

let b: TestBackend;
beforeAll(async () => {
  b = await startTestBackend({ chainAudit: false });
});
afterAll(async () => {
  await b.stop();
});


const linksOf = (month: string) => auditLinksOf(b, month);

describe('linking never holds up or loses an entry', () => {
  test('chainers racing for the same entries link each exactly once, in one unbroken chain', async () => {
    await b.settled();
    const rt = b.runtime();
    const ctx = systemContext('sweep', 'race');
    const entries: AuditEntry[] = Array.from({ length: 60 }, (_, i) => auditEntry(rt, ctx, 'child.created', { childIds: [`race-${i}`] }));
    await rt.audit.record(entries.slice(0, 30));
    await rt.audit.record(entries.slice(30));
    const results = await Promise.all([chainPending(rt, entries), chainPending(rt), chainPending(rt, entries.slice(10, 20))]);
    expect(results.reduce((n, r) => n + r.linked, 0)).toBe(60);
    const links = (await linksOf(thisMonth())).filter((l) => l.actor.userId === 'system:sweep' && l.requestId === 'race');
    expect(links.map((l) => l.entryId).sort()).toEqual(entries.map((e) => e.entryId).sort());
    expect(await rt.audit.verifyMonth(thisMonth())).toMatchObject({ ok: true });
    for (const e of entries) expect(await rt.audit.isPending(e.entryId)).toBe(false);
  });

  test('a chainer that dies between two transactions leaves nothing half done; the next run goes on', async () => {
    await b.settled();
    const rt = b.runtime();
    const ctx = systemContext('sweep', 'crash');
    // 120 entries of 40 children each: two to a transaction (43 actions each), so a run takes 60.
    const entries = Array.from({ length: 120 }, (_, i) => auditEntry(rt, ctx, 'media.deleted', { childIds: Array.from({ length: 40 }, (_, c) => `crash-${i}-${c}`), mediaId: `crash-m${i}` }));
    await rt.audit.record(entries);
    const real = rt.audit.append.bind(rt.audit);
    let appends = 0;
    rt.audit.append = async (...args) => {
      if (++appends === 4) throw Object.assign(new Error('killed'), { name: 'Killed' });
      return real(...args);
    };
    try {
      await expect(chainPending(rt)).rejects.toThrow('killed');
    } finally {
      rt.audit.append = real;
    }
    let still = 0;
    for (const e of entries) if (await rt.audit.isPending(e.entryId)) still++;
    // Three transactions went through before the fourth was killed: six entries linked, whole.
    expect(still).toBe(120 - 6);
    await chainPending(rt);
    expect(await rt.audit.verifyMonth(thisMonth())).toMatchObject({ ok: true });
    const trail = await rt.audit.fullTrail({ kind: 'media', mediaId: 'crash-m7' });
    expect(trail.entries.map((e) => e.entryId)).toEqual([entries[7]!.entryId]);
  });

  test('the stream handler links the entries its records carry', async () => {
    const rt = b.runtime();
    const entry = auditEntry(rt, systemContext('sweep', 'stream'), 'child.created', { childIds: ['stream-child'] });
    await rt.audit.record([entry]);
    const { marshall } = await import('@aws-sdk/util-dynamodb');
    const { lambdaHandler } = await import('../../functions/audit/chain.handler');
    const record = {
      eventName: 'INSERT' as const,
      dynamodb: { NewImage: marshall({ ...keys.auditPending(entry.entryId), entityType: 'AuditPending', entry }) as any },
    };
    const out = await lambdaHandler({ Records: [record] });
    expect(out.linked).toBeGreaterThanOrEqual(1);
    expect(await rt.audit.isPending(entry.entryId)).toBe(false);
    expect((await rt.audit.fullTrail({ kind: 'child', childId: 'stream-child' })).entries.map((e) => e.entryId)).toEqual([entry.entryId]);
  });
});

describe('verification while linking goes on', () => {
  test('verifying over and over while entries are being linked never reports a break that is not there', async () => {
    const rt = b.runtime();
    const ctx = systemContext('sweep', 'verify-race');
    const entries: AuditEntry[] = Array.from({ length: 240 }, (_, i) => auditEntry(rt, ctx, 'child.created', { childIds: [`verify-race-${i}`] }));
    await rt.audit.record(entries);
    let linking = true;
    const chaining = chainPending(rt).finally(() => (linking = false));
    const reports = [];
    let duringLinking = 0;
    while (linking) {
      reports.push(await rt.audit.verifyMonth(thisMonth()));
      if (linking) duringLinking++;
    }
    await chaining;
    reports.push(await rt.audit.verifyMonth(thisMonth()));
    // The race was really run: verifications overlapped the linking, and saw the chain grow.
    expect(duringLinking).toBeGreaterThan(2);
    expect(new Set(reports.map((r) => r.checked)).size).toBeGreaterThan(2);
    expect(reports.filter((r) => !r.ok)).toEqual([]);
    expect(reports.at(-1)).toMatchObject({ ok: true });
  });
});
