import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { childRequests } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  specs['list-child-requests'],
  ({ principal, params }) => childRequests(rt, principal, params.childId),
);
export const handler = wrap(lambdaHandler);
