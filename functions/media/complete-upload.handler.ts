import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { mediaParams } from './schema';
import { completeUpload } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  { roles: ['staff', 'admin'], params: mediaParams },
  ({ principal, params }) => completeUpload(rt, principal, params.mediaId),
);
export const handler = wrap(lambdaHandler);
