import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { createMediaBody } from './schema';
import { createUpload } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  { roles: ['staff', 'admin'], body: createMediaBody },
  ({ principal, body }) => createUpload(rt, principal, body),
);
export const handler = wrap(lambdaHandler);
