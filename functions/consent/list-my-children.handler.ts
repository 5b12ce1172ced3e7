import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { listMyChildren } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(rt.verify, specs['list-my-children'], ({ principal }) =>
  listMyChildren(rt, principal),
);
export const handler = wrap(lambdaHandler);
