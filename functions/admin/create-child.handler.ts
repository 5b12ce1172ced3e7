import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { createChildBody } from './schema';
import { createChild } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  { roles: ['admin'], body: createChildBody, status: 201 },
  ({ principal, body }) => createChild(rt, principal, body),
);
export const handler = wrap(lambdaHandler);
