/** The one retry loop for optimistic writes: again while the state changed, a clear error when it keeps changing. */
import { STALE, retryOnStale } from '../../../functions/shared/retry';

const noSleep = async () => undefined;

test('an attempt that found the state changed is made again, and its result returned', async () => {
  const seen: number[] = [];
  const result = await retryOnStale(async (n) => (seen.push(n), n < 3 ? STALE : `done at ${n}`), { exhausted: () => new Error('x'), sleep: noSleep });
  expect(result).toBe('done at 3');
  expect(seen).toEqual([1, 2, 3]);
});

test('a state that keeps changing ends in the caller\'s error after the attempts it allows', async () => {
  let attempts = 0;
  await expect(retryOnStale(async () => (attempts++, STALE), { attempts: 4, exhausted: () => new Error('changed too often'), sleep: noSleep })).rejects.toThrow('changed too often');
  expect(attempts).toBe(4);
});

test('an error of an attempt is not retried', async () => {
  let attempts = 0;
  await expect(retryOnStale(async () => { attempts++; throw new Error('boom'); }, { exhausted: () => new Error('x'), sleep: noSleep })).rejects.toThrow('boom');
  expect(attempts).toBe(1);
});
