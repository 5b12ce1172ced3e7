import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { mediaParams, publishBody } from './schema';
import { publish } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  { roles: ['admin'], params: mediaParams, body: publishBody },
  ({ principal, params, body }) => publish(rt, principal, params.mediaId, body),
);
export const handler = wrap(lambdaHandler);
