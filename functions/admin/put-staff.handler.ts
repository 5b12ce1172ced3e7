import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { putStaff } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  specs['put-staff'],
  ({ params, body }) => putStaff(rt, params.staffId, body),
);
export const handler = wrap(lambdaHandler);
