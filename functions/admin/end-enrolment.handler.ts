import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { endEnrolment } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  specs['end-enrolment'],
  ({ principal, params, body, requestId }) => endEnrolment(rt, principal, requestId, params.childId, body.endDate),
);
export const handler = wrap(lambdaHandler);
