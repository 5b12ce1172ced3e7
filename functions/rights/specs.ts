/** The request contract of each route of this area: roles and zod schemas, read by the handlers and by the OpenAPI document. */
import { defineSpec } from '../shared/spec';
import { answerBody, childParams, createRequestBody, declineBody, openRequestsQuery, requestParams } from './schema';

export const specs = {
  'create-request': defineSpec({ roles: ['guardian', 'child', 'admin'], params: childParams, body: createRequestBody, status: 201, idempotent: 'create-request' }),
  'list-child-requests': defineSpec({ roles: ['guardian', 'child', 'admin'], params: childParams }),
  'decline-request': defineSpec({ roles: ['admin'], params: requestParams, body: declineBody }),
  'list-open-requests': defineSpec({ roles: ['admin'], query: openRequestsQuery }),
  'export-child': defineSpec({ roles: ['guardian', 'child', 'admin'], params: childParams, body: answerBody, status: 201, idempotent: 'export-child' }),
  'erase-child': defineSpec({ roles: ['admin'], params: childParams, body: answerBody }),
};
