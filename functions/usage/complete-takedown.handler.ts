import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { takedownParams } from './schema';
import { completeTakedown } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  { roles: ['admin'], params: takedownParams },
  ({ principal, params }) => completeTakedown(rt, principal, params.mediaId, params.publicationId),
);
export const handler = wrap(lambdaHandler);
