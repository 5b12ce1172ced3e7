import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { publish } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  specs['publish'],
  ({ principal, params, body, requestId, idempotency }) => publish(rt, principal, requestId, params.mediaId, body, idempotency),
  { idempotency: rt.idempotency },
);
export const handler = wrap(lambdaHandler);
