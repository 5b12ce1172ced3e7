import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { coachingQuery } from './schema';
import { coachingLibrary } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  { roles: ['staff', 'admin'], query: coachingQuery },
  ({ principal, query, requestId }) => coachingLibrary(rt, principal, requestId, query),
);
export const handler = wrap(lambdaHandler);
