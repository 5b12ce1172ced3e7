import * as z from 'zod';
import { calendarDate, childParams, displayName, id } from '../shared/schema';

export { childParams };

const groupIds = z
  .array(id, { error: 'must be a list of group ids' })
  .min(1, { error: 'must name at least one group' })
  .max(10, { error: 'must name at most 10 groups' })
  .refine((ids) => new Set(ids).size === ids.length, { error: 'must not repeat a group' });

export const createGroupBody = z.strictObject({ groupId: id.optional(), name: displayName });
export type CreateGroupBody = z.infer<typeof createGroupBody>;

export const createGuardianBody = z.strictObject({ guardianId: id, displayName });
export type CreateGuardianBody = z.infer<typeof createGuardianBody>;

export const staffParams = z.object({ staffId: id });
export const putStaffBody = z.strictObject({
  displayName,
  groupIds: z.array(id, { error: 'must be a list of group ids' }).max(20).refine((ids) => new Set(ids).size === ids.length, {
    error: 'must not repeat a group',
  }),
});
export type PutStaffBody = z.infer<typeof putStaffBody>;

export const createChildBody = z.strictObject({
  childId: id.optional(),
  displayName,
  birthDate: calendarDate,
  groupIds,
});
export type CreateChildBody = z.infer<typeof createChildBody>;

export const updateChildBody = z
  .strictObject({
    displayName: displayName.optional(),
    birthDate: calendarDate.optional(),
    groupIds: groupIds.optional(),
    safeguarding: z.boolean({ error: 'must be true or false' }).optional(),
  })
  .refine((b) => Object.keys(b).length > 0, { error: 'must change at least one field' });
export type UpdateChildBody = z.infer<typeof updateChildBody>;

export const endEnrolmentBody = z.strictObject({ endDate: calendarDate });

export const guardianLinkParams = z.object({ childId: id, guardianId: id });
export const linkGuardianBody = z.strictObject({
  parentalAuthority: z.boolean({ error: 'must be true or false' }),
  relationship: z.string().trim().min(1).max(40).optional(),
});
export type LinkGuardianBody = z.infer<typeof linkGuardianBody>;
