import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { coachingLibrary } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  specs['coaching'],
  ({ principal, query, requestId }) => coachingLibrary(rt, principal, requestId, query),
);
export const handler = wrap(lambdaHandler);
