import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { publicationCheck } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  specs['publication-check'],
  ({ params }) => publicationCheck(rt, params.mediaId),
);
export const handler = wrap(lambdaHandler);
