/**
 * Erasure of a child on the real engines (SPEC section 7, README "Erasure: what goes and what
 * stays"): unpublished footage goes through the one deletion path, published footage stays with
 * takedown tasks for live channels, the child's personal data goes, and an export afterwards shows
 * exactly what the README says is kept. Erasing is idempotent; one that stopped halfway is
 * completed by the next sweep.
 */
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { runSweep } from '../../functions/retention/sweep';
import { eraseChild } from '../../functions/rights/erasure';
import { documentClient } from '../../functions/shared/dynamo';
import { localS3Client } from '../../local/storage';
import { assertMatchesComponent } from './contract';
import { NOTICE, bornYearsAgo, createFamily, seedAvailableItem, startTestBackend, type TestBackend } from './support';

let b: TestBackend;
let s3: S3Client;
beforeAll(async () => {
  b = await startTestBackend();
  s3 = localS3Client(b.s3Endpoint);
});
afterAll(async () => {
  s3.destroy();
  await b.stop();
});

const decide = (childId: string, token: string, purpose: string, decision: 'granted' | 'withdrawn') =>
  b.call('POST', `/children/${childId}/decisions`, { token, body: { purpose, decision, noticeVersion: NOTICE } });

const exists = async (key: string) =>
  s3.send(new HeadObjectCommand({ Bucket: b.bucketName, Key: key })).then(
    () => true,
    () => false,
  );

async function partition(pk: string): Promise<Record<string, any>[]> {
  const out = await documentClient(process.env.DYNAMODB_ENDPOINT).send(
    new QueryCommand({ TableName: b.tableName, KeyConditionExpression: 'PK = :pk', ExpressionAttributeValues: { ':pk': pk }, ConsistentRead: true }),
  );
  return out.Items ?? [];
}

/**
 * Child A (7) with a guardian who granted every purpose; child B in the same group. Items: `alone`
 * of A; `together` of A and B; `published` of A on the website and in print; `earlier` of A,
 * deleted before; `pending` of A, an upload still in flight. An export of A exists in the bucket.
 */
async function scene() {
  const a = await createFamily(b, { birthDate: bornYearsAgo(7), guardians: [{ authority: true }] });
  const other = await createFamily(b, { birthDate: bornYearsAgo(8), guardians: [{ authority: true }], groupId: a.groupId, staffId: a.staffId });
  const ga = b.token(a.guardianIds[0]!, 'guardian');
  const gb = b.token(other.guardianIds[0]!, 'guardian');
  for (const p of ['parent_information', 'coaching_video', 'publication']) await decide(a.childId, ga, p, 'granted');
  for (const p of ['parent_information', 'coaching_video']) await decide(other.childId, gb, p, 'granted');
  const rt = b.runtime();
  const seed = async (childIds: string[], purposes: ('parent_information' | 'coaching_video' | 'publication')[]) => {
    const id = await seedAvailableItem(b, { groupId: a.groupId, childIds, purposes, uploadedBy: a.staffId });
    await rt.store().put(`media/${id}`, new TextEncoder().encode(id), 'image/jpeg');
    return id;
  };
  const alone = await seed([a.childId], ['parent_information']);
  const together = await seed([a.childId, other.childId], ['parent_information', 'coaching_video']);
  const published = await seed([a.childId], ['parent_information', 'publication']);
  const earlier = await seed([a.childId], ['coaching_video']);
  const web = await b.call('POST', `/media/${published}/publications`, { token: a.admin, body: { channel: 'website', reference: 'https://example.org/a' } });
  const print = await b.call('POST', `/media/${published}/publications`, { token: a.admin, body: { channel: 'newsletter', reference: 'Krant' } });
  expect((await b.call('DELETE', `/media/${earlier}`, { token: a.admin })).status).toBe(204);
  const upload = await b.call('POST', '/media', {
    token: b.token(a.staffId, 'staff'),
    body: { clientReference: `pending-${a.childId}`, kind: 'photo', contentType: 'image/jpeg', size: 100, recordedAt: new Date().toISOString(), groupId: a.groupId, childIds: [a.childId], purposes: ['parent_information'] },
  });
  expect(upload.status).toBe(201);
  const exported = await b.call('POST', `/children/${a.childId}/export`, { token: ga, body: {} });
  // The document's key, from its URL (path-style: /<bucket>/<key>).
  const exportKey = decodeURIComponent(new URL(exported.body.export.url).pathname).split('/').slice(2).join('/');
  expect(await exists(exportKey)).toBe(true);
  const asked = await b.call('POST', `/children/${a.childId}/requests`, { token: ga, body: { type: 'erasure' } });
  await b.settled();
  return { a, other, ga, gb, alone, together, published, earlier, pending: upload.body.item.mediaId as string, web: web.body, print: print.body, exportKey, erasureRequest: asked.body.requestId as string };
}

/** What the README promises after an erasure, checked on the table, the bucket and over HTTP. */
async function expectErased(s: Awaited<ReturnType<typeof scene>>) {
  const rt = b.runtime();
  const { childId } = s.a;

  // Unpublished footage went through the deletion path: no object, a tombstone that no longer names the child.
  for (const id of [s.alone, s.together, s.pending]) {
    expect(await rt.media.get(id)).toBeUndefined();
    expect(await exists(`media/${id}`)).toBe(false);
  }
  expect(await rt.media.getTombstone(s.alone)).toMatchObject({ reason: 'erasure', childIds: [] });
  expect(await rt.media.getTombstone(s.pending)).toMatchObject({ reason: 'erasure', childIds: [] });
  expect(await rt.media.getTombstone(s.together)).toMatchObject({ reason: 'erasure', childIds: [s.other.childId] });
  expect(await rt.media.getTombstone(s.earlier)).toMatchObject({ reason: 'deleted_by_staff', childIds: [] });
  // Published footage stays, for publication only, retained, with a takedown task for the live channel only.
  expect(await rt.media.get(s.published)).toMatchObject({ purposes: ['publication'], retainedBecausePublished: expect.any(String), childIds: [childId] });
  expect(await exists(`media/${s.published}`)).toBe(true);
  const takedowns = (await b.call('GET', '/takedowns', { token: s.a.admin })).body.takedowns.filter((t: any) => t.mediaId === s.published);
  expect(takedowns).toEqual([expect.objectContaining({ publicationId: s.web.publicationId, channel: 'website', childId })]);
  // The export file is gone with the child.
  expect(await exists(s.exportKey)).toBe(false);

  // Nobody reaches the child any more; the other child is untouched.
  expect(await b.call('GET', `/children/${childId}`, { token: s.a.admin })).toMatchObject({ status: 404 });
  expect(await b.call('GET', `/children/${childId}`, { token: s.ga })).toMatchObject({ status: 404 });
  expect((await b.call('GET', '/me/children', { token: s.ga })).body.children).toEqual([]);
  expect((await b.call('GET', `/groups/${s.a.groupId}/roster`, { token: s.a.admin })).body.children.map((c: any) => c.childId)).toEqual([s.other.childId]);
  expect(await b.call('GET', `/children/${s.other.childId}`, { token: s.gb })).toMatchObject({ status: 200 });

  // What is left in the table: the erased record, the evidence events, the link to the kept item, the requests, the trail.
  const items = await partition(`CHILD#${childId}`);
  const kinds = [...new Set(items.map((i) => i.entityType))].sort();
  expect(kinds).toEqual(['AuditRef', 'ConsentEvent', 'DataSubjectRequest', 'Depiction', 'ErasedChild']);
  expect(items.filter((i) => i.entityType === 'Depiction').map((i) => i.mediaId)).toEqual([s.published]);
  const kept = items.filter((i) => i.entityType === 'ConsentEvent');
  expect(kept.map((e) => [e.purpose, e.decision, e.actor.guardianId])).toEqual([['publication', 'granted', s.a.guardianIds[0]]]);
  expect(JSON.stringify(items)).not.toContain('Kind');
  expect(JSON.stringify(items)).not.toContain(bornYearsAgo(7));
  expect((await partition(`GROUP#${s.a.groupId}`)).map((i) => i.SK)).not.toContain(`CHILD#${childId}`);
  expect(await rt.children.listLinksOfGuardian(s.a.guardianIds[0]!)).toEqual([]);

  // The admin's export after the erasure shows exactly that, its trail once the chainer has linked
  // the erasure's entries (within moments, from the table's stream).
  await b.settled();
  const res = await b.call('POST', `/children/${childId}/export`, { token: s.a.admin, body: {} });
  expect(res.status).toBe(201);
  const doc = JSON.parse(await (await fetch(res.body.export.url)).text());
  assertMatchesComponent('ChildExportV1', doc);
  expect(doc.child).toEqual({ childId, status: 'erased', erasedAt: expect.any(String), erasureRequestId: s.erasureRequest });
  expect(doc.guardians).toEqual([]);
  expect(doc.consentsNow).toBeUndefined();
  expect(doc.consentLedger.map((e: any) => e.eventId)).toEqual(kept.map((e) => e.eventId));
  expect(doc.media.map((m: any) => [m.mediaId, m.purposes, m.publications.length, m.takedowns.length])).toEqual([[s.published, ['publication'], 2, 1]]);
  expect(doc.deletedMedia).toEqual([]);
  expect(doc.publicationEvidence.map((e: any) => [e.publicationId, e.ageBand, e.effective, e.eventIds])).toEqual(
    [s.web, s.print].map((p) => [p.publicationId, 'under_12', true, [kept[0]!.eventId]]),
  );
  expect(doc.requests.map((r: any) => [r.type, r.status])).toEqual(expect.arrayContaining([['erasure', 'fulfilled'], ['access', 'fulfilled']]));
  expect(doc.audit.map((e: any) => e.action)).toEqual(expect.arrayContaining(['consent.decided', 'child.erasure_started', 'media.deleted', 'media.retained', 'media.takedown_opened', 'child.erased']));
  // The trail says who decided when, not what: its entries name ledger events, now gone but the evidence.
  for (const e of doc.audit.filter((x: any) => x.action === 'consent.decided')) expect(Object.keys(e.details)).toEqual(['eventId']);
  const trail = (await b.call('GET', `/children/${childId}/audit?limit=100`, { token: s.a.admin })).body.entries;
  expect(trail.filter((e: any) => e.ledgerEvent).map((e: any) => e.details.eventId)).toEqual(kept.map((e) => e.eventId));
  await b.settled();
  for (const month of await rt.audit.months()) expect(await rt.audit.verifyMonth(month)).toMatchObject({ ok: true });
}

test('an erasure deletes what is not published, keeps what is, removes the personal data, and answers the open request', async () => {
  const s = await scene();
  const res = await b.call('POST', `/children/${s.a.childId}/erasure`, { token: s.a.admin, body: {} });

  expect(res).toMatchObject({ status: 200, body: { childId: s.a.childId, status: 'completed', request: { requestId: s.erasureRequest, type: 'erasure', status: 'fulfilled' } } });
  await expectErased(s);
  // Once only: the trail has one start and one end of the erasure.
  const actions = (await b.runtime().audit.fullTrail({ kind: 'child', childId: s.a.childId })).entries.map((e) => e.action);
  expect(actions.filter((a) => a === 'child.erased')).toHaveLength(1);
});

test('erasing again is harmless: the same answer, nothing more deleted or audited', async () => {
  const s = await scene();
  await b.call('POST', `/children/${s.a.childId}/erasure`, { token: s.a.admin, body: {} });
  await b.settled();
  const trail = async () => (await b.runtime().audit.fullTrail({ kind: 'child', childId: s.a.childId })).entries.length;
  const before = await trail();
  const again = await b.call('POST', `/children/${s.a.childId}/erasure`, { token: s.a.admin, body: {} });
  expect(again).toMatchObject({ status: 200, body: { status: 'completed', request: { requestId: s.erasureRequest } } });
  await b.settled();
  expect(await trail()).toBe(before);
  // Other families' requests cannot be attached to it, and nobody else may erase.
  expect(await b.call('POST', `/children/${s.a.childId}/erasure`, { token: s.a.admin, body: { requestId: 'another' } })).toMatchObject({ status: 409, body: { code: 'child_erased' } });
  expect(await b.call('POST', `/children/${s.other.childId}/erasure`, { token: s.gb, body: {} })).toMatchObject({ status: 403 });
  expect(await b.call('POST', `/children/${s.a.childId}/requests`, { token: s.a.admin, body: { type: 'access' } })).toMatchObject({ status: 409, body: { code: 'child_erased' } });
});

test('an erasure that stops halfway hides and blocks the child at once, and the next sweep completes it', async () => {
  const s = await scene();
  const rt = b.runtime();
  const admin = { userId: 'admin-test', role: 'admin' as const };
  // A deadline already passed: the erasure starts, then stops before its first step.
  const started = await eraseChild(rt, admin, 'req-halfway', s.a.childId, {}, { deadline: Date.now() - 1 });
  expect(started).toMatchObject({ status: 202, body: { status: 'in_progress' } });

  expect(await b.call('GET', `/children/${s.a.childId}`, { token: s.ga })).toMatchObject({ status: 404 });
  expect(await decide(s.a.childId, s.ga, 'publication', 'granted')).toMatchObject({ status: 404 });
  expect(await b.call('GET', `/children/${s.a.childId}`, { token: s.a.admin })).toMatchObject({ status: 200 });
  expect(await b.call('PATCH', `/children/${s.a.childId}`, { token: s.a.admin, body: { displayName: 'Nieuw' } })).toMatchObject({ status: 409, body: { code: 'child_being_erased' } });
  const upload = await b.call('POST', '/media', {
    token: b.token(s.a.staffId, 'staff'),
    body: { clientReference: `after-${s.a.childId}`, kind: 'photo', contentType: 'image/jpeg', size: 100, recordedAt: new Date().toISOString(), groupId: s.a.groupId, childIds: [s.a.childId], purposes: ['parent_information'] },
  });
  expect(upload).toMatchObject({ status: 409, body: { code: 'consent_missing' } });
  const feed = await b.call('GET', '/me/feed', { token: s.gb });
  expect(feed.body.items.map((i: any) => i.mediaId)).not.toContain(s.together);

  const report = await runSweep(rt);
  expect(report.erasuresCompleted).toContain(s.a.childId);
  await expectErased(s);
});

test('an erasure interrupted by a storage failure answers 202, and a retry completes it', async () => {
  const s = await scene();
  const rt = b.runtime();
  const store = rt.store();
  const original = store.deleteAll.bind(store);
  let calls = 0;
  store.deleteAll = async (keys) => {
    if (++calls === 2) throw Object.assign(new Error('SlowDown'), { name: 'SlowDown' });
    return original(keys);
  };
  try {
    const first = await b.call('POST', `/children/${s.a.childId}/erasure`, { token: s.a.admin, body: {} });
    expect(first).toMatchObject({ status: 202, body: { status: 'in_progress' } });
  } finally {
    store.deleteAll = original;
  }
  const retry = await b.call('POST', `/children/${s.a.childId}/erasure`, { token: s.a.admin, body: {} });
  expect(retry).toMatchObject({ status: 200, body: { status: 'completed', request: { requestId: s.erasureRequest, status: 'fulfilled' } } });
  await expectErased(s);
});

test('two erasures of the same child at once end in one erasure', async () => {
  const s = await scene();
  const both = await Promise.all([1, 2].map(() => b.call('POST', `/children/${s.a.childId}/erasure`, { token: s.a.admin, body: {} })));
  for (const res of both) {
    expect([200, 202]).toContain(res.status);
    expect(res.body.request).toMatchObject({ requestId: s.erasureRequest });
  }
  // No sweep: calling again is all a 202 needs.
  expect(await b.call('POST', `/children/${s.a.childId}/erasure`, { token: s.a.admin, body: {} })).toMatchObject({ status: 200, body: { status: 'completed' } });
  await expectErased(s);
  const actions = (await b.runtime().audit.fullTrail({ kind: 'child', childId: s.a.childId })).entries.map((e) => e.action);
  expect(actions.filter((a) => a === 'child.erasure_started')).toHaveLength(1);
  expect(actions.filter((a) => a === 'child.erased')).toHaveLength(1);
});

test("an erased child's id is never given to a new child", async () => {
  const s = await scene();
  await b.call('POST', `/children/${s.a.childId}/erasure`, { token: s.a.admin, body: {} });
  const again = await b.call('POST', '/children', { token: s.a.admin, body: { childId: s.a.childId, displayName: 'Nieuw', birthDate: bornYearsAgo(4), groupIds: [s.a.groupId] } });
  expect(again).toMatchObject({ status: 409, body: { code: 'child_erased' } });
  expect(await b.call('GET', `/children/${s.a.childId}`, { token: s.a.admin })).toMatchObject({ status: 404 });
});

test('once an erasure started, nothing of the child can be published or completed any more', async () => {
  const s = await scene();
  const rt = b.runtime();
  const staff = b.token(s.a.staffId, 'staff');
  // An upload whose consent was checked before the erasure, uploaded but not yet completed.
  const jpeg = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 0x4a, 0x46, 0x49, 0x46, 0, 1, 1, 0, 0, 1, 0, 1, 0, 0, 0xff, 0xd9]);
  const upload = await b.call('POST', '/media', {
    token: staff,
    body: { clientReference: `late-${s.a.childId}`, kind: 'photo', contentType: 'image/jpeg', size: jpeg.length, recordedAt: new Date().toISOString(), groupId: s.a.groupId, childIds: [s.a.childId], purposes: ['publication'] },
  });
  const { putToUrl } = await import('./support');
  expect(await putToUrl(upload.body.upload, jpeg)).toBe(200);
  const lateId = upload.body.item.mediaId as string;
  const unpublished = await seedAvailableItem(b, { groupId: s.a.groupId, childIds: [s.a.childId], purposes: ['publication'] });

  const started = await eraseChild(rt, { userId: 'admin-test', role: 'admin' }, 'req-race', s.a.childId, {}, { deadline: Date.now() - 1 });
  expect(started.status).toBe(202);

  expect(await b.call('POST', `/media/${unpublished}/publications`, { token: s.a.admin, body: { channel: 'website', reference: 'x' } })).toMatchObject({
    status: 409,
    body: { code: 'not_publishable' },
  });
  expect(await b.call('POST', `/media/${lateId}/complete`, { token: staff })).toMatchObject({ status: 409, body: { code: 'consent_missing' } });
  expect(await exists(`media/${lateId}`)).toBe(false);

  await runSweep(rt);
  await expectErased(s);
  for (const id of [unpublished, lateId]) {
    expect(await rt.media.get(id)).toBeUndefined();
    expect((await rt.media.getTombstone(id))?.childIds).toEqual([]);
  }
});

test('a published item whose publication purpose has ended is not kept: it is deleted as erased', async () => {
  const s = await scene();
  const rt = b.runtime();
  const expired = await seedAvailableItem(b, { groupId: s.a.groupId, childIds: [s.a.childId], purposes: ['parent_information', 'publication'] });
  expect((await b.call('POST', `/media/${expired}/publications`, { token: s.a.admin, body: { channel: 'website', reference: 'y' } })).status).toBe(201);
  const item = (await rt.media.get(expired))!;
  // Its publication purpose ended (a shorter retention for publication): only parent information is left.
  expect(await rt.media.setPurposes(item, ['parent_information'], '2026-01-01', 'retention')).toBe(true);

  await b.call('POST', `/children/${s.a.childId}/erasure`, { token: s.a.admin, body: {} });
  expect(await rt.media.get(expired)).toBeUndefined();
  expect(await rt.media.getTombstone(expired)).toMatchObject({ reason: 'erasure', childIds: [] });
  expect((await rt.media.takedownsOf(expired)).length).toBe(0);
});
