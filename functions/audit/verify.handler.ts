import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { verify } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  specs['verify'],
  ({ query }) => verify(rt, query.month),
);
export const handler = wrap(lambdaHandler);
