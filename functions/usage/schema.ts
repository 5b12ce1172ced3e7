import * as z from 'zod';
import { calendarDate, cursor, id, limit, purpose } from '../shared/schema';

export const feedQuery = z.strictObject({ cursor, limit });

export const coachingQuery = z
  .strictObject({ groupId: id.optional(), from: calendarDate.optional(), to: calendarDate.optional(), cursor, limit })
  .refine((q) => !q.from || !q.to || q.from <= q.to, { error: 'must not be after to', path: ['from'] });
export type CoachingQuery = z.infer<typeof coachingQuery>;

export const mediaParams = z.object({ mediaId: id });
export const downloadQuery = z.strictObject({ purpose: purpose.optional() });

export const publishBody = z.strictObject({
  /** One of the organisation's channels (checked against its settings by the service). */
  channel: z.string({ error: 'is required' }).min(1, { error: 'must not be empty' }).max(32, { error: 'must be one of the organisation\'s channels' }),
  reference: z.string({ error: 'is required' }).trim().min(1, { error: 'must not be empty' }).max(500, { error: 'must be at most 500 characters' }),
});
export type PublishBody = z.infer<typeof publishBody>;


export const takedownParams = z.object({ mediaId: id, publicationId: id });
