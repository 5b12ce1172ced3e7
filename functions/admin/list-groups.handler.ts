import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { listGroups } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  specs['list-groups'],
  ({ principal }) => listGroups(rt, principal),
);
export const handler = wrap(lambdaHandler);
