import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { createChild } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  specs['create-child'],
  ({ principal, body, requestId, idempotency }) => createChild(rt, principal, requestId, body, idempotency),
  { idempotency: rt.idempotency },
);
export const handler = wrap(lambdaHandler);
