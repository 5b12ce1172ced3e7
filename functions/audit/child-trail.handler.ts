import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { trail } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  specs['child-trail'],
  ({ params, query }) => trail(rt, { kind: 'child', childId: params.childId }, query),
);
export const handler = wrap(lambdaHandler);
