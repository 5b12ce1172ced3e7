import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { groupParams } from './schema';
import { groupRoster } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  { roles: ['staff', 'admin'], params: groupParams },
  ({ principal, params }) => groupRoster(rt, principal, params.groupId),
);
export const handler = wrap(lambdaHandler);
