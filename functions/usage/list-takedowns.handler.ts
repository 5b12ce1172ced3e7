import { endpoint, wrap } from '../shared/http';
import { getRuntime } from '../shared/runtime';
import { specs } from './specs';
import { listTakedowns } from './service';

const rt = getRuntime();

export const lambdaHandler = endpoint(rt.verify, specs['list-takedowns'], () => listTakedowns(rt));
export const handler = wrap(lambdaHandler);
