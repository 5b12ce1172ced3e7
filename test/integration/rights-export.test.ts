/**
 * Rights of the data subject over HTTP on the real engines (SPEC section 7): the export of everything
 * held about a child, compared field by field with what was put in; who may export; what a family's
 * export leaves out; data-subject requests with their four-week due dates.
 */
import { amsterdamDate, nextDay } from '../../functions/domain/calendar';
import { assertMatchesComponent } from './contract';
import { NOTICE, bornYearsAgo, createFamily, seedAvailableItem, startTestBackend, uid, type TestBackend } from './support';

let b: TestBackend;
beforeAll(async () => {
  b = await startTestBackend();
});
afterAll(async () => {
  await b.stop();
});

const decide = (childId: string, token: string, purpose: string, decision: 'granted' | 'withdrawn') =>
  b.call('POST', `/children/${childId}/decisions`, { token, body: { purpose, decision, noticeVersion: NOTICE } });

const bytesOf = (label: string) => new TextEncoder().encode(`jpeg bytes of ${label}`);

function daysAfter(date: string, days: number): string {
  let d = date;
  for (let i = 0; i < days; i++) d = nextDay(d);
  return d;
}

/**
 * Child A (7) with a guardian with authority and a foster parent without, child B (8) in the same
 * group. A's guardian grants parent information and publication in the app; staff enter a paper
 * form for coaching. B's guardian grants parent information only. Items: m1 of A alone; m2 of A and
 * B for parent information and coaching; m3 of A and B for coaching only; m4 of A published on the
 * website and in print; m5 of A, deleted by the admin.
 */
async function scene() {
  const a = await createFamily(b, { birthDate: bornYearsAgo(7), guardians: [{ authority: true }, { authority: false }] });
  const other = await createFamily(b, { birthDate: bornYearsAgo(8), guardians: [{ authority: true }], groupId: a.groupId, staffId: a.staffId });
  const ga = b.token(a.guardianIds[0]!, 'guardian');
  const gb = b.token(other.guardianIds[0]!, 'guardian');
  const staff = b.token(a.staffId, 'staff');
  await decide(a.childId, ga, 'parent_information', 'granted');
  await decide(a.childId, ga, 'publication', 'granted');
  const paper = await b.call('POST', `/children/${a.childId}/paper-decisions`, {
    token: staff,
    body: { purpose: 'coaching_video', decision: 'granted', noticeVersion: NOTICE, signer: { kind: 'guardian', guardianId: a.guardianIds[0] }, formReference: 'FORM-77', signedOn: amsterdamDate(new Date()) },
  });
  expect(paper.status).toBe(201);
  await decide(other.childId, gb, 'parent_information', 'granted');

  const rt = b.runtime();
  const seed = async (label: string, childIds: string[], purposes: ('parent_information' | 'coaching_video' | 'publication')[], recordedAt: string) => {
    const id = await seedAvailableItem(b, { groupId: a.groupId, childIds, purposes, recordedAt, uploadedBy: a.staffId });
    await rt.store().put(`media/${id}`, bytesOf(label), 'image/jpeg');
    return id;
  };
  const m1 = await seed('m1', [a.childId], ['parent_information'], '2026-11-01T09:00:00.000Z');
  const m2 = await seed('m2', [a.childId, other.childId], ['parent_information', 'coaching_video'], '2026-11-02T09:00:00.000Z');
  const m3 = await seed('m3', [a.childId, other.childId], ['coaching_video'], '2026-11-03T09:00:00.000Z');
  const m4 = await seed('m4', [a.childId], ['publication'], '2026-11-04T09:00:00.000Z');
  const m5 = await seed('m5', [a.childId], ['parent_information'], '2026-11-05T09:00:00.000Z');
  const web = await b.call('POST', `/media/${m4}/publications`, { token: a.admin, body: { channel: 'website', reference: 'https://example.org/nieuws' } });
  const print = await b.call('POST', `/media/${m4}/publications`, { token: a.admin, body: { channel: 'newsletter', reference: 'Jaarboek 2026' } });
  expect([web.status, print.status]).toEqual([201, 201]);
  expect((await b.call('DELETE', `/media/${m5}`, { token: a.admin })).status).toBe(204);
  await b.settled();
  return { a, other, ga, gb, staff, m1, m2, m3, m4, m5, web: web.body, print: print.body };
}

async function exportAs(childId: string, token: string, body: Record<string, unknown> = {}) {
  const res = await b.call('POST', `/children/${childId}/export`, { token, body });
  if (res.status !== 201) return { res, doc: undefined as any };
  const fetched = await fetch(res.body.export.url);
  expect(fetched.status).toBe(200);
  const doc = JSON.parse(await fetched.text());
  assertMatchesComponent('ChildExportV1', doc);
  return { res, doc };
}

describe('export', () => {
  test("a guardian's export holds everything about the child, field by field, and nothing about others", async () => {
    const s = await scene();
    const ledger = (await b.call('GET', `/children/${s.a.childId}/ledger`, { token: s.ga })).body.events;
    const consents = (await b.call('GET', `/children/${s.a.childId}/consents`, { token: s.ga })).body.consents;

    const { res, doc } = await exportAs(s.a.childId, s.ga);

    expect(res.status).toBe(201);
    expect(res.body.request).toMatchObject({ type: 'access', status: 'fulfilled', channel: 'app', requestedBy: { userId: s.a.guardianIds[0], role: 'guardian' } });
    expect(res.body.export).toMatchObject({ format: 'beeldtoestemming.child-export', formatVersion: 1, items: 4, downloads: 3 });
    expect(doc).toMatchObject({
      format: 'beeldtoestemming.child-export',
      formatVersion: 1,
      audience: 'guardian',
      exportedBy: { userId: s.a.guardianIds[0], role: 'guardian' },
      requestId: res.body.request.requestId,
    });
    expect(doc.child).toEqual({ childId: s.a.childId, status: 'active', displayName: 'Kind', birthDate: bornYearsAgo(7), groupIds: [s.a.groupId], createdAt: expect.any(String) });
    expect(doc.guardians).toEqual(
      s.a.guardianIds
        .map((guardianId, i) => ({ guardianId, parentalAuthority: i === 0, since: expect.any(String) }))
        .sort((x, y) => x.guardianId.localeCompare(y.guardianId)),
    );
    // The complete ledger with notice versions and who recorded what, exactly as the API shows it
    // to the guardian: the staff member who entered the paper form by role only.
    expect(doc.consentLedger).toEqual(ledger);
    expect(doc.consentLedger.map((e: any) => [e.purpose, e.recordedBy.channel, e.noticeVersion])).toEqual([
      ['parent_information', 'app', NOTICE],
      ['publication', 'app', NOTICE],
      ['coaching_video', 'paper_form', NOTICE],
    ]);
    expect(doc.consentLedger[2].recordedBy).toEqual({ role: 'staff', channel: 'paper_form', formReference: 'FORM-77', signedOn: amsterdamDate(new Date()) });
    expect(doc.consentLedger[0].recordedBy).toEqual({ userId: s.a.guardianIds[0], role: 'guardian', channel: 'app' });
    expect(doc.consentsNow.purposes).toEqual(consents.purposes);

    const media = Object.fromEntries(doc.media.map((m: any) => [m.mediaId, m]));
    expect(doc.media.map((m: any) => m.mediaId)).toEqual([s.m1, s.m2, s.m3, s.m4]);
    expect(media[s.m1]).toEqual({
      mediaId: s.m1,
      groupId: s.a.groupId,
      kind: 'photo',
      contentType: 'image/jpeg',
      size: 10,
      recordedAt: '2026-11-01T09:00:00.000Z',
      status: 'available',
      purposes: ['parent_information'],
      childIds: [s.a.childId],
      otherChildrenDepicted: 0,
      published: false,
      deletionDates: { parent_information: '2029-11-01' },
      dueDate: '2029-11-01',
      publications: [],
      takedowns: [],
      download: { url: expect.any(String), expiresAt: expect.any(String) },
    });
    // The file behind the URL is the child's photo.
    expect(await (await fetch(media[s.m1].download.url)).text()).toBe('jpeg bytes of m1');
    // Other children are counted, not named; their consent to parent information covers m2, not m3.
    expect(media[s.m2]).toMatchObject({ childIds: [s.a.childId], otherChildrenDepicted: 1, download: expect.any(Object) });
    expect(media[s.m3]).toMatchObject({ childIds: [s.a.childId], otherChildrenDepicted: 1, withheld: 'depicts_other_children' });
    expect(media[s.m3].download).toBeUndefined();
    expect(media[s.m4]).toMatchObject({ published: true, takedowns: [] });
    expect(media[s.m4].publications).toEqual([
      { publicationId: s.web.publicationId, channel: 'website', reference: 'https://example.org/nieuws', publishedAt: s.web.publishedAt },
      { publicationId: s.print.publicationId, channel: 'newsletter', reference: 'Jaarboek 2026', publishedAt: s.print.publishedAt },
    ].sort((x, y) => (x.publishedAt < y.publishedAt ? -1 : 1)));
    for (const m of doc.media) expect(m.uploadedBy).toBeUndefined();

    expect(doc.deletedMedia).toEqual([{ mediaId: s.m5, reason: 'deleted_by_staff', deletedAt: expect.any(String) }]);
    expect(doc.requests).toEqual([expect.objectContaining({ requestId: res.body.request.requestId, type: 'access', status: 'fulfilled' })]);
    expect(doc.publicationEvidence).toEqual([]);

    // The audit entries about the child: the decisions, the publications, the deletion; other users by role only.
    const actions = doc.audit.map((e: any) => e.action);
    expect(actions.filter((x: string) => x === 'consent.decided')).toHaveLength(3);
    expect(actions).toEqual(expect.arrayContaining(['media.published', 'media.deleted']));
    // A decision's entry names its ledger event (what was decided is in the ledger, not copied).
    const entryOf = (eventId: string) => doc.audit.find((e: any) => e.action === 'consent.decided' && e.details.eventId === eventId);
    expect(entryOf(ledger[2].eventId).actor).toEqual({ role: 'staff' });
    expect(entryOf(ledger[0].eventId)).toMatchObject({ actor: { userId: s.a.guardianIds[0], role: 'guardian' }, details: { eventId: ledger[0].eventId } });
    expect(doc.audit.find((e: any) => e.action === 'media.published').actor).toEqual({ role: 'admin' });
    for (const e of doc.audit) expect(e.childIds).toEqual([s.a.childId]);
    // B appears nowhere in A's family export.
    expect(JSON.stringify(doc)).not.toContain(s.other.childId);
    expect(JSON.stringify(doc)).not.toContain(s.other.guardianIds[0]!);
  });

  test("the admin's export names everyone and holds every file; the safeguarding flag shows only here", async () => {
    const s = await scene();
    const { doc } = await exportAs(s.a.childId, s.a.admin);

    expect(doc.audience).toBe('admin');
    expect(doc.child.safeguarding).toBe(false);
    const media = Object.fromEntries(doc.media.map((m: any) => [m.mediaId, m]));
    expect(media[s.m3]).toMatchObject({ childIds: [s.a.childId, s.other.childId], uploadedBy: s.a.staffId, download: expect.any(Object) });
    expect(media[s.m4].publications.every((p: any) => p.publishedBy === 'admin-test')).toBe(true);
    const paper = doc.consentLedger.find((e: any) => e.recordedBy.channel === 'paper_form');
    expect(paper.recordedBy).toMatchObject({ userId: s.a.staffId, role: 'staff' });
    expect(doc.audit.find((e: any) => e.details?.eventId === paper.eventId).actor).toEqual({ userId: s.a.staffId, role: 'staff' });
  });

  test('every download URL an export gives is audited before it is given, and the export itself is audited', async () => {
    const s = await scene();
    const { res } = await exportAs(s.a.childId, s.ga);
    await b.settled();
    const rt = b.runtime();
    const issued = (await rt.audit.fullTrail({ kind: 'media', mediaId: s.m1 })).entries.filter((e) => e.action === 'media.url_issued');
    expect(issued).toEqual([expect.objectContaining({ actor: { userId: s.a.guardianIds[0], role: 'guardian' }, details: { use: 'access_request' } })]);
    expect((await rt.audit.fullTrail({ kind: 'media', mediaId: s.m3 })).entries.filter((e) => e.action === 'media.url_issued')).toEqual([]);
    const exported = (await rt.audit.fullTrail({ kind: 'child', childId: s.a.childId })).entries.filter((e) => e.action === 'child.exported');
    expect(exported).toEqual([expect.objectContaining({ details: { requestId: res.body.request.requestId, items: 4, downloads: 3 } })]);
  });

  test('who may export: a guardian with authority, the child from 16, the admin; a guardian without authority 403, another family 404', async () => {
    const s = await scene();
    const foster = b.token(s.a.guardianIds[1]!, 'guardian');
    expect(await b.call('POST', `/children/${s.a.childId}/export`, { token: foster, body: {} })).toMatchObject({ status: 403, body: { code: 'no_parental_authority' } });
    expect(await b.call('POST', `/children/${s.a.childId}/export`, { token: s.gb, body: {} })).toMatchObject({ status: 404, body: { code: 'child_not_found' } });
    expect(await b.call('POST', `/children/${s.a.childId}/export`, { token: b.token(s.a.childId, 'child'), body: {} })).toMatchObject({ status: 403, body: { code: 'rights_from_16' } });
    expect(await b.call('POST', `/children/${s.a.childId}/export`, { token: s.staff, body: {} })).toMatchObject({ status: 403, body: { code: 'forbidden' } });
    const teen = await createFamily(b, { birthDate: bornYearsAgo(16), guardians: [{ authority: true }] });
    const { res, doc } = await exportAs(teen.childId, b.token(teen.childId, 'child'));
    expect(res.status).toBe(201);
    expect(doc).toMatchObject({ audience: 'child', exportedBy: { userId: teen.childId, role: 'child' } });
  });

  test('a refused export leaves nothing: no request, no file, no audit entry', async () => {
    const s = await scene();
    const before = (await b.call('GET', `/children/${s.a.childId}/requests`, { token: s.a.admin })).body.requests;
    await b.call('POST', `/children/${s.a.childId}/export`, { token: b.token(s.a.guardianIds[1]!, 'guardian'), body: {} });
    await b.call('POST', `/children/${s.a.childId}/export`, { token: s.ga, body: { requestId: 'no-such-request' } });
    await b.settled();
    expect((await b.call('GET', `/children/${s.a.childId}/requests`, { token: s.a.admin })).body.requests).toEqual(before);
    expect((await b.runtime().audit.fullTrail({ kind: 'child', childId: s.a.childId })).entries.map((e) => e.action)).not.toContain('child.exported');
  });
});

describe('what a family export does not give away', () => {
  test('while the safeguarding flag is set, a family gets no file of the child, with the reason it sees in the consents', async () => {
    const s = await scene();
    await b.call('PATCH', `/children/${s.a.childId}`, { token: s.a.admin, body: { safeguarding: true } });
    const { doc } = await exportAs(s.a.childId, s.ga);
    expect(doc.media.map((m: any) => [m.mediaId, m.withheld, m.download])).toEqual([s.m1, s.m2, s.m3, s.m4].map((id) => [id, 'blocked_by_organisation', undefined]));
    expect(JSON.stringify(doc)).not.toContain('safeguarding');
    // The admin still gets every file.
    expect((await exportAs(s.a.childId, s.a.admin)).doc.media.every((m: any) => m.download)).toBe(true);
  });

  test("another family's withdrawal shows in the child's trail without naming that family or its decision", async () => {
    const s = await scene();
    await decide(s.other.childId, s.gb, 'parent_information', 'withdrawn');
    await b.settled();
    const { doc } = await exportAs(s.a.childId, s.ga);
    const removed = doc.audit.filter((e: any) => e.mediaId === s.m2 && ['media.purpose_removed', 'media.deleted'].includes(e.action));
    expect(removed.length).toBeGreaterThan(0);
    for (const e of removed) expect(Object.keys(e.details ?? {}).filter((k) => !['purpose', 'reason'].includes(k))).toEqual([]);
    const text = JSON.stringify(doc);
    expect(text).not.toContain(s.other.childId);
    expect(text).not.toContain(s.other.guardianIds[0]!);
    const theirLedger = (await b.call('GET', `/children/${s.other.childId}/ledger`, { token: s.gb })).body.events;
    for (const e of theirLedger) expect(text).not.toContain(e.eventId);
  });

  test('the ledger route shows guardians who recorded a paper form by role, the admin by name', async () => {
    const s = await scene();
    const forGuardian = (await b.call('GET', `/children/${s.a.childId}/ledger`, { token: s.ga })).body.events;
    const forAdmin = (await b.call('GET', `/children/${s.a.childId}/ledger`, { token: s.a.admin })).body.events;
    expect(forGuardian.find((e: any) => e.recordedBy.channel === 'paper_form').recordedBy.userId).toBeUndefined();
    expect(forAdmin.find((e: any) => e.recordedBy.channel === 'paper_form').recordedBy.userId).toBe(s.a.staffId);
  });

  test('from 16 the rights are the child\'s own: its guardian gets 403', async () => {
    const teen = await createFamily(b, { birthDate: bornYearsAgo(16), guardians: [{ authority: true }] });
    const guardian = b.token(teen.guardianIds[0]!, 'guardian');
    expect(await b.call('POST', `/children/${teen.childId}/export`, { token: guardian, body: {} })).toMatchObject({ status: 403, body: { code: 'rights_with_child' } });
    expect(await b.call('POST', `/children/${teen.childId}/requests`, { token: guardian, body: { type: 'access' } })).toMatchObject({ status: 403, body: { code: 'rights_with_child' } });
    expect(await b.call('GET', `/children/${teen.childId}/requests`, { token: guardian })).toMatchObject({ status: 403, body: { code: 'rights_with_child' } });
    const young = await createFamily(b, { birthDate: bornYearsAgo(16, -1), guardians: [{ authority: true }] });
    expect((await b.call('POST', `/children/${young.childId}/export`, { token: b.token(young.guardianIds[0]!, 'guardian'), body: {} })).status).toBe(201);
  });

  test("one parent's export does not answer the other parent's request, unless it names it", async () => {
    const f = await createFamily(b, { birthDate: bornYearsAgo(6), guardians: [{ authority: true }, { authority: true }] });
    const [mother, father] = f.guardianIds.map((g) => b.token(g, 'guardian')) as [string, string];
    const asked = await b.call('POST', `/children/${f.childId}/requests`, { token: father, body: { type: 'access' } });
    const own = await exportAs(f.childId, mother);
    expect(own.res.body.request.requestId).not.toBe(asked.body.requestId);
    expect((await b.call('GET', `/children/${f.childId}/requests`, { token: father })).body.requests.find((r: any) => r.requestId === asked.body.requestId).status).toBe('open');
    const named = await exportAs(f.childId, mother, { requestId: asked.body.requestId });
    expect(named.res.body.request).toMatchObject({ requestId: asked.body.requestId, status: 'fulfilled' });
  });

  test('two exports answering one request at once: one wins, and each URL serves only its own document', async () => {
    const s = await scene();
    const open = await b.call('POST', `/children/${s.a.childId}/requests`, { token: s.a.admin, body: { type: 'access' } });
    const [family, admin] = await Promise.all([
      b.call('POST', `/children/${s.a.childId}/export`, { token: s.ga, body: { requestId: open.body.requestId } }),
      b.call('POST', `/children/${s.a.childId}/export`, { token: s.a.admin, body: { requestId: open.body.requestId } }),
    ]);
    expect([family.status, admin.status].sort()).toEqual([201, 409]);
    const winner = family.status === 201 ? family : admin;
    const doc = JSON.parse(await (await fetch(winner.body.export.url)).text());
    expect(doc.audience).toBe(family.status === 201 ? 'guardian' : 'admin');
  });
});

describe('data-subject requests', () => {
  test('a request is due four weeks after it was received; asking again answers the open one', async () => {
    const s = await scene();
    const first = await b.call('POST', `/children/${s.a.childId}/requests`, { token: s.ga, body: { type: 'erasure' } });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      childId: s.a.childId,
      type: 'erasure',
      status: 'open',
      channel: 'app',
      requestedBy: { userId: s.a.guardianIds[0], role: 'guardian' },
      dueDate: daysAfter(amsterdamDate(new Date(first.body.receivedAt)), 28),
      overdue: false,
    });
    const again = await b.call('POST', `/children/${s.a.childId}/requests`, { token: s.ga, body: { type: 'erasure' } });
    expect(again).toMatchObject({ status: 200, body: { requestId: first.body.requestId } });
    const listed = await b.call('GET', `/children/${s.a.childId}/requests`, { token: s.ga });
    expect(listed.body.requests.map((r: any) => r.requestId)).toEqual([first.body.requestId]);
  });

  test("the admin records a request received by letter; the register lists open requests soonest due first, overdue ones marked", async () => {
    const s = await scene();
    const letter = new Date(Date.now() - 30 * 86_400_000).toISOString();
    const recorded = await b.call('POST', `/children/${s.a.childId}/requests`, { token: s.a.admin, body: { type: 'access', receivedAt: letter } });
    expect(recorded).toMatchObject({ status: 201, body: { channel: 'recorded_by_admin', receivedAt: letter, overdue: true } });
    const fresh = await b.call('POST', `/children/${s.other.childId}/requests`, { token: s.gb, body: { type: 'access' } });

    const register = (await b.call('GET', '/requests?limit=100', { token: s.a.admin })).body.requests;
    const ids = register.map((r: any) => r.requestId);
    expect(ids.indexOf(recorded.body.requestId)).toBeLessThan(ids.indexOf(fresh.body.requestId));
    expect(register.map((r: any) => r.dueDate)).toEqual([...register.map((r: any) => r.dueDate)].sort());
    expect(register.every((r: any) => r.status === 'open')).toBe(true);
  });

  test('only the admin gives a receipt date, never a future one', async () => {
    const s = await scene();
    expect(await b.call('POST', `/children/${s.a.childId}/requests`, { token: s.ga, body: { type: 'access', receivedAt: new Date().toISOString() } })).toMatchObject({
      status: 400,
      body: { field: 'receivedAt' },
    });
    expect(
      await b.call('POST', `/children/${s.a.childId}/requests`, { token: s.a.admin, body: { type: 'access', receivedAt: new Date(Date.now() + 86_400_000).toISOString() } }),
    ).toMatchObject({ status: 400, body: { field: 'receivedAt', reason: 'must not be in the future' } });
    expect(await b.call('POST', `/children/${s.a.childId}/requests`, { token: s.ga, body: { type: 'deletion' } })).toMatchObject({ status: 400, body: { field: 'type' } });
  });

  test('an export answers the open access request it names (or the oldest open one) and closes it', async () => {
    const s = await scene();
    const open = await b.call('POST', `/children/${s.a.childId}/requests`, { token: s.a.admin, body: { type: 'access' } });
    const { res, doc } = await exportAs(s.a.childId, s.a.admin, { requestId: open.body.requestId });
    expect(res.body.request).toMatchObject({ requestId: open.body.requestId, status: 'fulfilled', fulfilledAt: expect.any(String) });
    expect(doc.requestId).toBe(open.body.requestId);
    expect((await b.call('GET', '/requests?limit=100', { token: s.a.admin })).body.requests.map((r: any) => r.requestId)).not.toContain(open.body.requestId);
    expect(await b.call('POST', `/children/${s.a.childId}/export`, { token: s.a.admin, body: { requestId: open.body.requestId } })).toMatchObject({ status: 409, body: { code: 'request_closed' } });
    const erasure = await b.call('POST', `/children/${s.a.childId}/requests`, { token: s.ga, body: { type: 'erasure' } });
    expect(await b.call('POST', `/children/${s.a.childId}/export`, { token: s.a.admin, body: { requestId: erasure.body.requestId } })).toMatchObject({ status: 409, body: { code: 'request_wrong_type' } });
    // Without a request named, the oldest open access request is the one answered.
    const pending = await b.call('POST', `/children/${s.a.childId}/requests`, { token: s.ga, body: { type: 'access' } });
    const answered = await exportAs(s.a.childId, s.ga);
    expect(answered.res.body.request.requestId).toBe(pending.body.requestId);
  });

  test('the admin declines a request with a reason; it leaves the register and cannot be declined twice', async () => {
    const s = await scene();
    const open = await b.call('POST', `/children/${s.a.childId}/requests`, { token: s.ga, body: { type: 'erasure' } });
    const declined = await b.call('POST', `/children/${s.a.childId}/requests/${open.body.requestId}/decline`, { token: s.a.admin, body: { reason: 'Wettelijke bewaarplicht' } });
    expect(declined).toMatchObject({ status: 200, body: { status: 'declined', declineReason: 'Wettelijke bewaarplicht', declinedAt: expect.any(String) } });
    expect((await b.call('GET', '/requests?limit=100', { token: s.a.admin })).body.requests.map((r: any) => r.requestId)).not.toContain(open.body.requestId);
    expect(await b.call('POST', `/children/${s.a.childId}/requests/${open.body.requestId}/decline`, { token: s.a.admin, body: { reason: 'x' } })).toMatchObject({ status: 409, body: { code: 'request_closed' } });
    expect(await b.call('POST', `/children/${s.a.childId}/requests/${uid('nope')}/decline`, { token: s.a.admin, body: { reason: 'x' } })).toMatchObject({ status: 404, body: { code: 'request_not_found' } });
    expect(await b.call('POST', `/children/${s.a.childId}/requests/${open.body.requestId}/decline`, { token: s.a.admin, body: { reason: '  ' } })).toMatchObject({ status: 400, body: { field: 'reason' } });
    await b.settled();
    expect((await b.runtime().audit.fullTrail({ kind: 'child', childId: s.a.childId })).entries.map((e) => e.action)).toEqual(expect.arrayContaining(['request.created', 'request.declined']));
  });
});
