import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { childParams, consentsQuery } from './schema';
import { getConsents } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  { roles: ['guardian', 'child', 'staff', 'admin'], params: childParams, query: consentsQuery },
  ({ principal, params, query }) => getConsents(rt, principal, params.childId, query.at),
);
export const handler = wrap(lambdaHandler);
