/** Using footage over HTTP: the parents' feed, the coaching library, downloads and the publication register. */
import { NOTICE, bornYearsAgo, createFamily, seedAvailableItem, startTestBackend, uid, type TestBackend } from './support';

let b: TestBackend;
beforeAll(async () => {
  b = await startTestBackend();
});
afterAll(async () => {
  await b.stop();
});

const grant = (childId: string, guardianToken: string, purpose: string, decision: 'granted' | 'withdrawn' = 'granted') =>
  b.call('POST', `/children/${childId}/decisions`, { token: guardianToken, body: { purpose, decision, noticeVersion: NOTICE } });

/** A group with two children (A and B), each with one guardian who granted every purpose. */
async function groupWithTwo() {
  const a = await createFamily(b, { birthDate: bornYearsAgo(7), guardians: [{ authority: true }] });
  const bFam = await createFamily(b, { birthDate: bornYearsAgo(8), guardians: [{ authority: true }], groupId: a.groupId, staffId: a.staffId });
  const ga = b.token(a.guardianIds[0]!, 'guardian');
  const gb = b.token(bFam.guardianIds[0]!, 'guardian');
  for (const p of ['parent_information', 'coaching_video', 'publication']) {
    await grant(a.childId, ga, p);
    await grant(bFam.childId, gb, p);
  }
  return { groupId: a.groupId, A: a.childId, B: bFam.childId, ga, gb, staff: b.token(a.staffId, 'staff'), admin: a.admin, staffId: a.staffId };
}

const feedIds = async (token: string, query = '') => {
  const r = await b.call('GET', `/me/feed${query}`, { token });
  expect(r.status).toBe(200);
  return r.body.items.map((i: { mediaId: string }) => i.mediaId) as string[];
};

test("example 5: when B's guardian withdraws parent_information, A's guardian no longer sees the group photo", async () => {
  const g = await groupWithTwo();
  const photo = await seedAvailableItem(b, { groupId: g.groupId, childIds: [g.A, g.B], purposes: ['parent_information'] });
  expect(await feedIds(g.ga)).toContain(photo);
  expect(await feedIds(g.gb)).toContain(photo);
  const url = (await b.call('GET', '/me/feed', { token: g.ga })).body.items.find((i: any) => i.mediaId === photo).download.url;
  expect(Number(new URL(url).searchParams.get('X-Amz-Expires'))).toBeLessThanOrEqual(900);

  await grant(g.B, g.gb, 'parent_information', 'withdrawn');
  // At once, by the rules at use time, before the propagation has removed the item.
  expect(await feedIds(g.ga)).not.toContain(photo);
  expect(await feedIds(g.gb)).not.toContain(photo);
  await b.settled();
  expect((await b.call('GET', `/media/${photo}/download`, { token: g.ga })).status).toBe(404);
});

test('parents see pictures of no child in their group, only parent_information items, and never another group', async () => {
  const g = await groupWithTwo();
  const other = await groupWithTwo();
  const craftTable = await seedAvailableItem(b, { groupId: g.groupId, childIds: [], purposes: ['parent_information'] });
  const coachingOnly = await seedAvailableItem(b, { groupId: g.groupId, childIds: [g.A], purposes: ['coaching_video'] });
  const elsewhere = await seedAvailableItem(b, { groupId: other.groupId, childIds: [], purposes: ['parent_information'] });
  const seen = await feedIds(g.ga);
  expect(seen).toContain(craftTable);
  expect(seen).not.toContain(coachingOnly);
  expect(seen).not.toContain(elsewhere);
  expect((await b.call('GET', `/media/${elsewhere}/download`, { token: g.ga })).status).toBe(404);
});

test("a guardian of two children in different groups sees both groups' items, once each", async () => {
  const g1 = await groupWithTwo();
  const g2 = await groupWithTwo();
  const guardianId = uid('both');
  await b.call('POST', '/guardians', { token: g1.admin, body: { guardianId, displayName: 'Ouder van twee' } });
  await b.call('PUT', `/children/${g1.A}/guardians/${guardianId}`, { token: g1.admin, body: { parentalAuthority: true } });
  await b.call('PUT', `/children/${g2.A}/guardians/${guardianId}`, { token: g1.admin, body: { parentalAuthority: true } });
  const i1 = await seedAvailableItem(b, { groupId: g1.groupId, childIds: [g1.A, g1.B], purposes: ['parent_information'] });
  const i2 = await seedAvailableItem(b, { groupId: g2.groupId, childIds: [], purposes: ['parent_information'] });
  const seen = await feedIds(b.token(guardianId, 'guardian'));
  expect(seen.sort()).toEqual([i1, i2].sort());
  const r = await b.call('GET', '/me/feed', { token: b.token(guardianId, 'guardian') });
  expect(r.body.items.find((i: any) => i.mediaId === i1).myChildrenDepicted).toEqual([g1.A]);
});

test('the feed is for children from 16; younger children are told so', async () => {
  const young = await createFamily(b, { birthDate: bornYearsAgo(14), guardians: [{ authority: true }] });
  expect(await b.call('GET', '/me/feed', { token: b.token(young.childId, 'child') })).toMatchObject({ status: 403, body: { code: 'feed_from_16' } });
  const old = await createFamily(b, { birthDate: bornYearsAgo(17), guardians: [] });
  await grant(old.childId, b.token(old.childId, 'child'), 'parent_information');
  const item = await seedAvailableItem(b, { groupId: old.groupId, childIds: [old.childId], purposes: ['parent_information'] });
  expect(await feedIds(b.token(old.childId, 'child'))).toEqual([item]);
});

test('250 items in pages of 50: nothing missing, nothing twice, newest first, stable while new items arrive', async () => {
  const g = await groupWithTwo();
  const base = Date.now() - 10 * 24 * 3600_000;
  const ids: string[] = [];
  for (let i = 0; i < 250; i++) {
    const childIds = i % 3 === 0 ? [] : i % 3 === 1 ? [g.A] : [g.A, g.B];
    ids.push(await seedAvailableItem(b, { groupId: g.groupId, childIds, purposes: ['parent_information'], recordedAt: new Date(base + i * 60_000).toISOString() }));
  }
  const seen: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const r = await b.call('GET', `/me/feed?limit=50${cursor ? `&cursor=${cursor}` : ''}`, { token: g.ga });
    expect(r.status).toBe(200);
    expect(r.body.items.length).toBeLessThanOrEqual(50);
    seen.push(...r.body.items.map((i: any) => i.mediaId));
    cursor = r.body.cursor;
    if (pages === 1) await seedAvailableItem(b, { groupId: g.groupId, childIds: [], purposes: ['parent_information'] });
    pages++;
  } while (cursor && pages < 20);
  expect(seen).toEqual([...ids].reverse());
  // Five full pages; a sixth, empty one may close the list when the fifth ended exactly at its end.
  expect([5, 6]).toContain(pages);
  const forged = await b.call('GET', `/me/feed?cursor=${Buffer.from(JSON.stringify({ elsewhere: null })).toString('base64url')}`, { token: g.ga });
  expect(forged).toMatchObject({ status: 400, body: { field: 'cursor' } });
});

test('every issued download URL is audited before it is handed out: who, which item and children, for what, when, the request', async () => {
  const g = await groupWithTwo();
  const item = await seedAvailableItem(b, { groupId: g.groupId, childIds: [g.A], purposes: ['parent_information', 'coaching_video'] });
  const res = await b.call('GET', `/media/${item}/download?purpose=coaching_video`, { token: g.staff });
  expect(res.status).toBe(200);
  await b.settled();
  const trail = await b.runtime().audit.fullTrail({ kind: 'media', mediaId: item });
  expect(trail.entries).toEqual([
    expect.objectContaining({
      action: 'media.url_issued',
      actor: { userId: g.staffId, role: 'staff' },
      mediaId: item,
      childIds: [g.A],
      details: { use: 'coaching_video' },
      requestId: expect.any(String),
      at: expect.any(String),
      seq: expect.any(Number),
    }),
  ]);
  // The same entry is in the child's trail.
  expect((await b.runtime().audit.fullTrail({ kind: 'child', childId: g.A })).entries.map((e) => e.entryId)).toContain(trail.entries[0]!.entryId);
});

describe('coaching library', () => {
  test('staff see coaching items of their groups while every child consents, by group and period', async () => {
    const g = await groupWithTwo();
    const older = await seedAvailableItem(b, { groupId: g.groupId, childIds: [g.A], purposes: ['coaching_video'], recordedAt: '2026-03-01T10:00:00.000Z' });
    const newer = await seedAvailableItem(b, { groupId: g.groupId, childIds: [g.B], purposes: ['coaching_video', 'parent_information'], recordedAt: new Date().toISOString() });
    const notCoaching = await seedAvailableItem(b, { groupId: g.groupId, childIds: [], purposes: ['parent_information'] });
    const ids = async (q: string, token = g.staff) => (await b.call('GET', `/coaching${q}`, { token })).body.items.map((i: any) => i.mediaId);
    expect(await ids(`?groupId=${g.groupId}`)).toEqual([newer, older]);
    expect(await ids(`?groupId=${g.groupId}&from=2026-02-01&to=2026-03-01`)).toEqual([older]);
    expect(await ids(`?groupId=${g.groupId}&from=2026-03-02`)).toEqual([newer]);
    expect(await ids(`?groupId=${g.groupId}`)).not.toContain(notCoaching);
    await grant(g.B, g.gb, 'coaching_video', 'withdrawn');
    expect(await ids(`?groupId=${g.groupId}`)).toEqual([older]);
    expect(await ids(`?groupId=${g.groupId}`, g.admin)).toEqual([older]);
    const other = await groupWithTwo();
    expect((await b.call('GET', `/coaching?groupId=${other.groupId}`, { token: g.staff })).status).toBe(404);
    expect(await b.call('GET', '/coaching?from=2026-05-01&to=2026-04-01', { token: g.staff })).toMatchObject({ status: 400, body: { field: 'from' } });
  });
});

describe('publication register', () => {
  test('example 6, the publishing part: publishable while consent holds, recorded, and refused after a withdrawal', async () => {
    const g = await groupWithTwo();
    const photo = await seedAvailableItem(b, { groupId: g.groupId, childIds: [g.A], purposes: ['publication'] });
    expect(await b.call('GET', `/media/${photo}/publication-check`, { token: g.admin })).toMatchObject({ status: 200, body: { publishable: true, blockers: [] } });
    const pub = await b.call('POST', `/media/${photo}/publications`, { token: g.admin, body: { channel: 'newsletter', reference: 'Nieuwsbrief 2026-11' } });
    expect(pub).toMatchObject({ status: 201, body: { channel: 'newsletter', reference: 'Nieuwsbrief 2026-11', publishedBy: 'admin-test' } });

    await grant(g.A, g.ga, 'publication', 'withdrawn');
    const check = await b.call('GET', `/media/${photo}/publication-check`, { token: g.admin });
    expect(check.body).toMatchObject({ publishable: false, blockers: [expect.objectContaining({ childId: g.A, purpose: 'publication' })] });
    const refused = await b.call('POST', `/media/${photo}/publications`, { token: g.admin, body: { channel: 'website', reference: 'https://example.org' } });
    expect(refused).toMatchObject({ status: 409, body: { code: 'not_publishable' } });
    const list = await b.call('GET', `/media/${photo}/publications`, { token: g.admin });
    expect(list.body.publications.map((p: any) => p.channel)).toEqual(['newsletter']);
  });

  test('example 12, the publishing part: a photo on the website and in a printed newsletter is recorded twice', async () => {
    const g = await groupWithTwo();
    const photo = await seedAvailableItem(b, { groupId: g.groupId, childIds: [g.A, g.B], purposes: ['publication', 'parent_information'] });
    for (const channel of ['website', 'newsletter']) {
      expect((await b.call('POST', `/media/${photo}/publications`, { token: g.admin, body: { channel, reference: `ref-${channel}` } })).status).toBe(201);
    }
    const list = await b.call('GET', `/media/${photo}/publications`, { token: g.admin });
    expect(list.body.publications.map((p: any) => p.channel).sort()).toEqual(['newsletter', 'website']);
    expect((await b.call('DELETE', `/media/${photo}`, { token: g.admin })).status).toBe(403);
  });

  test('an item not recorded for publication cannot be published; a bad channel is a 400', async () => {
    const g = await groupWithTwo();
    const photo = await seedAvailableItem(b, { groupId: g.groupId, childIds: [], purposes: ['parent_information'] });
    const r = await b.call('POST', `/media/${photo}/publications`, { token: g.admin, body: { channel: 'website', reference: 'x' } });
    expect(r).toMatchObject({ status: 409, body: { code: 'not_publishable', reasons: ['not_recorded_for_publication'] } });
    expect(await b.call('POST', `/media/${photo}/publications`, { token: g.admin, body: { channel: 'billboard', reference: 'x' } })).toMatchObject({
      status: 400,
      body: { field: 'channel' },
    });
  });
});
