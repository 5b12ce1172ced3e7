/** The request contract of each route of this area: roles and zod schemas, read by the handlers and by the OpenAPI document. */
import { defineSpec } from '../shared/spec';
import { childParams, createChildBody, createGroupBody, createGuardianBody, endEnrolmentBody, guardianLinkParams, linkGuardianBody, putStaffBody, staffParams, updateChildBody } from './schema';

export const specs = {
  'create-child': defineSpec({ roles: ['admin'], body: createChildBody, status: 201, idempotent: 'create-child' }),
  'create-group': defineSpec({ roles: ['admin'], body: createGroupBody, status: 201, idempotent: 'create-group' }),
  'create-guardian': defineSpec({ roles: ['admin'], body: createGuardianBody, status: 201, idempotent: 'create-guardian' }),
  'end-enrolment': defineSpec({ roles: ['admin'], params: childParams, body: endEnrolmentBody }),
  'get-child': defineSpec({ roles: ['guardian', 'child', 'staff', 'admin'], params: childParams }),
  'link-guardian': defineSpec({ roles: ['admin'], params: guardianLinkParams, body: linkGuardianBody }),
  'list-groups': defineSpec({ roles: ['staff', 'admin'] }),
  'put-staff': defineSpec({ roles: ['admin'], params: staffParams, body: putStaffBody }),
  'unlink-guardian': defineSpec({ roles: ['admin'], params: guardianLinkParams }),
  'update-child': defineSpec({ roles: ['admin'], params: childParams, body: updateChildBody }),
};
