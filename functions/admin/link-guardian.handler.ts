import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { linkGuardian } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  specs['link-guardian'],
  ({ principal, params, body, requestId }) => linkGuardian(rt, principal, requestId, params.childId, params.guardianId, body),
);
export const handler = wrap(lambdaHandler);
