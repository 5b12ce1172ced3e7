/** The request contract of each route of this area: roles and zod schemas, read by the handlers and by the OpenAPI document. */
import { defineSpec } from '../shared/spec';
import { coachingQuery, downloadQuery, feedQuery, mediaParams, publishBody, takedownParams } from './schema';

export const specs = {
  'coaching': defineSpec({ roles: ['staff', 'admin'], query: coachingQuery }),
  'complete-takedown': defineSpec({ roles: ['admin'], params: takedownParams }),
  'download': defineSpec({ roles: ['guardian', 'child', 'staff', 'admin'], params: mediaParams, query: downloadQuery }),
  'feed': defineSpec({ roles: ['guardian', 'child'], query: feedQuery }),
  'list-publications': defineSpec({ roles: ['admin'], params: mediaParams }),
  'list-takedowns': defineSpec({ roles: ['admin'] }),
  'publication-check': defineSpec({ roles: ['admin'], params: mediaParams }),
  'publish': defineSpec({ roles: ['admin'], params: mediaParams, body: publishBody, idempotent: 'publish' }),
};
