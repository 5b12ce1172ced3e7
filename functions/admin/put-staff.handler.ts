import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { putStaffBody, staffParams } from './schema';
import { putStaff } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  { roles: ['admin'], params: staffParams, body: putStaffBody },
  ({ params, body }) => putStaff(rt, params.staffId, body),
);
export const handler = wrap(lambdaHandler);
