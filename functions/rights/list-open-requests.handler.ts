import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { openRequests } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  specs['list-open-requests'],
  ({ query }) => openRequests(rt, query),
);
export const handler = wrap(lambdaHandler);
