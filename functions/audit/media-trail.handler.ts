import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { trail } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  specs['media-trail'],
  ({ params, query }) => trail(rt, { kind: 'media', mediaId: params.mediaId }, query),
);
export const handler = wrap(lambdaHandler);
