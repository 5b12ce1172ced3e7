import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { childParams, decisionBody } from './schema';
import { recordDecision } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  { roles: ['guardian', 'child'], params: childParams, body: decisionBody },
  ({ principal, params, body }) => recordDecision(rt, principal, params.childId, body),
);
export const handler = wrap(lambdaHandler);
