/**
 * The documented contract of every route: the request spec the handler validates with, the
 * success answer, and the error answers with their codes. `functions/contract/openapi.ts` turns
 * this into the OpenAPI document; the contract tests check it against ROUTES and real answers.
 */
import type * as z from 'zod';
import { specs as admin } from '../admin/specs';
import { specs as consent } from '../consent/specs';
import { specs as audit } from '../audit/specs';
import { specs as media } from '../media/specs';
import { specs as rights } from '../rights/specs';
import type { EndpointSpec } from '../shared/spec';
import { specs as usage } from '../usage/specs';
import * as r from './responses';

export interface Success {
  status: number;
  description: string;
  /** Absent: no body (204). */
  schema?: z.ZodType;
  example?: unknown;
}

export interface Operation {
  spec: EndpointSpec<unknown, unknown, unknown>;
  summary: string;
  description?: string;
  success: Success[];
  /** Problem codes per error status beyond those every route can answer (401, 403 forbidden/role_required, 500). */
  errors: Partial<Record<400 | 403 | 404 | 409 | 503, string[]>>;
  requestExample?: unknown;
}

type Spec = EndpointSpec<unknown, unknown, unknown>;
const s = (spec: unknown): Spec => spec as Spec;
const ok = (schema: z.ZodType, description: string, example?: unknown): Success => ({ status: 200, description, schema, ...(example !== undefined ? { example } : {}) });
const created = (schema: z.ZodType, description: string, example?: unknown): Success => ({ status: 201, description, schema, ...(example !== undefined ? { example } : {}) });
const noContent = (description: string): Success => ({ status: 204, description });

const INVALID = ['invalid_request'];
const verdictExample = {
  evaluatedAt: '2026-09-15T08:30:00.000Z',
  age: 5,
  ageBand: 'under_12',
  policy: 'youth-care',
  purposes: {
    parent_information: { purpose: 'parent_information', effective: true, reasons: [], deciders: [{ actor: 'guardian:guardian-anna', decision: 'granted', counts: true }], ignored: [] },
    coaching_video: { purpose: 'coaching_video', effective: false, reasons: ['needs:guardian'], deciders: [{ actor: 'guardian:guardian-anna', decision: null, counts: true }], ignored: [] },
    publication: { purpose: 'publication', effective: false, reasons: ['withdrawn_by:guardian:guardian-bram'], deciders: [{ actor: 'guardian:guardian-bram', decision: 'withdrawn', counts: true }], ignored: [] },
  },
};
const childExample = {
  childId: 'child-sam',
  displayName: 'Sam',
  birthDate: '2021-03-02',
  age: 5,
  groupIds: ['zonnebloem'],
  status: 'active',
  guardians: [{ guardianId: 'guardian-anna', parentalAuthority: true, relationship: 'mother' }],
};
const eventExample = {
  eventId: '01J8Z6Q6W9K1',
  childId: 'child-sam',
  purpose: 'publication',
  decision: 'granted',
  actor: { kind: 'guardian', guardianId: 'guardian-anna' },
  recordedBy: { userId: 'guardian-anna', role: 'guardian', channel: 'app' },
  noticeVersion: '2026-09',
  at: '2026-09-15T08:30:00.000Z',
};
const mediaExample = {
  mediaId: '5b0d5c5e-2f0e-4c43-9d0e-0d7f7f1f2a10',
  groupId: 'zonnebloem',
  kind: 'photo',
  contentType: 'image/jpeg',
  size: 482113,
  recordedAt: '2026-09-15T08:30:00Z',
  uploadedBy: 'staff-femke',
  childIds: ['child-sam'],
  purposes: ['parent_information'],
  status: 'available',
  locationRemoved: true,
  deletionDates: { parent_information: '2027-09-15' },
  dueDate: '2027-09-15',
  clientReference: 'tablet-1-0001',
  createdAt: '2026-09-15T08:31:00.000Z',
  completedAt: '2026-09-15T08:31:05.000Z',
};
const publicationExample = {
  publicationId: '9f1c2d3e',
  mediaId: mediaExample.mediaId,
  channel: 'website',
  reference: 'https://example.org/nieuws/zomerfeest',
  publishedAt: '2026-09-16T10:00:00.000Z',
  publishedBy: 'admin-hanna',
};

const requestExample = {
  requestId: '4c1e7d2a',
  childId: 'child-sam',
  type: 'access',
  status: 'open',
  receivedAt: '2026-09-15T08:30:00.000Z',
  recordedAt: '2026-09-15T08:30:00.000Z',
  requestedBy: { userId: 'guardian-anna', role: 'guardian' },
  channel: 'app',
  dueDate: '2026-10-13',
  overdue: false,
};
const exportedExample = {
  request: { ...requestExample, status: 'fulfilled', fulfilledAt: '2026-09-15T08:30:02.000Z' },
  export: { url: 'https://…', expiresAt: '2026-09-15T08:35:02.000Z', format: 'beeldtoestemming.child-export', formatVersion: 1, size: 48211, items: 12, downloads: 9 },
};
const auditExample = {
  entryId: '0d3b6f52',
  at: '2026-09-15T08:30:00.000Z',
  action: 'consent.decided',
  actor: { userId: 'guardian-anna', role: 'guardian' },
  requestId: '2f6d3c4e-8a1b-4c7d-9e0f-123456789abc',
  childIds: ['child-sam'],
  details: { eventId: '01J8Z6Q6W9K1', purpose: 'publication', decision: 'granted', decidedBy: 'guardian:guardian-anna', channel: 'app', noticeVersion: '2026-09' },
  month: '2026-09',
  seq: 1207,
  prevHash: '9b1f…',
  hash: 'e4a0…',
  chainedAt: '2026-09-15T08:30:01.000Z',
};

export const OPERATIONS: Record<string, Operation> = {
  'consent/list-my-children': {
    spec: s(consent['list-my-children']),
    summary: 'My children with their effective consents now (a child: itself)',
    success: [ok(r.myChildren, 'The children', { children: [{ ...childExample, consents: verdictExample }] })],
    errors: {},
  },
  'consent/get-consents': {
    spec: s(consent['get-consents']),
    summary: 'Effective consents of a child now, or at a past instant (`at`)',
    success: [ok(r.consents, 'Per purpose: effective or not, why not, who decides', { childId: 'child-sam', consents: verdictExample })],
    errors: { 400: INVALID, 404: ['child_not_found'] },
  },
  'consent/get-ledger': {
    spec: s(consent['get-ledger']),
    summary: 'The consent ledger of a child, oldest first, paginated',
    success: [ok(r.ledger, 'A page of events; `cursor` when there is more', { childId: 'child-sam', events: [eventExample] })],
    errors: { 400: INVALID, 404: ['child_not_found'] },
  },
  'consent/record-decision': {
    spec: s(consent['record-decision']),
    summary: 'A guardian with parental authority, or the child, grants or withdraws consent for a purpose',
    success: [created(r.decisionRecorded, 'The event and the consents after it', { event: eventExample, consents: verdictExample })],
    errors: { 400: INVALID, 403: ['no_parental_authority', 'too_young_to_decide'], 404: ['child_not_found'], 409: ['notice_outdated', 'concurrent_update'] },
    requestExample: { purpose: 'publication', decision: 'granted', noticeVersion: '2026-09' },
  },
  'consent/record-paper-decision': {
    spec: s(consent['record-paper-decision']),
    summary: 'Staff or the admin enter a signed paper form; it counts from the moment it is recorded',
    success: [created(r.decisionRecorded, 'The event and the consents after it', { event: { ...eventExample, recordedBy: { userId: 'staff-femke', role: 'staff', channel: 'paper_form', formReference: 'FORM-2026-014', signedOn: '2026-09-12' } }, consents: verdictExample })],
    errors: { 400: INVALID, 404: ['child_not_found'], 409: ['signer_not_linked', 'signer_without_authority', 'signer_too_young', 'concurrent_update', 'child_being_erased'] },
    requestExample: { purpose: 'coaching_video', decision: 'granted', noticeVersion: '2026-09', signer: { kind: 'guardian', guardianId: 'guardian-anna' }, formReference: 'FORM-2026-014', signedOn: '2026-09-12' },
  },
  'admin/create-group': {
    spec: s(admin['create-group']),
    summary: 'Create a group',
    success: [created(r.group, 'The group', { groupId: 'zonnebloem', name: 'Zonnebloem', createdAt: '2026-09-01T07:00:00.000Z' })],
    errors: { 400: INVALID, 409: ['group_exists'] },
    requestExample: { groupId: 'zonnebloem', name: 'Zonnebloem' },
  },
  'admin/list-groups': {
    spec: s(admin['list-groups']),
    summary: 'Groups: every group for the admin, their own for staff',
    success: [ok(r.groups, 'The groups', { groups: [{ groupId: 'zonnebloem', name: 'Zonnebloem', createdAt: '2026-09-01T07:00:00.000Z' }] })],
    errors: {},
  },
  'admin/create-guardian': {
    spec: s(admin['create-guardian']),
    summary: "Create a guardian; the id is the guardian's Cognito username",
    success: [created(r.guardian, 'The guardian', { guardianId: 'guardian-anna', displayName: 'Anna', createdAt: '2026-09-01T07:00:00.000Z' })],
    errors: { 400: INVALID, 409: ['guardian_exists'] },
    requestExample: { guardianId: 'guardian-anna', displayName: 'Anna' },
  },
  'admin/put-staff': {
    spec: s(admin['put-staff']),
    summary: 'Create or replace a staff member and their groups',
    success: [
      ok(r.staff, 'Replaced'),
      created(r.staff, 'Created', { staffId: 'staff-femke', displayName: 'Femke', groupIds: ['zonnebloem'], createdAt: '2026-09-01T07:00:00.000Z', updatedAt: '2026-09-01T07:00:00.000Z' }),
    ],
    errors: { 400: INVALID, 404: ['group_not_found'], 409: ['concurrent_update'] },
    requestExample: { displayName: 'Femke', groupIds: ['zonnebloem'] },
  },
  'admin/create-child': {
    spec: s(admin['create-child']),
    summary: 'Create a child in one or more groups',
    success: [created(r.child, 'The child', { ...childExample, guardians: [], safeguarding: false })],
    errors: { 400: INVALID, 404: ['group_not_found'], 409: ['child_exists', 'child_erased'] },
    requestExample: { childId: 'child-sam', displayName: 'Sam', birthDate: '2021-03-02', groupIds: ['zonnebloem'] },
  },
  'admin/get-child': {
    spec: s(admin['get-child']),
    summary: 'A child with guardians and consents',
    success: [ok(r.childDetail, 'The child', { ...childExample, consents: verdictExample })],
    errors: { 400: INVALID, 404: ['child_not_found'] },
  },
  'admin/update-child': {
    spec: s(admin['update-child']),
    summary: 'Change name, birth date, groups or the safeguarding flag',
    success: [ok(r.child, 'The child after the change', { ...childExample, safeguarding: true })],
    errors: { 400: INVALID, 404: ['child_not_found', 'group_not_found'], 409: ['concurrent_update', 'child_being_erased'] },
    requestExample: { safeguarding: true },
  },
  'admin/end-enrolment': {
    spec: s(admin['end-enrolment']),
    summary: 'End the enrolment: no effective consent from `endDate` on',
    success: [ok(r.child, 'The child', { ...childExample, status: 'ended', endDate: '2027-07-31', safeguarding: false })],
    errors: { 400: INVALID, 404: ['child_not_found'], 409: ['concurrent_update', 'child_being_erased'] },
    requestExample: { endDate: '2027-07-31' },
  },
  'admin/link-guardian': {
    spec: s(admin['link-guardian']),
    summary: 'Link a guardian to a child, with or without parental authority',
    success: [ok(r.guardianLink, 'The link', { childId: 'child-sam', guardianId: 'guardian-anna', parentalAuthority: true, since: '2026-09-01T07:00:00.000Z', relationship: 'mother' })],
    errors: { 400: INVALID, 404: ['child_not_found', 'guardian_not_found'], 409: ['concurrent_update', 'child_being_erased'] },
    requestExample: { parentalAuthority: true, relationship: 'mother' },
  },
  'admin/unlink-guardian': {
    spec: s(admin['unlink-guardian']),
    summary: 'Unlink a guardian from a child',
    success: [noContent('Unlinked')],
    errors: { 400: INVALID, 404: ['child_not_found', 'guardian_link_not_found'], 409: ['concurrent_update', 'child_being_erased'] },
  },
  'media/roster': {
    spec: s(media['roster']),
    summary: 'Per child of the group and purpose: may they be recorded now, why not, who has to decide',
    success: [ok(r.roster, 'The roster', { groupId: 'zonnebloem', evaluatedAt: '2026-09-15T08:30:00.000Z', children: [{ childId: 'child-sam', displayName: 'Sam', age: 5, ageBand: 'under_12', purposes: { parent_information: { mayRecord: true, reasons: [], waitingFor: [] }, coaching_video: { mayRecord: false, reasons: ['needs:guardian'], waitingFor: ['guardian:guardian-anna'] }, publication: { mayRecord: false, reasons: ['needs:guardian'], waitingFor: ['guardian:guardian-anna'] } } }] })],
    errors: { 400: INVALID, 404: ['group_not_found'] },
  },
  'media/create-upload': {
    spec: s(media['create-upload']),
    summary: 'Create a media item and a pre-signed upload, after checking group, children and consent',
    description: 'The same `clientReference` with the same request answers 200 with the same item and a fresh URL.',
    success: [
      ok(r.uploadCreated, 'A retry: the item (and a fresh URL while it is pending)'),
      created(r.uploadCreated, 'The pending item and the pre-signed PUT', { item: { ...mediaExample, status: 'pending', completedAt: undefined, locationRemoved: undefined }, upload: { method: 'PUT', url: 'https://bucket.s3.eu-central-1.amazonaws.com/uploads/5b0d…?X-Amz-Signature=…', headers: { 'content-type': 'image/jpeg', 'content-length': '482113' }, expiresAt: '2026-09-15T08:36:00.000Z' } }),
    ],
    errors: { 400: INVALID, 404: ['group_not_found'], 409: ['client_reference_reused', 'child_not_in_group', 'consent_missing', 'concurrent_update'] },
    requestExample: { clientReference: 'tablet-1-0001', kind: 'photo', contentType: 'image/jpeg', size: 482113, recordedAt: '2026-09-15T08:30:00Z', groupId: 'zonnebloem', childIds: ['child-sam'], purposes: ['parent_information'] },
  },
  'media/get-media': {
    spec: s(media['get-media']),
    summary: "An item's metadata and status",
    success: [ok(r.mediaItem, 'The item', mediaExample)],
    errors: { 400: INVALID, 404: ['media_not_found'] },
  },
  'media/complete-upload': {
    spec: s(media['complete-upload']),
    summary: 'Check the stored file and consent, remove location data, make the item available',
    success: [ok(r.mediaCompleted, 'The available item', { item: mediaExample })],
    errors: {
      400: INVALID,
      404: ['media_not_found'],
      409: ['upload_missing', 'size_mismatch', 'content_type_mismatch', 'content_mismatch', 'consent_missing', 'already_completed', 'concurrent_update'],
    },
  },
  'media/delete-media': {
    spec: s(media['delete-media']),
    summary: 'Delete an unpublished item (the uploader, or the admin); a tombstone stays',
    success: [noContent('Deleted')],
    errors: { 400: INVALID, 403: ['media_published'], 404: ['media_not_found'] },
  },
  'usage/feed': {
    spec: s(usage['feed']),
    summary: "Parent-information items of my children's groups, newest first, with download URLs",
    success: [ok(r.feed, 'A page; `cursor` when there is more', { items: [{ mediaId: mediaExample.mediaId, groupId: 'zonnebloem', kind: 'photo', contentType: 'image/jpeg', recordedAt: '2026-09-15T08:30:00Z', myChildrenDepicted: ['child-sam'], download: { url: 'https://…', expiresAt: '2026-09-15T08:35:00.000Z' } }] })],
    errors: { 400: INVALID, 403: ['feed_from_16'], 404: ['child_not_found'], 503: ['audit_unavailable'] },
  },
  'usage/coaching': {
    spec: s(usage['coaching']),
    summary: 'Coaching items by group and period (Amsterdam dates), with download URLs',
    success: [ok(r.coaching, 'A page; `cursor` when there is more', { items: [{ mediaId: mediaExample.mediaId, groupId: 'zonnebloem', kind: 'video', contentType: 'video/mp4', recordedAt: '2026-09-15T08:30:00Z', uploadedBy: 'staff-femke', childIds: ['child-sam'], purposes: ['coaching_video'], download: { url: 'https://…', expiresAt: '2026-09-15T08:35:00.000Z' } }] })],
    errors: { 400: INVALID, 404: ['group_not_found'], 503: ['audit_unavailable'] },
  },
  'usage/download': {
    spec: s(usage['download']),
    summary: 'One short-lived download URL for a purpose the caller may see the item for',
    success: [ok(r.downloadUrl, 'The URL', { mediaId: mediaExample.mediaId, purpose: 'parent_information', url: 'https://…', expiresAt: '2026-09-15T08:35:00.000Z' })],
    errors: { 400: INVALID, 403: ['consent_missing'], 404: ['media_not_found'], 503: ['audit_unavailable'] },
  },
  'usage/publication-check': {
    spec: s(usage['publication-check']),
    summary: 'May this item be published? Yes, or why not and which children block it',
    success: [ok(r.publicationCheck, 'The answer', { mediaId: mediaExample.mediaId, publishable: false, reasons: [], blockers: [{ childId: 'child-sam', purpose: 'publication', when: 'now', reasons: ['needs:guardian'] }] })],
    errors: { 400: INVALID, 404: ['media_not_found'] },
  },
  'usage/list-publications': {
    spec: s(usage['list-publications']),
    summary: 'The publication register of an item',
    success: [ok(r.publications, 'The publications', { mediaId: mediaExample.mediaId, publications: [publicationExample] })],
    errors: { 400: INVALID, 404: ['media_not_found'] },
  },
  'usage/publish': {
    spec: s(usage['publish']),
    summary: 'Publish an item to a channel (final)',
    success: [created(r.publication, 'The publication', publicationExample)],
    errors: { 400: INVALID, 404: ['media_not_found'], 409: ['not_publishable', 'concurrent_update'] },
    requestExample: { channel: 'website', reference: 'https://example.org/nieuws/zomerfeest' },
  },
  'usage/list-takedowns': {
    spec: s(usage['list-takedowns']),
    summary: 'Open takedown tasks, soonest due first',
    success: [ok(r.takedowns, 'The tasks', { takedowns: [{ mediaId: mediaExample.mediaId, publicationId: '9f1c2d3e', channel: 'website', reference: 'https://example.org/nieuws/zomerfeest', childId: 'child-sam', openedAt: '2026-09-20T10:00:00.000Z', dueDate: '2026-09-27' }] })],
    errors: {},
  },
  'usage/complete-takedown': {
    spec: s(usage['complete-takedown']),
    summary: 'Mark a live publication taken down',
    success: [ok(r.takedownDone, 'Done', { mediaId: mediaExample.mediaId, publicationId: '9f1c2d3e', done: true })],
    errors: { 400: INVALID, 404: ['takedown_not_found'] },
  },
  'rights/create-request': {
    spec: s(rights['create-request']),
    summary: 'Record an access or erasure request about a child; due in four weeks',
    description:
      'A guardian with parental authority, the child from 16, or the admin (who may give `receivedAt` for a request received by letter, mail or phone). ' +
      'An open request of the same type is answered (200) instead of adding another.',
    success: [created(r.dataSubjectRequest, 'The request', requestExample), ok(r.dataSubjectRequest, 'The open request of this type that already exists', requestExample)],
    errors: { 400: INVALID, 403: ['no_parental_authority', 'rights_from_16', 'rights_with_child'], 404: ['child_not_found'], 409: ['child_erased'] },
    requestExample: { type: 'erasure' },
  },
  'rights/list-child-requests': {
    spec: s(rights['list-child-requests']),
    summary: 'The access and erasure requests about a child, with due dates',
    success: [ok(r.childRequests, 'The requests', { childId: 'child-sam', requests: [requestExample] })],
    errors: { 400: INVALID, 403: ['no_parental_authority', 'rights_from_16', 'rights_with_child'], 404: ['child_not_found'] },
  },
  'rights/decline-request': {
    spec: s(rights['decline-request']),
    summary: 'Decline an open request, with the reason given to the requester',
    success: [ok(r.dataSubjectRequest, 'The declined request', { ...requestExample, status: 'declined', declinedAt: '2026-09-20T09:00:00.000Z', declineReason: 'Bewaarplicht' })],
    errors: { 400: INVALID, 404: ['request_not_found'], 409: ['request_closed'] },
    requestExample: { reason: 'De gegevens moeten wettelijk nog twee jaar bewaard worden.' },
  },
  'rights/list-open-requests': {
    spec: s(rights['list-open-requests']),
    summary: 'Open requests of every child, soonest due first (the four-week register)',
    success: [ok(r.openRequests, 'A page; `cursor` when there is more', { requests: [requestExample] })],
    errors: { 400: INVALID },
  },
  'rights/export-child': {
    spec: s(rights['export-child']),
    summary: 'Export everything held about a child as one JSON document, answering an access request',
    description:
      'A guardian with parental authority, the child from 16, or the admin (also for an erased child: what is kept). ' +
      'The document (format ChildExportV1, see components) is stored for a day and reached by a short-lived URL; it holds short-lived URLs of the ' +
      "child's footage, each of which is audited. A family's export names no other child or user and withholds files that also show " +
      'children whose consent does not cover them. Answers the open access request named, or the oldest open one, or records a new one.',
    success: [created(r.exported, 'The export', exportedExample)],
    errors: { 400: INVALID, 403: ['no_parental_authority', 'rights_from_16', 'rights_with_child'], 404: ['child_not_found', 'request_not_found'], 409: ['request_closed', 'request_wrong_type'], 503: ['audit_unavailable'] },
    requestExample: {},
  },
  'rights/erase-child': {
    spec: s(rights['erase-child']),
    summary: "Erase a child: unpublished footage and the child's personal data go; what stays is documented",
    description:
      'Idempotent. 200 when the erasure completed within the request, 202 when the rest is left to calling again or to the next sweep ' +
      '(the child is blocked from every use and hidden from everyone but the admin from the start). Answers the open erasure request named, ' +
      'or the oldest open one, or records a new one.',
    success: [ok(r.erasure, 'Erased', { childId: 'child-sam', status: 'completed', request: { ...requestExample, status: 'fulfilled' } }), { status: 202, description: 'Started; not yet complete', schema: r.erasure, example: { childId: 'child-sam', status: 'in_progress' } }],
    errors: { 400: INVALID, 404: ['child_not_found', 'request_not_found'], 409: ['request_closed', 'request_wrong_type', 'child_erased'] },
    requestExample: {},
  },
  'audit/child-trail': {
    spec: s(audit['child-trail']),
    summary: "The audit trail of a child, newest first (also after an erasure)",
    success: [ok(r.childTrail, 'A page; `cursor` when there is more', { childId: 'child-sam', entries: [auditExample] })],
    errors: { 400: INVALID, 404: ['child_not_found'] },
  },
  'audit/media-trail': {
    spec: s(audit['media-trail']),
    summary: 'The audit trail of a media item, newest first (also after its deletion)',
    success: [ok(r.mediaTrail, 'A page; `cursor` when there is more', { mediaId: mediaExample.mediaId, entries: [{ ...auditExample, action: 'media.url_issued', mediaId: mediaExample.mediaId, details: { use: 'parent_information' } }] })],
    errors: { 400: INVALID, 404: ['media_not_found'] },
  },
  'audit/verify': {
    spec: s(audit['verify']),
    summary: "Recompute a month's audit chain (default: this month) and report the first entry where it breaks",
    success: [ok(r.verification, 'The verification', { month: '2026-09', checked: 1532, ok: true, pending: 0 })],
    errors: { 400: INVALID },
  },
};
