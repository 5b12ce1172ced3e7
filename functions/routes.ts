/**
 * Every API route, once: the CDK API stack creates a function and a route from each entry,
 * and the local backend serves the same handlers from the same table.
 */
export interface RouteDefinition {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** API Gateway path with `{param}` placeholders. */
  path: string;
  /** Handler module below `functions/`, without `.handler.ts`. */
  handler: string;
}

export const ROUTES: readonly RouteDefinition[] = [
  { method: 'GET', path: '/me/children', handler: 'consent/list-my-children' },
  { method: 'GET', path: '/children/{childId}/consents', handler: 'consent/get-consents' },
  { method: 'GET', path: '/children/{childId}/ledger', handler: 'consent/get-ledger' },
  { method: 'POST', path: '/children/{childId}/decisions', handler: 'consent/record-decision' },
  { method: 'POST', path: '/children/{childId}/paper-decisions', handler: 'consent/record-paper-decision' },
  { method: 'POST', path: '/groups', handler: 'admin/create-group' },
  { method: 'GET', path: '/groups', handler: 'admin/list-groups' },
  { method: 'POST', path: '/guardians', handler: 'admin/create-guardian' },
  { method: 'PUT', path: '/staff/{staffId}', handler: 'admin/put-staff' },
  { method: 'POST', path: '/children', handler: 'admin/create-child' },
  { method: 'GET', path: '/children/{childId}', handler: 'admin/get-child' },
  { method: 'PATCH', path: '/children/{childId}', handler: 'admin/update-child' },
  { method: 'POST', path: '/children/{childId}/end', handler: 'admin/end-enrolment' },
  { method: 'PUT', path: '/children/{childId}/guardians/{guardianId}', handler: 'admin/link-guardian' },
  { method: 'DELETE', path: '/children/{childId}/guardians/{guardianId}', handler: 'admin/unlink-guardian' },
  { method: 'GET', path: '/groups/{groupId}/roster', handler: 'media/roster' },
  { method: 'POST', path: '/media', handler: 'media/create-upload' },
  { method: 'GET', path: '/media/{mediaId}', handler: 'media/get-media' },
  { method: 'POST', path: '/media/{mediaId}/complete', handler: 'media/complete-upload' },
  { method: 'DELETE', path: '/media/{mediaId}', handler: 'media/delete-media' },
  { method: 'GET', path: '/me/feed', handler: 'usage/feed' },
  { method: 'GET', path: '/coaching', handler: 'usage/coaching' },
  { method: 'GET', path: '/media/{mediaId}/download', handler: 'usage/download' },
  { method: 'GET', path: '/media/{mediaId}/publication-check', handler: 'usage/publication-check' },
  { method: 'GET', path: '/media/{mediaId}/publications', handler: 'usage/list-publications' },
  { method: 'POST', path: '/media/{mediaId}/publications', handler: 'usage/publish' },
  { method: 'GET', path: '/takedowns', handler: 'usage/list-takedowns' },
  { method: 'POST', path: '/media/{mediaId}/takedowns/{publicationId}/done', handler: 'usage/complete-takedown' },
  { method: 'POST', path: '/children/{childId}/requests', handler: 'rights/create-request' },
  { method: 'GET', path: '/children/{childId}/requests', handler: 'rights/list-child-requests' },
  { method: 'POST', path: '/children/{childId}/requests/{requestId}/decline', handler: 'rights/decline-request' },
  { method: 'GET', path: '/requests', handler: 'rights/list-open-requests' },
  { method: 'POST', path: '/children/{childId}/export', handler: 'rights/export-child' },
  { method: 'POST', path: '/children/{childId}/erasure', handler: 'rights/erase-child' },
  { method: 'GET', path: '/children/{childId}/audit', handler: 'audit/child-trail' },
  { method: 'GET', path: '/media/{mediaId}/audit', handler: 'audit/media-trail' },
  { method: 'GET', path: '/audit/verify', handler: 'audit/verify' },
];

/** GET routes that still write: each issued download URL is recorded as an access. */
export const RECORDS_ACCESS: readonly string[] = ['usage/feed', 'usage/coaching', 'usage/download'];

/** Handlers invoked by S3 rather than by HTTP: the S3 ObjectCreated notification on the upload prefix. */
export const OBJECT_CREATED_HANDLER = 'media/object-created';

/** Invoked by the table's stream for new ledger events: propagates withdrawals to footage (SPEC 5). */
export const WITHDRAWAL_STREAM_HANDLER = 'withdrawal/on-ledger-change';

/** Invoked by the table's stream for new pending audit entries: links them into the hash chain (SPEC 7). */
export const AUDIT_CHAIN_HANDLER = 'audit/chain';

/** Invoked daily by a schedule: deletes what retention or withdrawal says must go (SPEC 6). */
export const SWEEP_HANDLER = 'retention/sweep';

/** Invoked by API Gateway before every route: verifies the access token (functions/shared/auth.ts). */
export const AUTHORIZER_HANDLER = 'auth/authorizer';

/** The function name of a route's handler, e.g. `consent/record-decision` -> `ConsentRecordDecision`. */
export function handlerId(handler: string): string {
  return handler
    .split(/[/-]/)
    .map((w) => w.charAt(0).toUpperCase() + w.slice(1))
    .join('');
}
