/** The request contract of each route of this area: roles and zod schemas, read by the handlers and by the OpenAPI document. */
import { defineSpec } from '../shared/spec';
import { childParams, consentsQuery, decisionBody, ledgerQuery, paperDecisionBody } from './schema';

export const specs = {
  'get-consents': defineSpec({ roles: ['guardian', 'child', 'staff', 'admin'], params: childParams, query: consentsQuery }),
  'get-ledger': defineSpec({ roles: ['guardian', 'child', 'admin'], params: childParams, query: ledgerQuery }),
  'list-my-children': defineSpec({ roles: ['guardian', 'child'] }),
  'record-decision': defineSpec({ roles: ['guardian', 'child'], params: childParams, body: decisionBody, idempotent: 'record-decision' }),
  'record-paper-decision': defineSpec({ roles: ['staff', 'admin'], params: childParams, body: paperDecisionBody, idempotent: 'record-paper-decision' }),
};
