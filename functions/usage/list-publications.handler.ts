import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { mediaParams } from './schema';
import { listPublications } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  { roles: ['admin'], params: mediaParams },
  ({ params }) => listPublications(rt, params.mediaId),
);
export const handler = wrap(lambdaHandler);
