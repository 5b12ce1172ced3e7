import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { listGroups } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  { roles: ['staff', 'admin'] },
  ({ principal }) => listGroups(rt, principal),
);
export const handler = wrap(lambdaHandler);
