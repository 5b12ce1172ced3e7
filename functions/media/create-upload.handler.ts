import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { createUpload } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  specs['create-upload'],
  ({ principal, body, requestId }) => createUpload(rt, principal, requestId, body),
);
export const handler = wrap(lambdaHandler);
