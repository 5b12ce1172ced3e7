import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { createGuardianBody } from './schema';
import { createGuardian } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  { roles: ['admin'], body: createGuardianBody, status: 201 },
  ({ body }) => createGuardian(rt, body),
);
export const handler = wrap(lambdaHandler);
