/** The request contract of each route of this area: roles and zod schemas, read by the handlers and by the OpenAPI document. */
import { defineSpec } from '../shared/spec';
import { childTrailParams, mediaTrailParams, trailQuery, verifyQuery } from './schema';

export const specs = {
  'child-trail': defineSpec({ roles: ['admin'], params: childTrailParams, query: trailQuery }),
  'media-trail': defineSpec({ roles: ['admin'], params: mediaTrailParams, query: trailQuery }),
  'verify': defineSpec({ roles: ['admin'], query: verifyQuery }),
};
