import * as z from 'zod';
import { cursor, id, limit } from '../shared/schema';

export const childTrailParams = z.object({ childId: id });
export const mediaTrailParams = z.object({ mediaId: id });
export const trailQuery = z.strictObject({ cursor, limit });

export const verifyQuery = z.strictObject({
  month: z
    .string({ error: 'is required' })
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, { error: 'must be a month as YYYY-MM' })
    .optional(),
});
