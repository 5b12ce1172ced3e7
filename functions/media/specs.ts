/** The request contract of each route of this area: roles and zod schemas, read by the handlers and by the OpenAPI document. */
import { defineSpec } from '../shared/spec';
import { createMediaBody, groupParams, mediaParams } from './schema';

export const specs = {
  'complete-upload': defineSpec({ roles: ['staff', 'admin'], params: mediaParams }),
  'create-upload': defineSpec({ roles: ['staff', 'admin'], body: createMediaBody }),
  'delete-media': defineSpec({ roles: ['staff', 'admin'], params: mediaParams }),
  'get-media': defineSpec({ roles: ['staff', 'admin'], params: mediaParams }),
  'roster': defineSpec({ roles: ['staff', 'admin'], params: groupParams }),
};
