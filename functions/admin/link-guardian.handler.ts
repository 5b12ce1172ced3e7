import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { guardianLinkParams, linkGuardianBody } from './schema';
import { linkGuardian } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(
  rt.verify,
  { roles: ['admin'], params: guardianLinkParams, body: linkGuardianBody },
  ({ principal, params, body }) => linkGuardian(rt, principal, params.childId, params.guardianId, body),
);
export const handler = wrap(lambdaHandler);
