import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { childParams, endEnrolmentBody } from './schema';
import { endEnrolment } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  { roles: ['admin'], params: childParams, body: endEnrolmentBody },
  ({ principal, params, body }) => endEnrolment(rt, principal, params.childId, body.endDate),
);
export const handler = wrap(lambdaHandler);
