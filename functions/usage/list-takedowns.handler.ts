import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { listTakedowns } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(rt.verify, { roles: ['admin'] }, () => listTakedowns(rt));
export const handler = wrap(lambdaHandler);
