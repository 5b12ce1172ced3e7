import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { eraseChild } from './erasure';

const rt = getRuntime();

/**
 * How long an erasure may run within the request: the HTTP API waits 30 seconds at most. What is
 * left after this is done by a retry of the same call, or by the next sweep.
 */
export const ERASURE_TIME_BUDGET_MS = 20_000;

export const lambdaHandler = endpoint(
  rt.verify,
  specs['erase-child'],
  ({ principal, params, body, requestId }) => eraseChild(rt, principal, requestId, params.childId, body, { deadline: Date.now() + ERASURE_TIME_BUDGET_MS }),
);
export const handler = wrap(lambdaHandler);
