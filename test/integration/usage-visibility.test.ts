/**
 * Visibility as a property over random organisations on the real engines: an item is in a
 * guardian's feed, or in a group's coaching library, if and only if the rule holds, checked
 * against an oracle written independently of the rules module. And a feed page's cost.
 */
import fc from 'fast-check';
import type { Purpose } from '../../functions/domain/purposes';
import { NOTICE, bornYearsAgo, countDynamoCalls, seedAvailableItem, seedChild, startTestBackend, uid, type TestBackend } from './support';

let b: TestBackend;
beforeAll(async () => {
  b = await startTestBackend();
});
afterAll(async () => {
  await b.stop();
});

type Choice = 'none' | 'granted' | 'withdrawn';
const choice = fc.constantFrom<Choice>('none', 'granted', 'withdrawn');

const orgArb = fc.record({
  children: fc.array(fc.record({ group: fc.integer({ min: 0, max: 1 }), pi: choice, cv: choice }), { minLength: 1, maxLength: 4 }),
  items: fc.array(
    fc.record({
      group: fc.integer({ min: 0, max: 1 }),
      depicts: fc.array(fc.nat(), { maxLength: 3 }),
      purposes: fc.subarray<Purpose>(['parent_information', 'coaching_video', 'publication'], { minLength: 1 }),
    }),
    { maxLength: 6 },
  ),
});

async function allPages(path: string, token: string): Promise<string[]> {
  const ids: string[] = [];
  let cursor: string | undefined;
  do {
    const sep = path.includes('?') ? '&' : '?';
    const r = await b.call('GET', `${path}${cursor ? `${sep}cursor=${cursor}` : ''}`, { token });
    expect(r.status).toBe(200);
    ids.push(...r.body.items.map((i: { mediaId: string }) => i.mediaId));
    cursor = r.body.cursor;
  } while (cursor);
  return ids.sort();
}

test('feed and coaching library show exactly the items whose depicted children all consent', async () => {
  const admin = b.token('admin-prop', 'admin');
  await fc.assert(
    fc.asyncProperty(orgArb, async (org) => {
      const rt = b.runtime();
      const at = new Date().toISOString();
      const groups = [uid('pg'), uid('pg')];
      for (const groupId of groups) await rt.directory.createGroup({ groupId, name: 'P', createdAt: at });
      const staff = groups.map((g) => ({ id: uid('ps'), group: g }));
      for (const s of staff) await rt.directory.putStaff({ staffId: s.id, displayName: 'S', groupIds: [s.group], createdAt: at, updatedAt: at }, undefined);
      const kids: { group: number; pi: Choice; cv: Choice; childId: string; guardianId: string; groupId: string }[] = [];
      for (const spec of org.children) {
        const childId = uid('pc');
        const guardianId = uid('pgd');
        await seedChild(b, { childId, birthDate: bornYearsAgo(6), groupIds: [groups[spec.group]!], guardians: [{ guardianId, parentalAuthority: true }] });
        const token = b.token(guardianId, 'guardian');
        for (const [purpose, c] of [['parent_information', spec.pi], ['coaching_video', spec.cv]] as const) {
          if (c === 'none') continue;
          if (c === 'withdrawn') await b.call('POST', `/children/${childId}/decisions`, { token, body: { purpose, decision: 'granted', noticeVersion: NOTICE } });
          await b.call('POST', `/children/${childId}/decisions`, { token, body: { purpose, decision: c, noticeVersion: NOTICE } });
        }
        kids.push({ ...spec, childId, guardianId, groupId: groups[spec.group]! });
      }
      const items: { mediaId: string; group: number; depicted: typeof kids; purposes: Purpose[] }[] = [];
      for (const spec of org.items) {
        const inGroup = kids.filter((k) => k.group === spec.group);
        const depicted = [...new Set(spec.depicts.filter(() => inGroup.length > 0).map((n) => inGroup[n % inGroup.length]!))];
        const mediaId = await seedAvailableItem(b, { groupId: groups[spec.group]!, childIds: depicted.map((k) => k.childId), purposes: spec.purposes });
        items.push({ mediaId, group: spec.group, depicted, purposes: spec.purposes });
      }

      // The oracle: consent is a grant still standing; visibility needs it from every depicted child.
      const visible = (purpose: Purpose, key: 'pi' | 'cv', group: number) =>
        items.filter((i) => i.group === group && i.purposes.includes(purpose) && i.depicted.every((k) => k[key] === 'granted')).map((i) => i.mediaId).sort();

      for (const kid of kids) {
        expect(await allPages('/me/feed?limit=2', b.token(kid.guardianId, 'guardian'))).toEqual(visible('parent_information', 'pi', kid.group));
      }
      for (const [i, s] of staff.entries()) {
        expect(await allPages('/coaching?limit=2', b.token(s.id, 'staff'))).toEqual(visible('coaching_video', 'cv', i));
      }
      const everything = await allPages(`/coaching?groupId=${groups[0]}`, admin);
      expect(everything).toEqual(visible('coaching_video', 'cv', 0));
    }),
    { numRuns: 12 },
  );
});

test('a feed page costs the same number of DynamoDB requests with 5 or 120 items of history', async () => {
  const rt = b.runtime();
  const at = new Date().toISOString();
  const costs: number[] = [];
  for (const history of [5, 120]) {
    const groupId = uid('fg');
    await rt.directory.createGroup({ groupId, name: 'F', createdAt: at });
    const childId = uid('fc');
    const guardianId = uid('fgd');
    await seedChild(b, { childId, birthDate: bornYearsAgo(6), groupIds: [groupId], guardians: [{ guardianId, parentalAuthority: true }] });
    const token = b.token(guardianId, 'guardian');
    await b.call('POST', `/children/${childId}/decisions`, { token, body: { purpose: 'parent_information', decision: 'granted', noticeVersion: NOTICE } });
    for (let i = 0; i < history; i++) await seedAvailableItem(b, { groupId, childIds: i % 2 ? [childId] : [], purposes: ['parent_information'] });
    let count = 0;
    costs.push(await countDynamoCalls(async () => (count = (await b.call('GET', '/me/feed?limit=20', { token })).body.items.length)));
    expect(count).toBe(Math.min(20, history));
  }
  // Links of the guardian, the group's page, the depicted children, the access record.
  expect(costs).toEqual([4, 4]);
});
