/** Opaque pagination cursors: the last evaluated key, base64url-encoded, checked on the way back in. */
import { ValidationError } from './errors';

export type Key = Record<string, string>;

/**
 * The key a list's query hands back as its last evaluated key: each attribute with its exact value
 * (the partition being read) or a prefix its values have (the sort keys of the list).
 */
export type CursorShape = Record<string, string | { prefix: string }>;

export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

const notOurs = (field: string) => new ValidationError(field, 'is not a cursor returned by this list');

/**
 * Decodes a cursor and checks that it has exactly the shape of the list's keys, so that a cursor
 * can neither read another partition nor reach DynamoDB as a key it refuses.
 */
export function decodeCursor(cursor: string | undefined, shape: CursorShape, field = 'cursor'): Key | undefined {
  if (cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw notOurs(field);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw notOurs(field);
  const entries = Object.entries(parsed);
  const wanted = Object.keys(shape);
  if (entries.length !== wanted.length) throw notOurs(field);
  const key: Key = {};
  for (const [name, value] of entries) {
    const expected = shape[name];
    if (expected === undefined || typeof value !== 'string' || value.length === 0 || value.length > 1024) throw notOurs(field);
    if (typeof expected === 'string' ? value !== expected : !value.startsWith(expected.prefix)) throw notOurs(field);
    key[name] = value;
  }
  return key;
}

/** An opaque cursor around any JSON value, checked with `valid` on the way back in. */
export function encodeCursorObject(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursorObject<T>(cursor: string | undefined, valid: (v: unknown) => v is T, field = 'cursor'): T | undefined {
  if (cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw notOurs(field);
  }
  if (!valid(parsed)) throw notOurs(field);
  return parsed;
}
