import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { listMyChildren } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(rt.verify, { roles: ['guardian', 'child'] }, ({ principal }) =>
  listMyChildren(rt, principal),
);
export const handler = wrap(lambdaHandler);
