import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { completeTakedown } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  specs['complete-takedown'],
  ({ principal, params, requestId }) => completeTakedown(rt, principal, requestId, params.mediaId, params.publicationId),
);
export const handler = wrap(lambdaHandler);
