import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { childParams, ledgerQuery } from './schema';
import { getLedger } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  { roles: ['guardian', 'child', 'admin'], params: childParams, query: ledgerQuery },
  ({ principal, params, query }) => getLedger(rt, principal, params.childId, query.cursor, query.limit),
);
export const handler = wrap(lambdaHandler);
