import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { deleteOwnMedia } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  specs['delete-media'],
  ({ principal, params, requestId }) => deleteOwnMedia(rt, principal, requestId, params.mediaId),
);
export const handler = wrap(lambdaHandler);
