import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { createGuardian } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  specs['create-guardian'],
  ({ body, idempotency }) => createGuardian(rt, body, idempotency),
  { idempotency: rt.idempotency },
);
export const handler = wrap(lambdaHandler);
