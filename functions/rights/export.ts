/**
 * Turns what is held about a child into the export document (format version 1) for its audience.
 * Pure: the service gathers the records and signs the download URLs.
 *
 * The admin's export holds everything. A family's export (a guardian with parental authority, or
 * the child from 16) holds everything about this child, but not what belongs to others (GDPR
 * art. 15(4)): other children depicted in an item are counted, not named; other users are named
 * by role only; the safeguarding flag is not shown (it may protect the child from someone close,
 * SPEC section 2), and a file that also shows other children is only given when their consent
 * for parent information covers it.
 */
import type { ConsentVerdict } from '../domain/consent';
import { usableFor } from '../domain/use';
import type { AuditLink } from '../shared/audit';
import type { ChildRecord } from '../shared/repositories/children';
import type { ErasedRecord } from '../shared/repositories/erasure';
import type { MediaItem, Publication, TakedownTask, Tombstone } from '../shared/repositories/media';
import type { DataSubjectRequest } from '../shared/repositories/requests';
import type { ConsentEvent } from '../domain/consent';
import { EXPORT_FORMAT, EXPORT_FORMAT_VERSION, type ChildExport } from './export-format';

export type Audience = 'admin' | 'guardian' | 'child';

export interface HeldItem {
  item: MediaItem;
  publications: Publication[];
  takedowns: TakedownTask[];
}

export interface ExportSources {
  childId: string;
  exportedAt: string;
  exportedBy: { userId: string; role: Audience };
  requestId: string;
  child?: ChildRecord;
  erased?: ErasedRecord;
  ledger: ConsentEvent[];
  /** The consents now, as the audience is shown them (absent after an erasure). */
  consentsNow?: ConsentVerdict;
  items: HeldItem[];
  tombstones: Tombstone[];
  audit: AuditLink[];
  requests: DataSubjectRequest[];
}

const audienceOf = (role: string): Audience => (role === 'admin' ? 'admin' : role === 'child' ? 'child' : 'guardian');

/**
 * Whether the audience gets the file of an item: it must be available; a family gets it when the
 * item shows no other child, or when every child it shows consents to parent information now.
 */
export function downloadable(
  role: string,
  childId: string,
  item: MediaItem,
  verdictNow: (childId: string) => ConsentVerdict | undefined,
): 'ok' | 'not_available' | 'depicts_other_children' {
  if (item.status !== 'available' || !item.objectKey) return 'not_available';
  if (audienceOf(role) === 'admin') return 'ok';
  if (item.childIds.every((c) => c === childId)) return 'ok';
  return usableFor('parent_information', item, verdictNow) ? 'ok' : 'depicts_other_children';
}

export function presentExport(
  src: ExportSources,
  withheld: ReadonlyMap<string, 'not_available' | 'depicts_other_children'>,
  downloads: ReadonlyMap<string, { url: string; expiresAt: string }>,
): ChildExport {
  const audience = audienceOf(src.exportedBy.role);
  const admin = audience === 'admin';
  const { childId } = src;
  // Users a family may see named: the child and its guardians, besides the system's own actors.
  const known = new Set([childId, ...Object.keys(src.child?.guardians ?? {}), ...src.ledger.flatMap((e) => (e.actor.kind === 'guardian' ? [e.actor.guardianId] : []))]);
  const nameable = (userId: string, role: string) => admin || role === 'system' || known.has(userId);

  const child: ChildExport['child'] = src.child
    ? {
        childId,
        status: src.child.status,
        displayName: src.child.displayName,
        birthDate: src.child.birthDate,
        groupIds: src.child.groupIds,
        ...(src.child.endDate ? { endDate: src.child.endDate } : {}),
        ...(admin ? { safeguarding: src.child.safeguarding } : {}),
        createdAt: src.child.createdAt,
      }
    : { childId, status: 'erased', ...(src.erased ? { erasedAt: src.erased.erasedAt, erasureRequestId: src.erased.requestId } : {}) };

  const media = src.items.map(({ item, publications, takedowns }) => {
    const others = item.childIds.filter((c) => c !== childId);
    const download = downloads.get(item.mediaId);
    const reason = withheld.get(item.mediaId);
    return {
      mediaId: item.mediaId,
      groupId: item.groupId,
      kind: item.kind,
      contentType: item.contentType,
      size: item.size ?? item.declaredSize,
      recordedAt: item.recordedAt,
      status: item.status,
      purposes: item.purposes,
      childIds: admin ? item.childIds : item.childIds.filter((c) => c === childId),
      otherChildrenDepicted: others.length,
      ...(admin ? { uploadedBy: item.uploadedBy } : {}),
      published: item.published === true,
      ...(item.retainedBecausePublished ? { retainedBecausePublished: item.retainedBecausePublished } : {}),
      deletionDates: item.deletionDates,
      dueDate: item.dueDate,
      publications: publications.map((p) => ({
        publicationId: p.publicationId,
        channel: p.channel,
        reference: p.reference,
        publishedAt: p.publishedAt,
        ...(admin ? { publishedBy: p.publishedBy } : {}),
      })),
      takedowns: takedowns.map((t) => ({
        publicationId: t.publicationId,
        channel: t.channel,
        openedAt: t.openedAt,
        dueDate: t.dueDate,
        ...(t.doneAt ? { doneAt: t.doneAt } : {}),
      })),
      ...(download ? { download } : {}),
      ...(reason ? { withheld: reason } : {}),
    };
  });

  const audit = src.audit.flatMap((l) => {
    let details = l.details;
    if (!admin && l.action === 'child.updated' && details) {
      // Whether the organisation set or lifted the safeguarding flag is not for the family to read.
      const { safeguarding: _flag, ...rest } = details;
      const fields = Array.isArray(rest.fields) ? rest.fields.filter((f) => f !== 'safeguarding') : [];
      if (fields.length === 0) return [];
      details = { ...rest, fields };
    }
    return [
      {
        entryId: l.entryId,
        at: l.at,
        action: l.action,
        actor: { role: l.actor.role, ...(nameable(l.actor.userId, l.actor.role) ? { userId: l.actor.userId } : {}) },
        requestId: l.requestId,
        childIds: admin ? l.childIds : l.childIds.filter((c) => c === childId),
        ...(l.mediaId ? { mediaId: l.mediaId } : {}),
        ...(details ? { details } : {}),
        month: l.month,
        seq: l.seq,
        hash: l.hash,
      },
    ];
  });

  return {
    format: EXPORT_FORMAT,
    formatVersion: EXPORT_FORMAT_VERSION,
    exportedAt: src.exportedAt,
    exportedBy: src.exportedBy,
    audience,
    requestId: src.requestId,
    child,
    guardians: Object.entries(src.child?.guardians ?? {})
      .map(([guardianId, l]) => ({ guardianId, parentalAuthority: l.parentalAuthority, ...(l.relationship ? { relationship: l.relationship } : {}), since: l.since }))
      .sort((a, b) => a.guardianId.localeCompare(b.guardianId)),
    consentLedger: src.ledger.map((e) => ({
      eventId: e.eventId,
      childId: e.childId,
      purpose: e.purpose,
      decision: e.decision,
      actor: e.actor,
      recordedBy: {
        userId: e.recordedBy.userId,
        role: e.recordedBy.role,
        channel: e.recordedBy.channel,
        ...(e.recordedBy.formReference ? { formReference: e.recordedBy.formReference } : {}),
        ...(e.recordedBy.signedOn ? { signedOn: e.recordedBy.signedOn } : {}),
      },
      noticeVersion: e.noticeVersion,
      at: e.at,
    })),
    ...(src.consentsNow ? { consentsNow: src.consentsNow as ChildExport['consentsNow'] } : {}),
    media,
    deletedMedia: src.tombstones.map((t) => ({ mediaId: t.mediaId, reason: t.reason, deletedAt: t.deletedAt })),
    publicationEvidence: src.erased?.evidence ?? [],
    requests: src.requests.map((r) => ({
      requestId: r.requestId,
      type: r.type,
      status: r.status,
      receivedAt: r.receivedAt,
      recordedAt: r.recordedAt,
      channel: r.channel,
      requestedBy: { role: r.requestedBy.role, ...(nameable(r.requestedBy.userId, r.requestedBy.role) ? { userId: r.requestedBy.userId } : {}) },
      dueDate: r.dueDate,
      ...(r.fulfilledAt ? { fulfilledAt: r.fulfilledAt } : {}),
      ...(r.declinedAt ? { declinedAt: r.declinedAt } : {}),
      ...(r.declineReason ? { declineReason: r.declineReason } : {}),
    })),
    audit,
  };
}
