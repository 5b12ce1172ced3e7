import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { unlinkGuardian } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  specs['unlink-guardian'],
  ({ principal, params, requestId }) => unlinkGuardian(rt, principal, requestId, params.childId, params.guardianId),
);
export const handler = wrap(lambdaHandler);
