import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { childParams } from './schema';
import { getChild } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  { roles: ['guardian', 'child', 'staff', 'admin'], params: childParams },
  ({ principal, params }) => getChild(rt, principal, params.childId),
);
export const handler = wrap(lambdaHandler);
