/** The ledger and its projection on DynamoDB Local: atomic, no lost update, replay equals projection. */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { countedWhenMade, project, type ConsentEvent } from '../../functions/domain/consent';
import type { ChildRecord } from '../../functions/shared/repositories/children';
import { keys } from '../../functions/shared/keys';
import { documentClient } from '../../functions/shared/dynamo';
import { NOTICE, bornYearsAgo, createFamily, startTestBackend, uid, type TestBackend } from './support';

let b: TestBackend;

async function childOf(childId: string): Promise<ChildRecord> {
  const child = await b.runtime().children.get(childId);
  if (!child) throw new Error(`no child ${childId}`);
  return child;
}

/** The projection a replay of the ledger gives, each decision judged by whether its actor counted when it was made. */
const replay = (child: ChildRecord, ledger: readonly ConsentEvent[]) => project(ledger, (e) => countedWhenMade(child, e, 'youth-care'));
beforeAll(async () => {
  b = await startTestBackend();
});
afterAll(async () => {
  await b.stop();
});

async function fullLedger(childId: string): Promise<ConsentEvent[]> {
  const events: ConsentEvent[] = [];
  let cursor: string | undefined;
  do {
    const page = await b.runtime().ledger.page(childId, cursor, 100);
    events.push(...page.events);
    cursor = page.cursor;
  } while (cursor);
  return events;
}

test('20 concurrent decisions by different guardians all reach the ledger and the projection equals its replay', async () => {
  const fam = await createFamily(b, { birthDate: bornYearsAgo(8), guardians: Array.from({ length: 20 }, () => ({ authority: true })) });
  const results = await Promise.all(
    fam.guardianIds.map((g, i) =>
      b.call('POST', `/children/${fam.childId}/decisions`, {
        token: b.token(g, 'guardian'),
        body: { purpose: 'publication', decision: i % 3 === 0 ? 'withdrawn' : 'granted', noticeVersion: NOTICE },
      }),
    ),
  );
  expect(results.map((r) => r.status)).toEqual(Array(20).fill(201));

  const ledger = await fullLedger(fam.childId);
  expect(ledger).toHaveLength(20);
  const child = await childOf(fam.childId);
  expect(child.consent).toEqual(replay(child, ledger));
  expect(Object.keys(child.consent.latest.publication)).toHaveLength(20);
});

test('20 concurrent decisions by one guardian leave the projection at the latest event in ledger order', async () => {
  const fam = await createFamily(b, { birthDate: bornYearsAgo(8), guardians: [{ authority: true }] });
  const token = b.token(fam.guardianIds[0]!, 'guardian');
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      b.call('POST', `/children/${fam.childId}/decisions`, {
        token,
        body: { purpose: 'coaching_video', decision: i % 2 ? 'granted' : 'withdrawn', noticeVersion: NOTICE },
      }),
    ),
  );
  const ledger = await fullLedger(fam.childId);
  expect(ledger).toHaveLength(20);
  const child = await childOf(fam.childId);
  expect(child.consent).toEqual(replay(child, ledger));
  expect(child.consent.latest.coaching_video[`guardian:${fam.guardianIds[0]}`]?.eventId).toBe(ledger[ledger.length - 1]!.eventId);
});

test('an event that arrives late but is earlier in ledger order is kept in the ledger without replacing the later decision', async () => {
  const fam = await createFamily(b, { birthDate: bornYearsAgo(8), guardians: [{ authority: true }] });
  const rt = b.runtime();
  const base = {
    childId: fam.childId,
    purpose: 'publication' as const,
    actor: { kind: 'guardian' as const, guardianId: fam.guardianIds[0]! },
    recordedBy: { userId: fam.guardianIds[0]!, role: 'guardian' as const, channel: 'app' as const },
    noticeVersion: NOTICE,
  };
  const later: ConsentEvent = { ...base, eventId: uid('e'), decision: 'withdrawn', at: '2026-06-02T10:00:00.000Z' };
  const earlier: ConsentEvent = { ...base, eventId: uid('e'), decision: 'granted', at: '2026-06-01T10:00:00.000Z' };
  for (const event of [later, earlier]) {
    const current = await childOf(fam.childId);
    expect(await rt.ledger.appendDecision(event, current, rt.rules.withDecision(current, event))).toBe('appended');
  }

  const ledger = await fullLedger(fam.childId);
  expect(ledger.map((e) => e.eventId)).toEqual([earlier.eventId, later.eventId]);
  const child = await childOf(fam.childId);
  expect(child.consent.latest.publication[`guardian:${fam.guardianIds[0]}`]?.decision).toBe('withdrawn');
  expect(child.consent).toEqual(replay(child, ledger));
});

test('a decision for a child that does not exist writes nothing', async () => {
  const rt = b.runtime();
  const fam = await createFamily(b, { birthDate: bornYearsAgo(8), guardians: [{ authority: true }] });
  const child = await childOf(fam.childId);
  const ghost = { ...child, childId: uid('ghost') };
  const event: ConsentEvent = {
    eventId: uid('e'),
    childId: ghost.childId,
    purpose: 'publication',
    decision: 'granted',
    actor: { kind: 'child' },
    recordedBy: { userId: 'x', role: 'child', channel: 'app' },
    noticeVersion: NOTICE,
    at: new Date().toISOString(),
  };
  expect(await rt.ledger.appendDecision(event, ghost, rt.rules.withDecision(ghost, event))).toBe('stale');
  const stored = await documentClient(process.env.DYNAMODB_ENDPOINT).send(
    new GetCommand({ TableName: b.tableName, Key: keys.consentEvent(event.childId, event.at, event.eventId) }),
  );
  expect(stored.Item).toBeUndefined();
});

test('the ledger is read in pages, in ledger order, and a forged cursor is refused', async () => {
  const fam = await createFamily(b, { birthDate: bornYearsAgo(9), guardians: [{ authority: true }] });
  const token = b.token(fam.guardianIds[0]!, 'guardian');
  for (let i = 0; i < 7; i++) {
    const r = await b.call('POST', `/children/${fam.childId}/decisions`, {
      token,
      body: { purpose: 'parent_information', decision: i % 2 ? 'withdrawn' : 'granted', noticeVersion: NOTICE },
    });
    expect(r.status).toBe(201);
  }
  const seen: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const r = await b.call('GET', `/children/${fam.childId}/ledger?limit=3${cursor ? `&cursor=${cursor}` : ''}`, { token });
    expect(r.status).toBe(200);
    seen.push(...r.body.events.map((e: ConsentEvent) => e.at));
    cursor = r.body.cursor;
    pages++;
  } while (cursor);
  expect(seen).toHaveLength(7);
  expect([...seen].sort()).toEqual(seen);
  expect(pages).toBeGreaterThanOrEqual(3);

  const other = await createFamily(b, { birthDate: bornYearsAgo(9), guardians: [{ authority: true }] });
  const foreign = Buffer.from(JSON.stringify({ PK: `CHILD#${other.childId}`, SK: 'CONSENT#x' })).toString('base64url');
  const forged = await b.call('GET', `/children/${fam.childId}/ledger?cursor=${foreign}`, { token });
  expect(forged.status).toBe(400);
  expect(forged.body).toMatchObject({ code: 'invalid_request', field: 'cursor' });
});

test('children of a guardian and of a group are found by query', async () => {
  const fam = await createFamily(b, { birthDate: bornYearsAgo(6), guardians: [{ authority: true }] });
  const rt = b.runtime();
  await expect(rt.children.listIdsOfGroup(fam.groupId)).resolves.toEqual({ childIds: [fam.childId] });
  const links = await rt.children.listLinksOfGuardian(fam.guardianIds[0]!);
  expect(links.map((l) => l.childId)).toEqual([fam.childId]);
});
