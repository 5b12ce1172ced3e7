/**
 * The format of a child's data export (SPEC section 7: access and portability), version 1.
 * Published as the OpenAPI component `ChildExportV1`; every export the tests make validates against
 * it. Objects are closed (no field outside the format), so the schema is the whole truth of what
 * an export can hold. A change that removes or renames a field is a new version.
 */
import * as z from 'zod';
import { channelId } from '../domain/channels';
import { DECISIONS, PURPOSES } from '../domain/purposes';
import { AUDIT_ACTIONS } from '../shared/audit';
import { REQUEST_TYPES } from '../shared/repositories/requests';

export const EXPORT_FORMAT = 'beeldtoestemming.child-export';
export const EXPORT_FORMAT_VERSION = 1;

const instant = z.string().meta({ format: 'date-time' });
const date = z.string().meta({ format: 'date' });
const purpose = z.enum(PURPOSES);
const audience = z.enum(['admin', 'guardian', 'child']);

const guardianLink = z.strictObject({
  guardianId: z.string(),
  parentalAuthority: z.boolean(),
  relationship: z.string().optional(),
  since: instant,
});

const child = z
  .strictObject({
    childId: z.string(),
    status: z.enum(['active', 'ended', 'erased']),
    displayName: z.string().optional(),
    birthDate: date.optional(),
    groupIds: z.array(z.string()).optional(),
    endDate: date.optional(),
    safeguarding: z.boolean().optional().meta({ description: 'In the admin\'s export only' }),
    createdAt: instant.optional(),
    erasedAt: instant.optional(),
    erasureRequestId: z.string().optional(),
  })
  .meta({ description: 'The child record; after an erasure only `childId`, `status: erased`, `erasedAt` and `erasureRequestId`' });

const period = { from: instant, to: instant.optional() };
const factsHistory = z
  .strictObject({
    guardians: z.array(z.strictObject({ guardianId: z.string(), parentalAuthority: z.boolean(), ...period })),
    groups: z.array(z.strictObject({ groupId: z.string(), ...period })),
    enrolment: z.strictObject({
      from: instant,
      endDate: date.optional(),
      endRecordedAt: instant.optional().meta({ description: 'When the end was recorded' }),
      endsAt: instant.optional().meta({ description: 'From when the child counts as having left: 00:00 on the end date, or when it was recorded if that was later' }),
    }),
    safeguarding: z.array(z.strictObject(period)).optional().meta({ description: "In the admin's export only" }),
  })
  .meta({ description: 'How the facts the consent rules use changed over time, each period from its start to its end (open: still so); periods are [from, to)' });

const consentEvent = z.strictObject({
  eventId: z.string(),
  childId: z.string(),
  purpose,
  decision: z.enum(DECISIONS),
  actor: z.union([z.strictObject({ kind: z.literal('guardian'), guardianId: z.string() }), z.strictObject({ kind: z.literal('child') })]),
  recordedBy: z.strictObject({
    userId: z.string().optional().meta({ description: "In a family's export only when it is the child or one of its guardians" }),
    role: z.enum(['guardian', 'child', 'staff', 'admin']),
    channel: z.enum(['app', 'paper_form']),
    formReference: z.string().optional(),
    signedOn: date.optional(),
  }),
  noticeVersion: z.string(),
  at: instant,
});

const verdict = z.strictObject({
  purpose,
  effective: z.boolean(),
  reasons: z.array(z.string()),
  deciders: z.array(z.strictObject({ actor: z.string(), decision: z.enum(DECISIONS).nullable(), counts: z.boolean() })),
  ignored: z.array(z.strictObject({ actor: z.string(), decision: z.enum(DECISIONS).nullable(), counts: z.boolean() })),
});

const consentsNow = z.strictObject({
  evaluatedAt: instant,
  age: z.number().int(),
  ageBand: z.enum(['under_12', '12_to_15', '16_plus']),
  policy: z.enum(['youth-care', 'uavg']),
  purposes: z.strictObject({ parent_information: verdict, coaching_video: verdict, publication: verdict }),
});

const publication = z.strictObject({
  publicationId: z.string(),
  channel: channelId,
  reference: z.string(),
  publishedAt: instant,
  publishedBy: z.string().optional().meta({ description: "In the admin's export only" }),
});

const takedown = z.strictObject({
  publicationId: z.string(),
  channel: channelId,
  openedAt: instant,
  dueDate: date,
  doneAt: instant.optional(),
});

const mediaItem = z.strictObject({
  mediaId: z.string(),
  groupId: z.string(),
  kind: z.enum(['photo', 'video']),
  contentType: z.string(),
  size: z.number().int(),
  recordedAt: instant,
  status: z.enum(['pending', 'available', 'refused']),
  purposes: z.array(purpose),
  childIds: z.array(z.string()).meta({ description: "Who is depicted: everyone in the admin's export; in a family's export only this child" }),
  otherChildrenDepicted: z.number().int().meta({ description: 'How many other children the item depicts' }),
  uploadedBy: z.string().optional().meta({ description: "In the admin's export only" }),
  published: z.boolean(),
  retainedBecausePublished: instant.optional(),
  deletionDates: z.partialRecord(purpose, date),
  dueDate: date,
  publications: z.array(publication),
  takedowns: z.array(takedown),
  download: z
    .strictObject({ url: z.string(), expiresAt: instant })
    .optional()
    .meta({ description: 'A short-lived URL of the file, for available items; its issue is audited' }),
  withheld: z
    .enum(['not_available', 'depicts_other_children', 'blocked_by_organisation'])
    .optional()
    .meta({
      description:
        'Why there is no download: the file is not available; it also shows other children whose consent does not cover it; or the organisation blocks showing the child (as in the consents)',
    }),
});

const deletedItem = z.strictObject({ mediaId: z.string(), reason: z.string(), deletedAt: instant });

const auditEntry = z.strictObject({
  entryId: z.string(),
  at: instant,
  action: z.enum(AUDIT_ACTIONS),
  actor: z.strictObject({
    role: z.enum(['guardian', 'child', 'staff', 'admin', 'system']),
    userId: z.string().optional().meta({ description: "In a family's export only for the child, its guardians and the system" }),
  }),
  requestId: z.string(),
  childIds: z.array(z.string()),
  mediaId: z.string().optional(),
  details: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.array(z.string())])).optional(),
  month: z.string(),
  seq: z.number().int(),
  hash: z.string().meta({ description: 'The entry\'s hash in its month\'s chain (verify with the admin route or `npm run audit:verify`)' }),
});

const request = z.strictObject({
  requestId: z.string(),
  type: z.enum(REQUEST_TYPES),
  status: z.enum(['open', 'fulfilled', 'declined']),
  receivedAt: instant,
  recordedAt: instant,
  channel: z.enum(['app', 'recorded_by_admin']),
  requestedBy: z.strictObject({ role: z.string(), userId: z.string().optional() }),
  dueDate: date,
  fulfilledAt: instant.optional(),
  declinedAt: instant.optional(),
  declineReason: z.string().optional(),
});

const evidence = z.strictObject({
  mediaId: z.string(),
  publicationId: z.string(),
  channel: z.string(),
  publishedAt: instant,
  ageBand: z.enum(['under_12', '12_to_15', '16_plus']),
  policy: z.enum(['youth-care', 'uavg']),
  effective: z.boolean(),
  eventIds: z.array(z.string()),
});

export const childExportV1 = z
  .strictObject({
    format: z.literal(EXPORT_FORMAT),
    formatVersion: z.literal(EXPORT_FORMAT_VERSION),
    exportedAt: instant,
    exportedBy: z.strictObject({ userId: z.string(), role: z.enum(['guardian', 'child', 'admin']) }),
    audience,
    requestId: z.string().meta({ description: 'The access request this export answers' }),
    child,
    guardians: z.array(guardianLink),
    factsHistory: factsHistory.optional().meta({ description: 'Absent after an erasure' }),
    consentLedger: z.array(consentEvent).meta({ description: 'Every decision, oldest first; after an erasure only the evidence behind footage that stays published' }),
    consentsNow: consentsNow.optional().meta({ description: 'Absent after an erasure' }),
    media: z.array(mediaItem).meta({ description: 'Every item depicting the child that exists, with its publications and takedown tasks' }),
    deletedMedia: z.array(deletedItem).meta({ description: 'Deleted items that depicted the child: reason and date only' }),
    publicationEvidence: z.array(evidence).meta({ description: 'After an erasure: for each publication that stays, the consent events that allowed it' }),
    requests: z.array(request),
    audit: z.array(auditEntry).meta({ description: 'Audit entries about the child, oldest first' }),
  })
  .meta({ title: 'ChildExportV1', description: 'Everything held about one child (SPEC section 7), format version 1' });

export type ChildExport = z.infer<typeof childExportV1>;
