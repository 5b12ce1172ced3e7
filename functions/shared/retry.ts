/**
 * The one retry loop for optimistic writes: read, decide, write on condition that what was read
 * still holds; when it no longer does, read again and decide again. Jittered back-off between
 * attempts, so that writers that collided do not collide again.
 */

/** What an attempt returns when what it read changed before it could write: try again. */
export const STALE = Symbol('stale');
export type Stale = typeof STALE;

export interface RetryOptions {
  /** Attempts in all; 8 unless said. */
  attempts?: number;
  /** The error when every attempt found the state changed (the caller's 409). */
  exhausted: () => Error;
  sleep?: (ms: number) => Promise<void>;
}

const pause = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function retryOnStale<T>(attempt: (n: number) => Promise<T | Stale>, options: RetryOptions): Promise<T> {
  const attempts = options.attempts ?? 8;
  const sleep = options.sleep ?? pause;
  for (let n = 1; n <= attempts; n++) {
    const result = await attempt(n);
    if (result !== STALE) return result;
    if (n < attempts) await sleep(Math.random() * Math.min(250, 10 * 2 ** n));
  }
  throw options.exhausted();
}
