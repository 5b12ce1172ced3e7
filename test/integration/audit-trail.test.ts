/**
 * The audit trail on the real engines (SPEC section 7): every kind of action leaves an entry with
 * who, what, which child or item, when and the request; the admin reads a child's or an item's
 * trail page by page; an entry edited, removed or cut off in DynamoDB Local directly is found by
 * the admin route and by `npm run audit:verify`; a dead chainer leaves entries pending, never lost.
 * (Chainers racing and a chainer killed halfway: audit-chaining.test.ts.)
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { DeleteCommand, PutCommand, QueryCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { documentClient } from '../../functions/shared/dynamo';
import { NOTICE, auditLinksOf, bornYearsAgo, createFamily, putToUrl, startTestBackend, thisMonth, type TestBackend } from './support';

const JPEG = readFileSync(path.join(__dirname, '..', 'fixtures', 'gps-exif-xmp.jpg'));
const run = promisify(execFile);

let b: TestBackend;
beforeAll(async () => {
  b = await startTestBackend();
});
afterAll(async () => {
  await b.stop();
});

const db = () => documentClient(process.env.DYNAMODB_ENDPOINT);
const decide = (childId: string, token: string, purpose: string, decision: 'granted' | 'withdrawn') =>
  b.call('POST', `/children/${childId}/decisions`, { token, body: { purpose, decision, noticeVersion: NOTICE } });

const linksOf = (month: string) => auditLinksOf(b, month);

/** `npm run audit:verify`, as a process, against this test's table. */
async function verifyCommand(args: string[] = []): Promise<{ code: number; out: string }> {
  const port = new URL(process.env.DYNAMODB_ENDPOINT!).port;
  const tsx = path.join(__dirname, '..', '..', 'node_modules', '.bin', 'tsx');
  try {
    const { stdout } = await run(tsx, ['local/audit-verify.ts', ...args], {
      cwd: path.join(__dirname, '..', '..'),
      env: { ...process.env, BT_DYNAMODB_PORT: port, BT_TABLE_NAME: b.tableName },
    });
    return { code: 0, out: stdout };
  } catch (err) {
    const e = err as { code: number; stdout: string };
    return { code: e.code, out: e.stdout };
  }
}

test("a child's trail holds who did what, when and under which request, newest first and page by page", async () => {
  const f = await createFamily(b, { birthDate: bornYearsAgo(9), guardians: [{ authority: true }] });
  const g = b.token(f.guardianIds[0]!, 'guardian');
  const decision = await decide(f.childId, g, 'publication', 'granted');
  await decide(f.childId, g, 'coaching_video', 'granted');
  await decide(f.childId, g, 'publication', 'withdrawn');
  await b.call('PATCH', `/children/${f.childId}`, { token: f.admin, body: { displayName: 'Nieuwe naam' } });
  await b.settled();

  const first = await b.call('GET', `/children/${f.childId}/audit?limit=3`, { token: f.admin });
  expect(first.status).toBe(200);
  expect(first.body.entries).toHaveLength(3);
  const all = [...first.body.entries];
  for (let cursor = first.body.cursor; cursor; ) {
    const page = await b.call('GET', `/children/${f.childId}/audit?limit=3&cursor=${cursor}`, { token: f.admin });
    expect(page.body.entries.length).toBeLessThanOrEqual(3);
    all.push(...page.body.entries);
    cursor = page.body.cursor;
  }
  // createFamily: the child created and a guardian linked; then three decisions and an update.
  expect(all.map((e: any) => e.action)).toEqual(['child.updated', 'consent.decided', 'consent.decided', 'consent.decided', 'child.guardian_linked', 'child.created']);
  const grant = all.find((e: any) => e.details?.eventId === decision.body.event.eventId);
  expect(grant).toEqual(
    expect.objectContaining({
      action: 'consent.decided',
      actor: { userId: f.guardianIds[0], role: 'guardian' },
      childIds: [f.childId],
      requestId: expect.any(String),
      at: decision.body.event.at,
      // A reference to the ledger event, not a copy of it; the trail shows the event beside it.
      details: { eventId: decision.body.event.eventId },
      ledgerEvent: { purpose: 'publication', decision: 'granted', actor: { kind: 'guardian', guardianId: f.guardianIds[0] }, channel: 'app' },
      month: decision.body.event.at.slice(0, 7),
      seq: expect.any(Number),
      hash: expect.stringMatching(/^[0-9a-f]{64}$/),
    }),
  );
  // The update names the fields it changed, never their values.
  expect(all[0].details).toEqual({ fields: ['displayName'] });
  expect(JSON.stringify(all)).not.toContain('Nieuwe naam');
  expect(JSON.stringify(all)).not.toContain(bornYearsAgo(9));
  // A cursor of another child's trail is refused.
  expect(await b.call('GET', `/media/x/audit?cursor=${first.body.cursor}`, { token: f.admin })).toMatchObject({ status: 404 });
  expect(await b.call('GET', `/children/nobody/audit`, { token: f.admin })).toMatchObject({ status: 404, body: { code: 'child_not_found' } });
});

test("an item's trail follows it from upload to deletion, and stays readable after it", async () => {
  const f = await createFamily(b, { birthDate: bornYearsAgo(9), guardians: [{ authority: true }] });
  const g = b.token(f.guardianIds[0]!, 'guardian');
  for (const p of ['parent_information', 'publication']) await decide(f.childId, g, p, 'granted');
  const staff = b.token(f.staffId, 'staff');
  const created = await b.call('POST', '/media', {
    token: staff,
    body: { clientReference: `trail-${f.childId}`, kind: 'photo', contentType: 'image/jpeg', size: JPEG.length, recordedAt: new Date().toISOString(), groupId: f.groupId, childIds: [f.childId], purposes: ['parent_information', 'publication'] },
  });
  const mediaId = created.body.item.mediaId;
  expect(await putToUrl(created.body.upload, JPEG)).toBe(200);
  expect((await b.call('POST', `/media/${mediaId}/complete`, { token: staff })).status).toBe(200);
  await b.call('GET', '/me/feed', { token: g });
  const web = await b.call('POST', `/media/${mediaId}/publications`, { token: f.admin, body: { channel: 'website', reference: 'https://example.org/x' } });
  await decide(f.childId, g, 'publication', 'withdrawn');
  // Each withdrawal propagates on its own; settle in between so that the trail's order is fixed.
  await b.settled();
  await decide(f.childId, g, 'parent_information', 'withdrawn');
  await b.settled();
  await b.call('POST', `/media/${mediaId}/takedowns/${web.body.publicationId}/done`, { token: f.admin });
  await b.settled();

  const trail = (await b.call('GET', `/media/${mediaId}/audit?limit=100`, { token: f.admin })).body.entries.reverse();
  expect(trail.map((e: any) => [e.action, e.actor.role])).toEqual([
    ['media.upload_created', 'staff'],
    ['media.completed', 'staff'],
    ['media.url_issued', 'guardian'],
    ['media.published', 'admin'],
    ['media.retained', 'system'],
    ['media.takedown_opened', 'system'],
    ['media.purpose_removed', 'system'],
    ['media.takedown_done', 'admin'],
  ]);
  // The system's entries name the withdrawal event that caused them.
  const ledger = (await b.call('GET', `/children/${f.childId}/ledger`, { token: f.admin })).body.events;
  const withdrawal = (purpose: string) => ledger.find((e: any) => e.purpose === purpose && e.decision === 'withdrawn').eventId;
  expect(trail[4].details).toEqual({ eventId: withdrawal('publication') });
  expect(trail[6].details).toEqual({ eventId: withdrawal('parent_information'), purpose: 'parent_information' });
  // No copy of the item's metadata: the upload's entry names the item and its children, nothing more.
  expect(trail[0].details).toBeUndefined();
  expect(new Set(trail.map((e: any) => e.requestId)).size).toBeGreaterThan(4);
});

test('the rest of what is audited: end of enrolment, unlinking, refused uploads, purposes that expire', async () => {
  const f = await createFamily(b, { birthDate: bornYearsAgo(9), guardians: [{ authority: true }, { authority: true }] });
  const g = b.token(f.guardianIds[0]!, 'guardian');
  for (const p of ['parent_information', 'coaching_video']) await decide(f.childId, g, p, 'granted');
  const staff = b.token(f.staffId, 'staff');
  // An upload whose file is not what was declared: refused.
  const wrong = await b.call('POST', '/media', {
    token: staff,
    body: { clientReference: `wrong-${f.childId}`, kind: 'photo', contentType: 'image/jpeg', size: 5, recordedAt: new Date().toISOString(), groupId: f.groupId, childIds: [f.childId], purposes: ['parent_information'] },
  });
  await putToUrl(wrong.body.upload, new Uint8Array([1, 2, 3, 4, 5]));
  expect((await b.call('POST', `/media/${wrong.body.item.mediaId}/complete`, { token: staff })).body.code).toBe('content_mismatch');
  // An item whose coaching purpose ends a year after the recording (the demo setting is three years: set its dates).
  const { seedAvailableItem } = await import('./support');
  const item = await seedAvailableItem(b, { groupId: f.groupId, childIds: [f.childId], purposes: ['parent_information', 'coaching_video'], deletionDates: { parent_information: '2029-01-01', coaching_video: '2026-01-01' } });
  const { runSweep } = await import('../../functions/retention/sweep');
  await runSweep(b.runtime());
  await b.call('DELETE', `/children/${f.childId}/guardians/${f.guardianIds[1]}`, { token: f.admin });
  await b.call('POST', `/children/${f.childId}/end`, { token: f.admin, body: { endDate: '2027-08-01' } });
  await b.settled();

  const child = (await b.call('GET', `/children/${f.childId}/audit?limit=100`, { token: f.admin })).body.entries;
  const ended = child.find((e: any) => e.action === 'child.enrolment_ended');
  expect(ended).toMatchObject({ actor: { role: 'admin' } });
  expect(ended.details).toBeUndefined();
  expect(child.find((e: any) => e.action === 'child.guardian_unlinked')).toMatchObject({ details: { guardianId: f.guardianIds[1] } });
  expect(child.find((e: any) => e.action === 'media.refused')).toMatchObject({ mediaId: wrong.body.item.mediaId, actor: { role: 'staff' }, details: { code: 'content_mismatch' } });
  expect(child.find((e: any) => e.action === 'media.purposes_expired')).toMatchObject({ mediaId: item, actor: { userId: 'system:sweep', role: 'system' }, details: { purposes: ['coaching_video'] } });
});

describe('tampering with the table is found', () => {
  async function someEntries() {
    const f = await createFamily(b, { birthDate: bornYearsAgo(9), guardians: [{ authority: true }] });
    const g = b.token(f.guardianIds[0]!, 'guardian');
    for (const p of ['parent_information', 'coaching_video', 'publication']) await decide(f.childId, g, p, 'granted');
    await b.settled();
    const admin = f.admin;
    expect(await b.call('GET', '/audit/verify', { token: admin })).toMatchObject({ status: 200, body: { month: thisMonth(), ok: true, pending: 0 } });
    return { f, admin, links: await linksOf(thisMonth()) };
  }

  test('an edited entry: the admin route and npm run audit:verify report it at its sequence number', async () => {
    const { admin, links } = await someEntries();
    const victim = links[links.length - 2]!;
    // (Each test puts back what it damaged: the month's chain is shared by the whole file.)
    await db().send(
      new UpdateCommand({
        TableName: b.tableName,
        Key: { PK: victim.PK, SK: victim.SK },
        UpdateExpression: 'SET actor = :a',
        ExpressionAttributeValues: { ':a': { userId: 'someone-else', role: 'admin' } },
      }),
    );
    const report = await b.call('GET', `/audit/verify?month=${thisMonth()}`, { token: admin });
    expect(report.body).toMatchObject({ ok: false, checked: victim.seq - 1, firstBreak: { seq: victim.seq, entryId: victim.entryId, problem: 'hash_mismatch' } });

    const cli = await verifyCommand();
    expect(cli.code).toBe(1);
    expect(cli.out).toContain(`${thisMonth()}  BROKEN  at entry ${victim.seq} (${victim.entryId}): hash_mismatch`);
    // Put back as it was: the chain verifies again.
    await db().send(new UpdateCommand({ TableName: b.tableName, Key: { PK: victim.PK, SK: victim.SK }, UpdateExpression: 'SET actor = :a', ExpressionAttributeValues: { ':a': victim.actor } }));
    expect((await b.call('GET', `/audit/verify?month=${thisMonth()}`, { token: admin })).body.ok).toBe(true);
    expect((await verifyCommand()).code).toBe(0);
  });

  test('a removed entry leaves a gap in the chain and a hole in the trail', async () => {
    const { f, admin, links } = await someEntries();
    const victim = links.find((l) => l.action === 'consent.decided' && l.childIds.includes(f.childId))!;
    await db().send(new DeleteCommand({ TableName: b.tableName, Key: { PK: victim.PK, SK: victim.SK } }));
    try {
      expect((await b.call('GET', `/audit/verify?month=${thisMonth()}`, { token: admin })).body.firstBreak).toMatchObject({ seq: victim.seq + 1, problem: 'seq_gap' });
      const trail = await b.call('GET', `/children/${f.childId}/audit?limit=100`, { token: admin });
      expect(trail.body.missing).toEqual([{ month: thisMonth(), seq: victim.seq }]);
      expect(trail.body.entries.map((e: any) => e.entryId)).not.toContain(victim.entryId);
    } finally {
      await db().send(new PutCommand({ TableName: b.tableName, Item: victim }));
    }
    expect((await b.call('GET', `/audit/verify?month=${thisMonth()}`, { token: admin })).body.ok).toBe(true);
  });

  test('a trail reference removed: the entry vanishes from the trail, and npm run audit:verify -- --refs finds it', async () => {
    const { f } = await someEntries();
    const refs = await db().send(
      new QueryCommand({ TableName: b.tableName, KeyConditionExpression: 'PK = :pk AND begins_with(SK, :p)', ExpressionAttributeValues: { ':pk': `CHILD#${f.childId}`, ':p': 'AUDIT#' } }),
    );
    const victim = refs.Items![0]!;
    await db().send(new DeleteCommand({ TableName: b.tableName, Key: { PK: victim.PK, SK: victim.SK } }));
    try {
      expect((await verifyCommand()).code).toBe(0);
      const cli = await verifyCommand(['--refs']);
      expect(cli.code).toBe(1);
      expect(cli.out).toContain(`MISSING the trail reference of entry ${victim.seq} in CHILD#${f.childId}`);
    } finally {
      await db().send(new PutCommand({ TableName: b.tableName, Item: victim }));
    }
    expect((await verifyCommand(['--refs'])).code).toBe(0);
  });

  test('entries cut off the end: the head no longer matches', async () => {
    const { admin } = await someEntries();
    const links = await linksOf(thisMonth());
    const last = links.at(-1)!;
    await db().send(new DeleteCommand({ TableName: b.tableName, Key: { PK: last.PK, SK: last.SK } }));
    try {
      expect((await b.call('GET', `/audit/verify?month=${thisMonth()}`, { token: admin })).body.firstBreak).toMatchObject({ seq: last.seq, problem: 'head_mismatch' });
    } finally {
      await db().send(new PutCommand({ TableName: b.tableName, Item: last }));
    }
  });
});
