import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { downloadQuery, mediaParams } from './schema';
import { downloadUrl } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  { roles: ['guardian', 'child', 'staff', 'admin'], params: mediaParams, query: downloadQuery },
  ({ principal, params, query, requestId }) => downloadUrl(rt, principal, requestId, params.mediaId, query.purpose),
);
export const handler = wrap(lambdaHandler);
