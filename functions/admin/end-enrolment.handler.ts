import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { endEnrolment } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  specs['end-enrolment'],
  ({ principal, params, body }) => endEnrolment(rt, principal, params.childId, body.endDate),
);
export const handler = wrap(lambdaHandler);
