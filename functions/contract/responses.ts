/**
 * The success bodies of the API, as zod schemas: documentation and contract only (the handlers do
 * not parse their own answers). Objects are loose: the key fields are named and typed, and an
 * added field does not break a client. The integration tests validate every answer against them.
 */
import * as z from 'zod';
import { channelId } from '../domain/channels';
import { DECISIONS, PURPOSES } from '../domain/purposes';
import { ROLES } from '../shared/auth';

const instant = z.string().meta({ format: 'date-time', examples: ['2026-09-15T08:30:00.000Z'] });
const date = z.string().meta({ format: 'date', examples: ['2026-09-15'] });
const purpose = z.enum(PURPOSES);
const decision = z.enum(DECISIONS);
const reasons = z.array(z.string()).meta({
  description:
    'Why consent does not hold: needs:guardian, needs:child, withdrawn_by:guardian:<id>, withdrawn_by:child, no_guardian_with_authority, safeguarding (parents and children: blocked_by_organisation), ended',
});

/** The RFC 9457 problem details every 4xx and 5xx answer carries. */
export const problem = z
  .looseObject({
    type: z.string().meta({ description: 'https://beeldtoestemming.nl/problems/<code>' }),
    title: z.string().meta({ description: 'A human-readable message (English)' }),
    status: z.number().int(),
    code: z.string().meta({ description: 'A stable machine code the apps translate; see the list of codes' }),
    requestId: z.string().optional().meta({ description: 'The request id, also in the logs (absent only for answers of the gateway itself)' }),
    field: z.string().optional().meta({ description: 'Validation errors: the offending field, e.g. body.purpose is named `purpose`' }),
    reason: z.string().optional().meta({ description: 'Validation errors: what is wrong with the field' }),
    blockers: z.array(z.looseObject({})).optional().meta({ description: 'Refusals for consent: which children and purposes block' }),
  })
  .meta({ title: 'Problem' });

const actorDecision = z.looseObject({ actor: z.string(), decision: decision.nullable(), counts: z.boolean() });
const purposeVerdict = z.looseObject({
  purpose,
  effective: z.boolean(),
  reasons,
  deciders: z.array(actorDecision),
  ignored: z.array(actorDecision),
});
export const consentVerdict = z.looseObject({
  evaluatedAt: instant,
  age: z.number().int(),
  ageBand: z.enum(['under_12', '12_to_15', '16_plus']),
  policy: z.enum(['youth-care', 'uavg']),
  purposes: z.looseObject({ parent_information: purposeVerdict, coaching_video: purposeVerdict, publication: purposeVerdict }),
});

const period = { from: instant, to: instant.optional() };
const factsHistory = z.looseObject({
  guardians: z.array(z.looseObject({ guardianId: z.string(), parentalAuthority: z.boolean(), ...period })),
  safeguarding: z.array(z.looseObject(period)),
  groups: z.array(z.looseObject({ groupId: z.string(), ...period })),
  enrolment: z.looseObject({ from: instant, endDate: date.optional(), endRecordedAt: instant.optional(), endsAt: instant.optional() }),
});

const guardianLinkView = z.looseObject({ guardianId: z.string(), parentalAuthority: z.boolean(), relationship: z.string().optional() });
export const child = z.looseObject({
  childId: z.string(),
  displayName: z.string(),
  birthDate: date,
  age: z.number().int(),
  groupIds: z.array(z.string()),
  status: z.enum(['active', 'ended']),
  endDate: date.optional(),
  safeguarding: z.boolean().optional().meta({ description: 'Shown to staff and the admin only' }),
  guardians: z.array(guardianLinkView),
  history: factsHistory.optional().meta({ description: 'The admin only: how the facts the consent rules use changed, each period with the instant it was recorded (evaluation at a past instant uses them)' }),
});
const childWithConsents = child.extend({ consents: consentVerdict });

export const myChildren = z.looseObject({ children: z.array(childWithConsents) });
export const consents = z.looseObject({ childId: z.string(), consents: consentVerdict });

const actor = z.union([z.looseObject({ kind: z.literal('guardian'), guardianId: z.string() }), z.looseObject({ kind: z.literal('child') })]);
export const consentEvent = z.looseObject({
  eventId: z.string(),
  childId: z.string(),
  purpose,
  decision,
  actor,
  recordedBy: z.looseObject({
    userId: z.string().optional().meta({ description: 'Absent for guardians and children when a staff member or the admin recorded it: they are shown by role' }),
    role: z.enum(ROLES),
    channel: z.enum(['app', 'paper_form']),
    formReference: z.string().optional(),
    signedOn: date.optional(),
  }),
  noticeVersion: z.string(),
  at: instant,
});
export const ledger = z.looseObject({ childId: z.string(), events: z.array(consentEvent), cursor: z.string().optional() });
export const decisionRecorded = z.looseObject({ event: consentEvent, consents: consentVerdict });

export const group = z.looseObject({ groupId: z.string(), name: z.string(), createdAt: instant });
export const groups = z.looseObject({ groups: z.array(group) });
export const guardian = z.looseObject({ guardianId: z.string(), displayName: z.string(), createdAt: instant });
export const staff = z.looseObject({ staffId: z.string(), displayName: z.string(), groupIds: z.array(z.string()), createdAt: instant, updatedAt: instant });
export const guardianLink = z.looseObject({
  childId: z.string(),
  guardianId: z.string(),
  parentalAuthority: z.boolean(),
  since: instant,
  relationship: z.string().optional(),
});
export const childDetail = childWithConsents;

const rosterPurpose = z.looseObject({ mayRecord: z.boolean(), reasons, waitingFor: z.array(z.string()) });
export const roster = z.looseObject({
  groupId: z.string(),
  evaluatedAt: instant,
  children: z.array(
    z.looseObject({
      childId: z.string(),
      displayName: z.string(),
      age: z.number().int(),
      ageBand: z.string(),
      purposes: z.record(z.string(), rosterPurpose),
    }),
  ),
});

const blocker = z.looseObject({ childId: z.string(), purpose, when: z.enum(['recorded_at', 'now']), reasons });
export const mediaItem = z.looseObject({
  mediaId: z.string(),
  groupId: z.string(),
  kind: z.enum(['photo', 'video']),
  contentType: z.string(),
  size: z.number().int(),
  recordedAt: instant,
  uploadedBy: z.string(),
  childIds: z.array(z.string()),
  purposes: z.array(purpose),
  status: z.enum(['pending', 'available', 'refused']),
  refusal: z.looseObject({ code: z.string(), detail: z.string() }).optional(),
  locationRemoved: z.boolean().optional(),
  published: z.boolean().optional(),
  retainedBecausePublished: z.unknown().optional(),
  deletionDates: z.record(z.string(), date),
  dueDate: date,
  clientReference: z.string(),
  createdAt: instant,
  completedAt: instant.optional(),
});
const presignedUpload = z.looseObject({
  method: z.literal('PUT'),
  url: z.string(),
  headers: z.record(z.string(), z.string()).meta({ description: 'Send exactly these headers with the PUT' }),
  expiresAt: instant,
});
export const uploadCreated = z.looseObject({ item: mediaItem, upload: presignedUpload.optional() });
export const mediaCompleted = z.looseObject({ item: mediaItem });

const download = z.looseObject({ url: z.string(), expiresAt: instant });
export const feed = z.looseObject({
  items: z.array(
    z.looseObject({
      mediaId: z.string(),
      groupId: z.string(),
      kind: z.enum(['photo', 'video']),
      contentType: z.string(),
      recordedAt: instant,
      myChildrenDepicted: z.array(z.string()),
      download,
    }),
  ),
  cursor: z.string().optional(),
});
export const coaching = z.looseObject({
  items: z.array(
    z.looseObject({
      mediaId: z.string(),
      groupId: z.string(),
      kind: z.enum(['photo', 'video']),
      contentType: z.string(),
      recordedAt: instant,
      uploadedBy: z.string(),
      childIds: z.array(z.string()),
      purposes: z.array(purpose),
      download,
    }),
  ),
  cursor: z.string().optional(),
});
export const downloadUrl = z.looseObject({ mediaId: z.string(), purpose, url: z.string(), expiresAt: instant });
export const publicationCheck = z.looseObject({
  mediaId: z.string(),
  publishable: z.boolean(),
  reasons: z.array(z.string()).meta({ description: 'not_available, not_recorded_for_publication, retention_ended (its publication purpose ended, whether or not the sweep has run), retained_after_withdrawal' }),
  blockers: z
    .array(blocker.extend({ reasons: z.array(z.string()) }))
    .meta({ description: 'Per depicted child: its consent reasons, or child_not_found, being_erased, withdrawn_since_recording (a withdrawal took this purpose from the footage; a later grant does not bring it back)' }),
});
export const publication = z.looseObject({
  publicationId: z.string(),
  mediaId: z.string(),
  channel: channelId,
  reference: z.string(),
  publishedAt: instant,
  publishedBy: z.string(),
});
export const publications = z.looseObject({ mediaId: z.string(), publications: z.array(publication) });
export const takedowns = z.looseObject({
  takedowns: z.array(
    z.looseObject({
      mediaId: z.string(),
      publicationId: z.string(),
      channel: channelId,
      reference: z.string(),
      childId: z.string(),
      openedAt: instant,
      dueDate: date,
    }),
  ),
});
export const takedownDone = z.looseObject({ mediaId: z.string(), publicationId: z.string(), done: z.literal(true) });

export const dataSubjectRequest = z.looseObject({
  requestId: z.string(),
  childId: z.string(),
  type: z.enum(['access', 'erasure']),
  status: z.enum(['open', 'fulfilled', 'declined']),
  receivedAt: instant,
  recordedAt: instant,
  requestedBy: z
    .looseObject({ userId: z.string().optional(), role: z.string() })
    .meta({ description: "Who asked: to a family, someone outside the family (the admin who recorded a letter) by role only; likewise `fulfilledBy` and `declinedBy` are left out for families unless they name one of the family" }),
  channel: z.enum(['app', 'recorded_by_admin']),
  dueDate: date.meta({ description: 'Four weeks after `receivedAt`' }),
  overdue: z.boolean(),
  fulfilledAt: instant.optional(),
  declinedAt: instant.optional(),
  declineReason: z.string().optional(),
});
export const childRequests = z.looseObject({ childId: z.string(), requests: z.array(dataSubjectRequest) });
export const openRequests = z.looseObject({ requests: z.array(dataSubjectRequest), cursor: z.string().optional() });
export const exported = z.looseObject({
  request: dataSubjectRequest,
  export: z.looseObject({
    url: z.string().meta({ description: 'A short-lived URL of the JSON document (OpenAPI component ChildExportV1)' }),
    expiresAt: instant,
    format: z.literal('beeldtoestemming.child-export'),
    formatVersion: z.number().int(),
    size: z.number().int(),
    items: z.number().int(),
    downloads: z.number().int(),
  }),
});
export const erasure = z.looseObject({
  childId: z.string(),
  status: z.enum(['completed', 'in_progress']).meta({ description: '`in_progress`: the rest is done by calling again or by the next sweep' }),
  request: dataSubjectRequest.optional(),
});
const auditLink = z.looseObject({
  entryId: z.string(),
  at: instant,
  action: z.string(),
  actor: z.looseObject({ userId: z.string(), role: z.string() }),
  requestId: z.string(),
  childIds: z.array(z.string()),
  mediaId: z.string().optional(),
  details: z.record(z.string(), z.unknown()).optional(),
  month: z.string(),
  seq: z.number().int(),
  prevHash: z.string(),
  hash: z.string(),
  chainedAt: instant,
  ledgerEvent: z
    .looseObject({ purpose, decision, actor, channel: z.enum(['app', 'paper_form']) })
    .optional()
    .meta({ description: 'A decision entry: what was decided, read from the ledger event it names while that exists' }),
});
const trail = {
  entries: z.array(auditLink),
  missing: z.array(z.looseObject({ month: z.string(), seq: z.number().int() })).optional().meta({ description: 'Entries the trail points to that are gone: a sign of tampering' }),
  cursor: z.string().optional(),
};
export const childTrail = z.looseObject({ childId: z.string(), ...trail });
export const mediaTrail = z.looseObject({ mediaId: z.string(), ...trail });
export const verification = z.looseObject({
  month: z.string(),
  checked: z.number().int(),
  ok: z.boolean(),
  firstBreak: z
    .looseObject({
      month: z.string(),
      seq: z.number().int(),
      entryId: z.string().optional(),
      problem: z.enum(['hash_mismatch', 'prev_hash_mismatch', 'seq_gap', 'wrong_month', 'head_mismatch']),
    })
    .optional(),
  pending: z.number().int().meta({ description: 'Entries written but not yet linked into a chain' }),
});
