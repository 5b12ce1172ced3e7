import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { groupRoster } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  specs['roster'],
  ({ principal, params }) => groupRoster(rt, principal, params.groupId),
);
export const handler = wrap(lambdaHandler);
