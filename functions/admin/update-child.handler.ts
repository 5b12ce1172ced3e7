import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { updateChild } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  specs['update-child'],
  ({ principal, params, body, requestId }) => updateChild(rt, principal, requestId, params.childId, body),
);
export const handler = wrap(lambdaHandler);
