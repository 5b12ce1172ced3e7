import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { createGuardian } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  specs['create-guardian'],
  ({ body }) => createGuardian(rt, body),
);
export const handler = wrap(lambdaHandler);
