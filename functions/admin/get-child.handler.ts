import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { getChild } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  specs['get-child'],
  ({ principal, params }) => getChild(rt, principal, params.childId),
);
export const handler = wrap(lambdaHandler);
