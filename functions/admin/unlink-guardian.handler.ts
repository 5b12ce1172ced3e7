import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { guardianLinkParams } from './schema';
import { unlinkGuardian } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  { roles: ['admin'], params: guardianLinkParams },
  ({ principal, params }) => unlinkGuardian(rt, principal, params.childId, params.guardianId),
);
export const handler = wrap(lambdaHandler);
