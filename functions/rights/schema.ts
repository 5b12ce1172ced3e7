import * as z from 'zod';
import { REQUEST_TYPES } from '../shared/repositories/requests';
import { childParams, cursor, id, instant, limit } from '../shared/schema';

export { childParams };

export const requestParams = z.object({ childId: id, requestId: id });

export const createRequestBody = z.strictObject({
  type: z.enum(REQUEST_TYPES, { error: `must be one of ${REQUEST_TYPES.join(', ')}` }),
  /** Admin only: when a letter, mail or call with the request was received. */
  receivedAt: instant.optional(),
});
export type CreateRequestBody = z.infer<typeof createRequestBody>;

/** Which open request an export or erasure answers; without it, the oldest open one, or a new one. */
export const answerBody = z.strictObject({ requestId: id.optional() });

export const declineBody = z.strictObject({
  reason: z.string({ error: 'is required' }).trim().min(1, { error: 'must not be empty' }).max(1000, { error: 'must be at most 1000 characters' }),
});

export const openRequestsQuery = z.strictObject({ cursor, limit });
