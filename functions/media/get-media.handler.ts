import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { getMedia } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  specs['get-media'],
  ({ principal, params }) => getMedia(rt, principal, params.mediaId),
);
export const handler = wrap(lambdaHandler);
