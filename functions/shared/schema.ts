/** Building blocks for request schemas, shared by every area. */
import * as z from 'zod';
import { isCalendarDate } from '../domain/calendar';
import { DECISIONS, PURPOSES } from '../domain/purposes';

/** Record ids are Cognito usernames or generated ids; `#` is reserved for keys. */
export const id = z
  .string({ error: 'is required' })
  .regex(/^[A-Za-z0-9][A-Za-z0-9._@-]{0,99}$/, { error: 'must be 1-100 letters, digits, or . _ @ -' });

/** Dates and instants of this domain lie after 1900: anything earlier is a mistake, never a question. */
export const EARLIEST_YEAR = 1900;

export const calendarDate = z
  .string({ error: 'is required' })
  .refine(isCalendarDate, { error: 'must be a date as YYYY-MM-DD' })
  .refine((d) => Number(d.slice(0, 4)) >= EARLIEST_YEAR, { error: `must be in ${EARLIEST_YEAR} or later` });

export const instant = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 date-time' })
  .refine((t) => new Date(t).getUTCFullYear() >= EARLIEST_YEAR, { error: `must be in ${EARLIEST_YEAR} or later` });

export const purpose = z.enum(PURPOSES, { error: `must be one of ${PURPOSES.join(', ')}` });
export const decision = z.enum(DECISIONS, { error: `must be one of ${DECISIONS.join(', ')}` });

export const displayName = z
  .string({ error: 'is required' })
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(80, { error: 'must be at most 80 characters' });

export const noticeVersion = z
  .string({ error: 'is required' })
  .trim()
  .min(1, { error: 'must not be empty' })
  .max(40, { error: 'must be at most 40 characters' });

export const cursor = z.string().max(2048, { error: 'is too long' }).optional();

export const limit = z.coerce
  .number({ error: 'must be a number' })
  .int({ error: 'must be a whole number' })
  .min(1, { error: 'must be at least 1' })
  .max(100, { error: 'must be at most 100' })
  .optional();

export const childParams = z.object({ childId: id });
