import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { feedQuery } from './schema';
import { parentFeed } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  { roles: ['guardian', 'child'], query: feedQuery },
  ({ principal, query, requestId }) => parentFeed(rt, principal, requestId, query),
);
export const handler = wrap(lambdaHandler);
