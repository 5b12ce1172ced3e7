/** The consent rules end to end over HTTP, on the local backend (youth-care policy, the default). */
import { NOTICE, bornYearsAgo, createFamily, startTestBackend, uid, type TestBackend } from './support';

let b: TestBackend;
beforeAll(async () => {
  b = await startTestBackend();
});
afterAll(async () => {
  await b.stop();
});

const decide = (childId: string, token: string, purpose: string, decision: 'granted' | 'withdrawn') =>
  b.call('POST', `/children/${childId}/decisions`, { token, body: { purpose, decision, noticeVersion: NOTICE } });

const state = async (childId: string, token: string, purpose: string) => {
  const r = await b.call('GET', `/children/${childId}/consents`, { token });
  expect(r.status).toBe(200);
  return r.body.consents.purposes[purpose] as { effective: boolean; reasons: string[]; deciders: any[]; ignored: any[] };
};

test('example 1: one guardian grants publication for an 8-year-old; a withdrawal by the second guardian blocks it', async () => {
  const f = await createFamily(b, { birthDate: bornYearsAgo(8), guardians: [{ authority: true }, { authority: true }] });
  const [g1, g2] = f.guardianIds.map((g) => b.token(g, 'guardian')) as [string, string];
  expect((await decide(f.childId, g1, 'publication', 'granted')).status).toBe(201);
  expect(await state(f.childId, g1, 'publication')).toMatchObject({ effective: true, reasons: [] });
  const withdrawn = await decide(f.childId, g2, 'publication', 'withdrawn');
  expect(withdrawn.status).toBe(201);
  expect(withdrawn.body.consents.purposes.publication).toMatchObject({
    effective: false,
    reasons: [`withdrawn_by:guardian:${f.guardianIds[1]}`],
  });
});

test("example 2: a 13-year-old's consent needs the guardian and the child; the child's withdrawal blocks", async () => {
  const f = await createFamily(b, { birthDate: bornYearsAgo(13, 10), guardians: [{ authority: true }] });
  const guardian = b.token(f.guardianIds[0]!, 'guardian');
  const child = b.token(f.childId, 'child');
  await decide(f.childId, guardian, 'coaching_video', 'granted');
  const waiting = await state(f.childId, guardian, 'coaching_video');
  expect(waiting).toMatchObject({ effective: false, reasons: ['needs:child'] });
  expect(waiting.deciders).toContainEqual({ actor: 'child', decision: null, counts: true });
  await decide(f.childId, child, 'coaching_video', 'granted');
  expect(await state(f.childId, child, 'coaching_video')).toMatchObject({ effective: true });
  await decide(f.childId, child, 'coaching_video', 'withdrawn');
  expect(await state(f.childId, guardian, 'coaching_video')).toMatchObject({ effective: false, reasons: ['withdrawn_by:child'] });
});

test("example 3: for a 17-year-old only the child's own decision counts", async () => {
  const f = await createFamily(b, { birthDate: bornYearsAgo(17, 50), guardians: [{ authority: true }] });
  const guardian = b.token(f.guardianIds[0]!, 'guardian');
  await decide(f.childId, guardian, 'parent_information', 'granted');
  const after = await state(f.childId, guardian, 'parent_information');
  expect(after).toMatchObject({ effective: false, reasons: ['needs:child'] });
  expect(after.ignored).toEqual([{ actor: `guardian:${f.guardianIds[0]}`, decision: 'granted', counts: false }]);
  await decide(f.childId, b.token(f.childId, 'child'), 'parent_information', 'granted');
  expect(await state(f.childId, guardian, 'parent_information')).toMatchObject({ effective: true });
});

test.each([
  ['the day before the 16th birthday the guardian withdrawal still counts', 1, false],
  ['on the 16th birthday only the child counts', 0, true],
])('example 4: %s', async (_name, daysBefore, effective) => {
  // Born 16 years ago tomorrow (still 15) or 16 years ago today (16 today).
  const f = await createFamily(b, { birthDate: bornYearsAgo(16, -daysBefore), guardians: [{ authority: true }] });
  await decide(f.childId, b.token(f.childId, 'child'), 'publication', 'granted');
  await decide(f.childId, b.token(f.guardianIds[0]!, 'guardian'), 'publication', 'withdrawn');
  expect((await state(f.childId, b.token(f.childId, 'child'), 'publication')).effective).toBe(effective);
});

test('a child whose only guardian has no parental authority never has effective consent, and that guardian cannot decide', async () => {
  const f = await createFamily(b, { birthDate: bornYearsAgo(7), guardians: [{ authority: false }] });
  const foster = b.token(f.guardianIds[0]!, 'guardian');
  const refused = await decide(f.childId, foster, 'publication', 'granted');
  expect(refused).toMatchObject({ status: 403, body: { code: 'no_parental_authority' } });
  expect(await state(f.childId, foster, 'publication')).toMatchObject({ effective: false, reasons: ['no_guardian_with_authority'] });
  const ledger = await b.call('GET', `/children/${f.childId}/ledger`, { token: foster });
  expect(ledger.body.events).toEqual([]);
});

test('the safeguarding flag blocks every purpose; parents see that the organisation blocks, staff see why', async () => {
  const f = await createFamily(b, { birthDate: bornYearsAgo(6), guardians: [{ authority: true }] });
  const guardian = b.token(f.guardianIds[0]!, 'guardian');
  for (const p of ['parent_information', 'coaching_video', 'publication']) await decide(f.childId, guardian, p, 'granted');
  const flagged = await b.call('PATCH', `/children/${f.childId}`, { token: f.admin, body: { safeguarding: true } });
  expect(flagged).toMatchObject({ status: 200, body: { safeguarding: true } });

  const forParent = await b.call('GET', `/children/${f.childId}/consents`, { token: guardian });
  for (const p of Object.values(forParent.body.consents.purposes) as any[]) {
    expect(p).toMatchObject({ effective: false, reasons: ['blocked_by_organisation'] });
  }
  const forStaff = await b.call('GET', `/children/${f.childId}/consents`, { token: b.token(f.staffId, 'staff') });
  expect(forStaff.body.consents.purposes.publication.reasons).toEqual(['safeguarding']);
  const parentView = await b.call('GET', `/children/${f.childId}`, { token: guardian });
  expect(parentView.body).not.toHaveProperty('safeguarding');
  expect(JSON.stringify(parentView.body)).not.toContain('safeguarding');
  expect(parentView.body.consents.purposes.publication.reasons).toEqual(['blocked_by_organisation']);

  await b.call('PATCH', `/children/${f.childId}`, { token: f.admin, body: { safeguarding: false } });
  expect(await state(f.childId, guardian, 'publication')).toMatchObject({ effective: true });
});

test('an ended enrolment blocks every new use from its end date, not before', async () => {
  const f = await createFamily(b, { birthDate: bornYearsAgo(9), guardians: [{ authority: true }] });
  const guardian = b.token(f.guardianIds[0]!, 'guardian');
  await decide(f.childId, guardian, 'publication', 'granted');
  const tomorrow = bornYearsAgo(0, -1);
  await b.call('POST', `/children/${f.childId}/end`, { token: f.admin, body: { endDate: tomorrow } });
  expect(await state(f.childId, guardian, 'publication')).toMatchObject({ effective: true });
  const today = bornYearsAgo(0);
  const ended = await b.call('POST', `/children/${f.childId}/end`, { token: f.admin, body: { endDate: today } });
  expect(ended.body).toMatchObject({ status: 'ended', endDate: today });
  expect(await state(f.childId, guardian, 'publication')).toMatchObject({ effective: false, reasons: ['ended'] });
});

describe('paper consent forms', () => {
  test('staff record a signed form: the signer is the actor, the staff member the recorder', async () => {
    const f = await createFamily(b, { birthDate: bornYearsAgo(5), guardians: [{ authority: true }] });
    const staff = b.token(f.staffId, 'staff');
    const r = await b.call('POST', `/children/${f.childId}/paper-decisions`, {
      token: staff,
      body: {
        purpose: 'parent_information',
        decision: 'granted',
        noticeVersion: '2025-01',
        signer: { kind: 'guardian', guardianId: f.guardianIds[0] },
        formReference: 'DOSSIER-42/3',
        signedOn: bornYearsAgo(0, 3),
      },
    });
    expect(r.status).toBe(201);
    expect(r.body.event).toMatchObject({
      actor: { kind: 'guardian', guardianId: f.guardianIds[0] },
      recordedBy: { userId: f.staffId, role: 'staff', channel: 'paper_form', formReference: 'DOSSIER-42/3' },
      noticeVersion: '2025-01',
    });
    expect(r.body.consents.purposes.parent_information.effective).toBe(true);
    const ledger = await b.call('GET', `/children/${f.childId}/ledger`, { token: b.token(f.guardianIds[0]!, 'guardian') });
    expect(ledger.body.events).toHaveLength(1);
  });

  test.each([
    ['a signer who is not a guardian of the child', 'stranger', 409, 'signer_not_linked'],
    ['a signer without parental authority', 'foster', 409, 'signer_without_authority'],
  ])('%s is refused and nothing is recorded', async (_n, who, status, code) => {
    const f = await createFamily(b, { birthDate: bornYearsAgo(5), guardians: [{ authority: true }, { authority: false }] });
    const signer = who === 'foster' ? f.guardianIds[1] : uid('stranger');
    const r = await b.call('POST', `/children/${f.childId}/paper-decisions`, {
      token: f.admin,
      body: { purpose: 'publication', decision: 'granted', noticeVersion: NOTICE, signer: { kind: 'guardian', guardianId: signer }, formReference: 'F-1', signedOn: '2026-01-05' },
    });
    expect(r).toMatchObject({ status, body: { code } });
    const ledger = await b.call('GET', `/children/${f.childId}/ledger`, { token: f.admin });
    expect(ledger.body.events).toEqual([]);
  });
});

test('consent can be evaluated at a past instant from the ledger', async () => {
  const f = await createFamily(b, { birthDate: bornYearsAgo(10), guardians: [{ authority: true }] });
  const guardian = b.token(f.guardianIds[0]!, 'guardian');
  const granted = await decide(f.childId, guardian, 'publication', 'granted');
  await new Promise((r) => setTimeout(r, 20));
  await decide(f.childId, guardian, 'publication', 'withdrawn');
  const atGrant = await b.call('GET', `/children/${f.childId}/consents?at=${granted.body.event.at}`, { token: guardian });
  expect(atGrant.body.consents.purposes.publication.effective).toBe(true);
  const before = new Date(Date.parse(granted.body.event.at) - 1).toISOString();
  const atBefore = await b.call('GET', `/children/${f.childId}/consents?at=${before}`, { token: guardian });
  expect(atBefore.body.consents.purposes.publication).toMatchObject({ effective: false, reasons: ['needs:guardian'] });
  expect(await state(f.childId, guardian, 'publication')).toMatchObject({ effective: false });
  const future = await b.call('GET', `/children/${f.childId}/consents?at=2999-01-01T00:00:00Z`, { token: guardian });
  expect(future).toMatchObject({ status: 400, body: { field: 'at' } });
});

test('a decision made on an outdated privacy notice is refused with the current version and changes nothing', async () => {
  const f = await createFamily(b, { birthDate: bornYearsAgo(10), guardians: [{ authority: true }] });
  const guardian = b.token(f.guardianIds[0]!, 'guardian');
  const r = await b.call('POST', `/children/${f.childId}/decisions`, {
    token: guardian,
    body: { purpose: 'publication', decision: 'granted', noticeVersion: '2019-01' },
  });
  expect(r).toMatchObject({ status: 409, body: { code: 'notice_outdated', currentNoticeVersion: NOTICE } });
  expect((await b.call('GET', `/children/${f.childId}/ledger`, { token: guardian })).body.events).toEqual([]);
});

describe('malformed input gets 400 naming the field, and changes nothing', () => {
  let f: Awaited<ReturnType<typeof createFamily>>;
  let guardian: string;
  beforeAll(async () => {
    f = await createFamily(b, { birthDate: bornYearsAgo(10), guardians: [{ authority: true }] });
    guardian = b.token(f.guardianIds[0]!, 'guardian');
  });

  test.each([
    ['an unknown purpose', { purpose: 'marketing', decision: 'granted', noticeVersion: NOTICE }, 'purpose'],
    ['an unknown decision', { purpose: 'publication', decision: 'maybe', noticeVersion: NOTICE }, 'decision'],
    ['a missing notice version', { purpose: 'publication', decision: 'granted' }, 'noticeVersion'],
    ['an unexpected field', { purpose: 'publication', decision: 'granted', noticeVersion: NOTICE, actor: 'child' }, 'actor'],
    ['an array instead of an object', [1, 2], 'body'],
  ])('a decision with %s', async (_n, body, field) => {
    const r = await b.call('POST', `/children/${f.childId}/decisions`, { token: guardian, body });
    expect(r.status).toBe(400);
    expect(r.body).toMatchObject({ code: 'invalid_request', field });
    expect((await b.call('GET', `/children/${f.childId}/ledger`, { token: guardian })).body.events).toEqual([]);
  });

  test('a body that is not JSON', async () => {
    const r = await b.call('POST', `/children/${f.childId}/decisions`, { token: guardian, rawBody: '{"purpose": ' });
    expect(r).toMatchObject({ status: 400, body: { field: 'body', title: 'body: is not valid JSON' } });
  });

  test.each([
    ['a birth date that does not exist', { displayName: 'X', birthDate: '2023-02-29', groupIds: ['g'] }, 'birthDate'],
    ['a birth date in the future', { displayName: 'X', birthDate: '2999-01-01', groupIds: ['g'] }, 'birthDate'],
    ['no group', { displayName: 'X', birthDate: '2020-01-01', groupIds: [] }, 'groupIds'],
    ['an id with a key separator', { childId: 'a#b', displayName: 'X', birthDate: '2020-01-01', groupIds: ['g'] }, 'childId'],
    ['an empty name', { displayName: '  ', birthDate: '2020-01-01', groupIds: ['g'] }, 'displayName'],
  ])('a child with %s', async (_n, body, field) => {
    const r = await b.call('POST', '/children', { token: f.admin, body });
    expect(r).toMatchObject({ status: 400, body: { code: 'invalid_request', field } });
  });

  test('a child in a group that does not exist is 404 and not created', async () => {
    const childId = uid('nogroup');
    const r = await b.call('POST', '/children', { token: f.admin, body: { childId, displayName: 'X', birthDate: '2020-01-01', groupIds: ['nope'] } });
    expect(r).toMatchObject({ status: 404, body: { code: 'group_not_found' } });
    expect((await b.call('GET', `/children/${childId}`, { token: f.admin })).status).toBe(404);
  });

  test('a second child with the same id is a conflict', async () => {
    const r = await b.call('POST', '/children', { token: f.admin, body: { childId: f.childId, displayName: 'X', birthDate: '2020-01-01', groupIds: [f.groupId] } });
    expect(r).toMatchObject({ status: 409, body: { code: 'child_exists' } });
  });

  test('an unknown route is 404 and a wrong method 405, in the same error format', async () => {
    expect(await b.call('GET', '/nope', { token: guardian })).toMatchObject({ status: 404, body: { code: 'route_not_found' } });
    expect(await b.call('DELETE', '/groups', { token: guardian })).toMatchObject({ status: 405, body: { code: 'method_not_allowed' } });
  });
});

test('moving a child to another group moves who on the staff can see it', async () => {
  const f = await createFamily(b, { birthDate: bornYearsAgo(4), guardians: [{ authority: true }] });
  const g2 = uid('group');
  await b.call('POST', '/groups', { token: f.admin, body: { groupId: g2, name: 'Tweede' } });
  const staff2 = uid('staff');
  await b.call('PUT', `/staff/${staff2}`, { token: f.admin, body: { displayName: 'Tweede', groupIds: [g2] } });
  expect((await b.call('GET', `/children/${f.childId}`, { token: b.token(staff2, 'staff') })).status).toBe(404);
  const moved = await b.call('PATCH', `/children/${f.childId}`, { token: f.admin, body: { groupIds: [g2] } });
  expect(moved.status).toBe(200);
  expect((await b.call('GET', `/children/${f.childId}`, { token: b.token(staff2, 'staff') })).status).toBe(200);
  expect((await b.call('GET', `/children/${f.childId}`, { token: b.token(f.staffId, 'staff') })).status).toBe(404);
  const rt = b.runtime();
  expect((await rt.children.listIdsOfGroup(f.groupId)).childIds).toEqual([]);
  expect((await rt.children.listIdsOfGroup(g2)).childIds).toEqual([f.childId]);
});
