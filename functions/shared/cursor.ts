/** Opaque pagination cursors: the last evaluated key, base64url-encoded, checked on the way back in. */
import { ValidationError } from './errors';

export type Key = Record<string, string>;

export function encodeCursor(key: Record<string, unknown> | undefined): string | undefined {
  return key ? Buffer.from(JSON.stringify(key)).toString('base64url') : undefined;
}

/**
 * Decodes a cursor and checks it belongs to the list being read (`expected` attributes must match),
 * so that a cursor cannot be used to read another partition.
 */
export function decodeCursor(cursor: string | undefined, expected: Record<string, string>, field = 'cursor'): Key | undefined {
  if (cursor === undefined) return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new ValidationError(field, 'is not a cursor returned by this list');
  }
  if (
    typeof parsed !== 'object' ||
    parsed === null ||
    Array.isArray(parsed) ||
    !Object.values(parsed).every((v) => typeof v === 'string') ||
    !Object.entries(expected).every(([k, v]) => (parsed as Key)[k] === v)
  ) {
    throw new ValidationError(field, 'is not a cursor returned by this list');
  }
  return parsed as Key;
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
    throw new ValidationError(field, 'is not a cursor returned by this list');
  }
  if (!valid(parsed)) throw new ValidationError(field, 'is not a cursor returned by this list');
  return parsed;
}
