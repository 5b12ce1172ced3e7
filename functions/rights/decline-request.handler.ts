import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { declineRequest } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  specs['decline-request'],
  ({ principal, params, body, requestId }) => declineRequest(rt, principal, requestId, params.childId, params.requestId, body.reason),
);
export const handler = wrap(lambdaHandler);
