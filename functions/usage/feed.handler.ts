import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { parentFeed } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  specs['feed'],
  ({ principal, query, requestId }) => parentFeed(rt, principal, requestId, query),
);
export const handler = wrap(lambdaHandler);
