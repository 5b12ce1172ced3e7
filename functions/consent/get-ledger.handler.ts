import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { getLedger } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  specs['get-ledger'],
  ({ principal, params, query }) => getLedger(rt, principal, params.childId, query.cursor, query.limit),
);
export const handler = wrap(lambdaHandler);
