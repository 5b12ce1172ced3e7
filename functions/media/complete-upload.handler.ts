import { endpoint, wrap } from '../shared/http';
import { callerContext } from '../shared/audit';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { completeUpload } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  specs['complete-upload'],
  ({ principal, params, requestId }) => completeUpload(rt, principal, params.mediaId, callerContext(principal, requestId)),
);
export const handler = wrap(lambdaHandler);
