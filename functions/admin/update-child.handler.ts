import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { updateChild } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  specs['update-child'],
  ({ principal, params, body }) => updateChild(rt, principal, params.childId, body),
);
export const handler = wrap(lambdaHandler);
