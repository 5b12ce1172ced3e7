import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { completeUpload } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  specs['complete-upload'],
  ({ principal, params }) => completeUpload(rt, principal, params.mediaId),
);
export const handler = wrap(lambdaHandler);
