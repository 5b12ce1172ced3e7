import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { recordDecision } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  specs['record-decision'],
  ({ principal, params, body, requestId, idempotency }) => recordDecision(rt, principal, requestId, params.childId, body, idempotency),
  { idempotency: rt.idempotency },
);
export const handler = wrap(lambdaHandler);
