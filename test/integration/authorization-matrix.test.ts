/**
 * Every route against every kind of caller: no token, bad tokens, the child's guardian, another
 * family's guardian, a guardian without authority, the child, another child, staff of the child's
 * group, staff of another group, and the admin.
 */
import { generateKeyPairSync } from 'node:crypto';
import { ROUTES } from '../../functions/routes';
import { signJwt } from '../../local/issuer';
import { NOTICE, bornYearsAgo, createFamily, seedAvailableItem, startTestBackend, uid, type TestBackend } from './support';

type Caller =
  | 'guardian'
  | 'otherGuardian'
  | 'guardianWithoutAuthority'
  | 'child'
  | 'otherChild'
  | 'staff'
  | 'otherStaff'
  | 'admin';

interface Fixture {
  childId: string;
  groupId: string;
  guardianId: string;
  spareGuardianId: string;
  /** A pending media item of the group, uploaded by `staff-matrix`. */
  mediaId: string;
  /** An available item of the group, of no child, for every purpose. */
  availableId: string;
}

interface Case {
  route: string;
  request: (f: Fixture) => { method: string; path: string; body?: unknown };
  /** Builds a fresh family for each call: the route changes what other cases rely on. */
  fresh?: boolean;
  expect: Record<Caller, number>;
}

const decision = { purpose: 'publication', decision: 'granted', noticeVersion: NOTICE };
const paper = { ...decision, signer: { kind: 'child' }, formReference: 'FORM-1', signedOn: '2026-01-10' };

const only = (allowed: Partial<Record<Caller, number>>, otherwise = 403): Record<Caller, number> => ({
  guardian: otherwise,
  otherGuardian: otherwise,
  guardianWithoutAuthority: otherwise,
  child: otherwise,
  otherChild: otherwise,
  staff: otherwise,
  otherStaff: otherwise,
  admin: otherwise,
  ...allowed,
});

const CASES: Case[] = [
  {
    route: 'GET /me/children',
    request: () => ({ method: 'GET', path: '/me/children' }),
    expect: only({ guardian: 200, otherGuardian: 200, guardianWithoutAuthority: 200, child: 200, otherChild: 200 }),
  },
  {
    route: 'GET /children/{childId}/consents',
    request: (f) => ({ method: 'GET', path: `/children/${f.childId}/consents` }),
    expect: only({ guardian: 200, otherGuardian: 404, guardianWithoutAuthority: 200, child: 200, otherChild: 404, staff: 200, otherStaff: 404, admin: 200 }),
  },
  {
    route: 'GET /children/{childId}/ledger',
    request: (f) => ({ method: 'GET', path: `/children/${f.childId}/ledger` }),
    expect: only({ guardian: 200, otherGuardian: 404, guardianWithoutAuthority: 200, child: 200, otherChild: 404, admin: 200 }),
  },
  {
    route: 'POST /children/{childId}/decisions',
    request: (f) => ({ method: 'POST', path: `/children/${f.childId}/decisions`, body: decision }),
    expect: only({ guardian: 201, otherGuardian: 404, guardianWithoutAuthority: 403, child: 201, otherChild: 404 }),
  },
  {
    route: 'POST /children/{childId}/paper-decisions',
    request: (f) => ({ method: 'POST', path: `/children/${f.childId}/paper-decisions`, body: paper }),
    expect: only({ staff: 201, otherStaff: 404, admin: 201 }),
  },
  {
    route: 'POST /groups',
    request: () => ({ method: 'POST', path: '/groups', body: { groupId: uid('g'), name: 'Nieuw' } }),
    expect: only({ admin: 201 }),
  },
  { route: 'GET /groups', request: () => ({ method: 'GET', path: '/groups' }), expect: only({ staff: 200, otherStaff: 200, admin: 200 }) },
  {
    route: 'POST /guardians',
    request: () => ({ method: 'POST', path: '/guardians', body: { guardianId: uid('g'), displayName: 'Ouder' } }),
    expect: only({ admin: 201 }),
  },
  {
    route: 'PUT /staff/{staffId}',
    request: (f) => ({ method: 'PUT', path: `/staff/${uid('s')}`, body: { displayName: 'Nieuw', groupIds: [f.groupId] } }),
    expect: only({ admin: 201 }),
  },
  {
    route: 'POST /children',
    request: (f) => ({ method: 'POST', path: '/children', body: { displayName: 'Nieuw', birthDate: '2019-03-03', groupIds: [f.groupId] } }),
    expect: only({ admin: 201 }),
  },
  {
    route: 'GET /children/{childId}',
    request: (f) => ({ method: 'GET', path: `/children/${f.childId}` }),
    expect: only({ guardian: 200, otherGuardian: 404, guardianWithoutAuthority: 200, child: 200, otherChild: 404, staff: 200, otherStaff: 404, admin: 200 }),
  },
  {
    route: 'PATCH /children/{childId}',
    fresh: true,
    request: (f) => ({ method: 'PATCH', path: `/children/${f.childId}`, body: { safeguarding: true } }),
    expect: only({ admin: 200 }),
  },
  {
    route: 'POST /children/{childId}/end',
    fresh: true,
    request: (f) => ({ method: 'POST', path: `/children/${f.childId}/end`, body: { endDate: '2027-08-01' } }),
    expect: only({ admin: 200 }),
  },
  {
    route: 'PUT /children/{childId}/guardians/{guardianId}',
    fresh: true,
    request: (f) => ({ method: 'PUT', path: `/children/${f.childId}/guardians/${f.spareGuardianId}`, body: { parentalAuthority: true } }),
    expect: only({ admin: 200 }),
  },
  {
    route: 'GET /groups/{groupId}/roster',
    request: (f) => ({ method: 'GET', path: `/groups/${f.groupId}/roster` }),
    expect: only({ staff: 200, otherStaff: 404, admin: 200 }),
  },
  {
    route: 'POST /media',
    request: (f) => ({
      method: 'POST',
      path: '/media',
      body: { clientReference: uid('ref'), kind: 'photo', contentType: 'image/jpeg', size: 1000, recordedAt: new Date().toISOString(), groupId: f.groupId, childIds: [], purposes: ['coaching_video'] },
    }),
    expect: only({ staff: 201, otherStaff: 404, admin: 201 }),
  },
  {
    route: 'GET /media/{mediaId}',
    request: (f) => ({ method: 'GET', path: `/media/${f.mediaId}` }),
    expect: only({ staff: 200, otherStaff: 404, admin: 200 }),
  },
  {
    route: 'POST /media/{mediaId}/complete',
    // Nothing was uploaded: a caller who may complete the item learns that (409), others get 404.
    request: (f) => ({ method: 'POST', path: `/media/${f.mediaId}/complete` }),
    expect: only({ staff: 409, otherStaff: 404, admin: 409 }),
  },
  {
    route: 'DELETE /media/{mediaId}',
    fresh: true,
    request: (f) => ({ method: 'DELETE', path: `/media/${f.mediaId}` }),
    expect: only({ staff: 204, otherStaff: 404, admin: 204 }),
  },
  {
    route: 'GET /me/feed',
    request: () => ({ method: 'GET', path: '/me/feed' }),
    // The child and the other child are 13 and 14: the feed is theirs from 16.
    expect: only({ guardian: 200, otherGuardian: 200, guardianWithoutAuthority: 200 }),
  },
  { route: 'GET /coaching', request: () => ({ method: 'GET', path: '/coaching' }), expect: only({ staff: 200, otherStaff: 200, admin: 200 }) },
  {
    route: 'GET /media/{mediaId}/download',
    request: (f) => ({ method: 'GET', path: `/media/${f.availableId}/download` }),
    expect: only({ guardian: 200, otherGuardian: 404, guardianWithoutAuthority: 200, child: 404, otherChild: 404, staff: 200, otherStaff: 404, admin: 200 }),
  },
  {
    route: 'GET /media/{mediaId}/publication-check',
    request: (f) => ({ method: 'GET', path: `/media/${f.availableId}/publication-check` }),
    expect: only({ admin: 200 }),
  },
  {
    route: 'GET /media/{mediaId}/publications',
    request: (f) => ({ method: 'GET', path: `/media/${f.availableId}/publications` }),
    expect: only({ admin: 200 }),
  },
  {
    route: 'POST /media/{mediaId}/publications',
    request: (f) => ({ method: 'POST', path: `/media/${f.availableId}/publications`, body: { channel: 'newsletter', reference: 'matrix' } }),
    expect: only({ admin: 201 }),
  },
  { route: 'GET /takedowns', request: () => ({ method: 'GET', path: '/takedowns' }), expect: only({ admin: 200 }) },
  {
    route: 'POST /media/{mediaId}/takedowns/{publicationId}/done',
    // No open task for this publication: the admin learns that (404); everyone else is refused by role.
    request: (f) => ({ method: 'POST', path: `/media/${f.availableId}/takedowns/none/done` }),
    expect: only({ admin: 404 }),
  },
  {
    route: 'POST /children/{childId}/requests',
    request: (f) => ({ method: 'POST', path: `/children/${f.childId}/requests`, body: { type: 'access' } }),
    // The child is 13: its guardians exercise its rights until 16. The admin (asked after the
    // guardian) is answered with the guardian's request, still open: 200, not a second one.
    expect: only({ guardian: 201, otherGuardian: 404, guardianWithoutAuthority: 403, child: 403, otherChild: 404, admin: 200 }),
  },
  {
    route: 'GET /children/{childId}/requests',
    request: (f) => ({ method: 'GET', path: `/children/${f.childId}/requests` }),
    expect: only({ guardian: 200, otherGuardian: 404, guardianWithoutAuthority: 403, child: 403, otherChild: 404, admin: 200 }),
  },
  {
    route: 'POST /children/{childId}/requests/{requestId}/decline',
    // No such request: the admin learns that (404); everyone else is refused by role.
    request: (f) => ({ method: 'POST', path: `/children/${f.childId}/requests/none/decline`, body: { reason: 'matrix' } }),
    expect: only({ admin: 404 }),
  },
  { route: 'GET /requests', request: () => ({ method: 'GET', path: '/requests' }), expect: only({ admin: 200 }) },
  {
    route: 'POST /children/{childId}/export',
    request: (f) => ({ method: 'POST', path: `/children/${f.childId}/export`, body: {} }),
    expect: only({ guardian: 201, otherGuardian: 404, guardianWithoutAuthority: 403, child: 403, otherChild: 404, admin: 201 }),
  },
  {
    route: 'POST /children/{childId}/erasure',
    fresh: true,
    request: (f) => ({ method: 'POST', path: `/children/${f.childId}/erasure`, body: {} }),
    expect: only({ admin: 200 }),
  },
  {
    route: 'GET /children/{childId}/audit',
    request: (f) => ({ method: 'GET', path: `/children/${f.childId}/audit` }),
    expect: only({ admin: 200 }),
  },
  {
    route: 'GET /media/{mediaId}/audit',
    request: (f) => ({ method: 'GET', path: `/media/${f.availableId}/audit` }),
    expect: only({ admin: 200 }),
  },
  { route: 'GET /audit/verify', request: () => ({ method: 'GET', path: '/audit/verify' }), expect: only({ admin: 200 }) },
  {
    route: 'DELETE /children/{childId}/guardians/{guardianId}',
    fresh: true,
    request: (f) => ({ method: 'DELETE', path: `/children/${f.childId}/guardians/${f.guardianId}` }),
    expect: only({ admin: 204 }),
  },
];

let b: TestBackend;
let shared: Fixture;
let tokens: Record<Caller, string>;
let otherFamilyChildId: string;

async function family(): Promise<Fixture> {
  const fam = await createFamily(b, {
    birthDate: bornYearsAgo(13, 30),
    guardians: [{ authority: true }, { authority: false }],
    groupId: shared?.groupId,
    staffId: 'staff-matrix',
  });
  const spareGuardianId = uid('spare');
  await b.call('POST', '/guardians', { token: fam.admin, body: { guardianId: spareGuardianId, displayName: 'Reserve' } });
  const media = await b.call('POST', '/media', {
    token: b.token('staff-matrix', 'staff'),
    body: { clientReference: uid('ref'), kind: 'photo', contentType: 'image/jpeg', size: 1000, recordedAt: new Date().toISOString(), groupId: fam.groupId, childIds: [], purposes: ['coaching_video'] },
  });
  if (media.status !== 201) throw new Error(`media: ${media.status} ${JSON.stringify(media.body)}`);
  const availableId = await seedAvailableItem(b, { groupId: fam.groupId, childIds: [], purposes: ['parent_information', 'coaching_video', 'publication'] });
  return { childId: fam.childId, groupId: fam.groupId, guardianId: fam.guardianIds[0]!, spareGuardianId, mediaId: media.body.item.mediaId, availableId };
}

beforeAll(async () => {
  b = await startTestBackend();
  shared = await family();
  const fam = await createFamily(b, { birthDate: bornYearsAgo(14), guardians: [{ authority: true }], staffId: 'staff-elsewhere' });
  otherFamilyChildId = fam.childId;
  const child = (await b.runtime().children.get(shared.childId))!;
  const withoutAuthority = Object.entries(child.guardians).find(([, l]) => !l.parentalAuthority)![0];
  tokens = {
    guardian: b.token(shared.guardianId, 'guardian'),
    otherGuardian: b.token(fam.guardianIds[0]!, 'guardian'),
    guardianWithoutAuthority: b.token(withoutAuthority, 'guardian'),
    child: b.token(shared.childId, 'child'),
    otherChild: b.token(otherFamilyChildId, 'child'),
    staff: b.token('staff-matrix', 'staff'),
    otherStaff: b.token('staff-elsewhere', 'staff'),
    admin: b.token('admin-matrix', 'admin'),
  };
});
afterAll(async () => {
  await b.stop();
});

test('the matrix covers every route of the API', () => {
  const routes = ROUTES.map((r) => `${r.method} ${r.path}`).sort();
  expect(CASES.map((c) => c.route).sort()).toEqual(routes);
});

const callers = Object.keys(CASES[0]!.expect) as Caller[];
const table = CASES.flatMap((c) => callers.map((caller) => [c.route, caller, c.expect[caller], c] as const));

test.each(table)('%s as %s answers %i', async (_route, caller, status, c) => {
  const fixture = c.fresh ? await family() : shared;
  const req = c.request(fixture);
  const res = await b.call(req.method, req.path, { token: tokens[caller], ...(req.body ? { body: req.body } : {}) });
  expect(res.status).toBe(status);
  if (status >= 400) {
    expect(res.body).toMatchObject({ status, code: expect.any(String), requestId: expect.any(String) });
    expect(JSON.stringify(res.body)).not.toContain('Kind');
  }
});

test('a guardian of another family never sees the child in their own list', async () => {
  const res = await b.call('GET', '/me/children', { token: tokens.otherGuardian });
  expect(res.status).toBe(200);
  expect(res.body.children.map((c: { childId: string }) => c.childId)).toEqual([otherFamilyChildId]);
});

describe('tokens the API must refuse on every route', () => {
  const forger = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
  const bad: Record<string, (b: TestBackend) => string | undefined> = {
    'no token': () => undefined,
    'an expired token': (b) => b.issuer.mint({ username: 'admin-matrix', role: 'admin', expiresIn: -120 }),
    'a token signed with another key': (b) => {
      const now = Math.floor(Date.now() / 1000);
      const staff = b.issuer.pools.staff;
      return signJwt(
        { iss: staff.issuer, username: 'admin-matrix', client_id: staff.clientId, token_use: 'access', 'cognito:groups': ['admin'], iat: now, exp: now + 600 },
        forger,
        'local-staff-1',
      );
    },
    'a token of an issuer nobody trusts': (b) => {
      const now = Math.floor(Date.now() / 1000);
      return signJwt(
        { iss: `${b.issuer.base}/elsewhere`, username: 'admin-matrix', client_id: 'x', token_use: 'access', 'cognito:groups': ['admin'], iat: now, exp: now + 600 },
        forger,
        'local-staff-1',
      );
    },
    'an id token': (b) => b.issuer.mint({ username: 'admin-matrix', role: 'admin', tokenUse: 'id' }),
    'a token for another app client': (b) => b.issuer.mint({ username: 'admin-matrix', role: 'admin', clientId: 'someone-else' }),
    "a staff-pool token for the other pool's app client": (b) =>
      b.issuer.mint({ username: 'admin-matrix', role: 'admin', clientId: b.issuer.pools.family.clientId }),
  };
  const rows = ROUTES.flatMap((r) => Object.keys(bad).map((kind) => [`${r.method} ${r.path}`, kind] as const));

  test.each(rows)('%s with %s answers 401', async (route, kind) => {
    const c = CASES.find((x) => x.route === route)!;
    const req = c.request(shared);
    const token = bad[kind]!(b);
    const res = await b.call(req.method, req.path, { ...(token ? { token } : {}), ...(req.body ? { body: req.body } : {}) });
    expect(res.status).toBe(401);
    expect(res.body.code).toBe('unauthorized');
  });

  test('a user in two role groups is refused with 403', async () => {
    const token = b.issuer.mint({ username: 'both', role: ['admin', 'guardian'] });
    const res = await b.call('GET', '/groups', { token });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('role_required');
  });

  // A pool can only grant its own roles: staff and admin sign in with MFA in the staff pool, so a
  // family-pool token naming a staff role (or the other way round) is never believed.
  test.each([
    ['staff', 'family', 'GET /groups'],
    ['admin', 'family', 'GET /groups'],
    ['guardian', 'staff', 'GET /me/children'],
    ['child', 'staff', 'GET /me/children'],
  ] as const)('a token with role %s signed by the %s pool is refused on %s with 403', async (role, pool, route) => {
    const [method, path] = route.split(' ') as [string, string];
    const token = b.issuer.mint({ username: `${role}-matrix`, role, pool, clientId: b.issuer.pools[pool].clientId });
    const own = b.issuer.mint({ username: `${role}-matrix`, role });

    const res = await b.call(method, path, { token });
    expect(res.status).toBe(403);
    expect(res.body.code).toBe('role_required');
    // The same user with a token of its own pool is let in.
    expect((await b.call(method, path, { token: own })).status).toBe(200);
  });
});
