import * as z from 'zod';
import { calendarDate, childParams, cursor, decision, id, instant, limit, noticeVersion, purpose } from '../shared/schema';

export { childParams };

export const consentsQuery = z.object({ at: instant.optional() }).strict();

export const ledgerQuery = z.object({ cursor, limit }).strict();

export const decisionBody = z.strictObject({ purpose, decision, noticeVersion });
export type DecisionBody = z.infer<typeof decisionBody>;

export const signer = z.discriminatedUnion(
  'kind',
  [z.strictObject({ kind: z.literal('guardian'), guardianId: id }), z.strictObject({ kind: z.literal('child') })],
  { error: 'must be {"kind":"guardian","guardianId":…} or {"kind":"child"}' },
);

export const paperDecisionBody = z.strictObject({
  purpose,
  decision,
  noticeVersion,
  signer,
  formReference: z.string({ error: 'is required' }).trim().min(1, { error: 'must not be empty' }).max(100),
  signedOn: calendarDate,
});
export type PaperDecisionBody = z.infer<typeof paperDecisionBody>;
