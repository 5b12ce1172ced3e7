import * as z from 'zod';
import { PURPOSES } from '../domain/purposes';
import { id, instant, purpose } from '../shared/schema';

/** The allow-list of SPEC section 4 and the issue: what each kind may be. */
export const CONTENT_TYPES = {
  'image/jpeg': 'photo',
  'image/png': 'photo',
  'image/heic': 'photo',
  'video/mp4': 'video',
  'video/quicktime': 'video',
} as const;
export type AllowedContentType = keyof typeof CONTENT_TYPES;

/** Photos are read whole on completion (to remove location data): keep them small enough for that. */
export const MAX_SIZE = { photo: 30 * 1024 * 1024, video: 2 * 1024 * 1024 * 1024 } as const;

/**
 * At most this many depicted children: the create transaction writes, per child, a depiction link
 * and the binding to the child as read (two of DynamoDB's 100 actions), besides the item, the
 * client reference and the audit entry.
 */
export const MAX_DEPICTED = 48;

const unique = <T>(xs: T[]) => new Set(xs).size === xs.length;

export const createMediaBody = z
  .strictObject({
    clientReference: z
      .string({ error: 'is required' })
      .regex(/^[A-Za-z0-9._-]{1,100}$/, { error: 'must be 1-100 letters, digits, or . _ -' }),
    kind: z.enum(['photo', 'video'], { error: 'must be photo or video' }),
    contentType: z.enum(Object.keys(CONTENT_TYPES) as [AllowedContentType, ...AllowedContentType[]], {
      error: `must be one of ${Object.keys(CONTENT_TYPES).join(', ')}`,
    }),
    size: z.number({ error: 'must be a number of bytes' }).int({ error: 'must be a whole number' }).min(1, { error: 'must be at least 1' }),
    recordedAt: instant,
    groupId: id,
    childIds: z
      .array(id, { error: 'must be a list of child ids' })
      .max(MAX_DEPICTED, { error: `must name at most ${MAX_DEPICTED} children` })
      .refine(unique, { error: 'must not repeat a child' }),
    purposes: z
      .array(purpose, { error: `must be a list of ${PURPOSES.join(', ')}` })
      .min(1, { error: 'must name at least one purpose' })
      .refine(unique, { error: 'must not repeat a purpose' }),
  })
  .superRefine((b, ctx) => {
    if (CONTENT_TYPES[b.contentType] !== b.kind) {
      ctx.addIssue({ code: 'custom', path: ['contentType'], message: `is not a ${b.kind} type` });
    }
    if (b.size > MAX_SIZE[b.kind]) {
      ctx.addIssue({ code: 'custom', path: ['size'], message: `must be at most ${MAX_SIZE[b.kind]} bytes for a ${b.kind}` });
    }
  });
export type CreateMediaBody = z.infer<typeof createMediaBody>;

export const mediaParams = z.object({ mediaId: id });
export const groupParams = z.object({ groupId: id });
