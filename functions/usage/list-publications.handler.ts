import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { listPublications } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  specs['list-publications'],
  ({ params }) => listPublications(rt, params.mediaId),
);
export const handler = wrap(lambdaHandler);
