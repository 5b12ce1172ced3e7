import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { downloadUrl } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  specs['download'],
  ({ principal, params, query, requestId }) => downloadUrl(rt, principal, requestId, params.mediaId, query.purpose),
);
export const handler = wrap(lambdaHandler);
