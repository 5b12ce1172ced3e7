import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { childParams, paperDecisionBody } from './schema';
import { recordPaperDecision } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  { roles: ['staff', 'admin'], params: childParams, body: paperDecisionBody },
  ({ principal, params, body }) => recordPaperDecision(rt, principal, params.childId, body),
);
export const handler = wrap(lambdaHandler);
