import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { exportChild } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  specs['export-child'],
  ({ principal, params, body, requestId, idempotency }) => exportChild(rt, principal, requestId, params.childId, body, idempotency),
  { idempotency: rt.idempotency },
);
export const handler = wrap(lambdaHandler);
