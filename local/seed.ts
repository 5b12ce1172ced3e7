/**
 * Demo organisation for the app teams: two groups; children aged about 5, 13 and 17 (birth dates
 * relative to today so the ages hold); two guardians with authority for the youngest, a foster
 * parent without authority beside a guardian for the 13-year-old; staff for each group; an admin.
 */
import { createChild, linkGuardian } from '../functions/admin/service';
import { addYears, amsterdamDate } from '../functions/domain/calendar';
import type { Principal, Role } from '../functions/shared/auth';
import type { Runtime } from '../functions/shared/runtime';

export const DEMO_USERS: Record<string, Role> = {
  'guardian-anna': 'guardian',
  'guardian-bram': 'guardian',
  'guardian-carla': 'guardian',
  'foster-dirk': 'guardian',
  'guardian-eva': 'guardian',
  'child-noor': 'child',
  'child-daan': 'child',
  'staff-femke': 'staff',
  'staff-gijs': 'staff',
  'admin-hanna': 'admin',
};

/** Loads the demo data unless it is there already. Returns whether anything was written. */
export async function seedDemo(rt: Runtime): Promise<boolean> {
  if (await rt.directory.getGroup('zonnebloem')) return false;
  const now = rt.now();
  const at = now.toISOString();
  const today = amsterdamDate(now);
  const bornYearsAgo = (years: number, daysEarlier: number) =>
    new Date(Date.parse(`${addYears(today, -years)}T12:00:00Z`) - daysEarlier * 86_400_000).toISOString().slice(0, 10);

  await rt.directory.createGroup({ groupId: 'zonnebloem', name: 'Groep Zonnebloem', createdAt: at });
  await rt.directory.createGroup({ groupId: 'regenboog', name: 'Groep Regenboog', createdAt: at });
  for (const [guardianId, displayName] of [
    ['guardian-anna', 'Anna de Vries'],
    ['guardian-bram', 'Bram de Vries'],
    ['guardian-carla', 'Carla Jansen'],
    ['foster-dirk', 'Dirk Bakker'],
    ['guardian-eva', 'Eva Visser'],
  ] as const) {
    await rt.directory.createGuardian({ guardianId, displayName, createdAt: at });
  }
  await rt.directory.putStaff({ staffId: 'staff-femke', displayName: 'Femke Smit', groupIds: ['zonnebloem'], createdAt: at, updatedAt: at }, undefined);
  await rt.directory.putStaff({ staffId: 'staff-gijs', displayName: 'Gijs Mulder', groupIds: ['regenboog'], createdAt: at, updatedAt: at }, undefined);

  // Children and their guardians the way the admin enters them, so that their facts have a history.
  const admin: Principal = { userId: 'admin-hanna', role: 'admin' };
  const child = (childId: string, displayName: string, birthDate: string, groupIds: string[]) => createChild(rt, admin, 'demo-seed', { childId, displayName, birthDate, groupIds });
  await child('child-sam', 'Sam', bornYearsAgo(5, 40), ['zonnebloem']);
  await child('child-noor', 'Noor', bornYearsAgo(13, 100), ['regenboog']);
  await child('child-daan', 'Daan', bornYearsAgo(17, 200), ['regenboog']);

  const link = (childId: string, guardianId: string, parentalAuthority: boolean, relationship: string) =>
    linkGuardian(rt, admin, 'demo-seed', childId, guardianId, { parentalAuthority, relationship });
  await link('child-sam', 'guardian-anna', true, 'parent');
  await link('child-sam', 'guardian-bram', true, 'parent');
  await link('child-noor', 'guardian-carla', true, 'parent');
  await link('child-noor', 'foster-dirk', false, 'foster parent');
  await link('child-daan', 'guardian-eva', true, 'parent');
  return true;
}
