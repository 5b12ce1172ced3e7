import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { getConsents } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  specs['get-consents'],
  ({ principal, params, query }) => getConsents(rt, principal, params.childId, query.at),
);
export const handler = wrap(lambdaHandler);
