import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { childParams, updateChildBody } from './schema';
import { updateChild } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  { roles: ['admin'], params: childParams, body: updateChildBody },
  ({ principal, params, body }) => updateChild(rt, principal, params.childId, body),
);
export const handler = wrap(lambdaHandler);
