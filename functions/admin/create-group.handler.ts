import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { createGroupBody } from './schema';
import { createGroup } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  { roles: ['admin'], body: createGroupBody, status: 201 },
  ({ body }) => createGroup(rt, body),
);
export const handler = wrap(lambdaHandler);
