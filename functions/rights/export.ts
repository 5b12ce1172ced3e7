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
import type { AuditLink } from '../shared/audit';
import type { ChildRecord } from '../shared/repositories/children';
import type { ErasedRecord } from '../shared/repositories/erasure';
import type { MediaItem, Publication, TakedownTask, Tombstone } from '../shared/repositories/media';
import type { DataSubjectRequest } from '../shared/repositories/requests';
import type { ConsentEvent } from '../domain/consent';
import { eventForFamily, familyNameable, historyFor, type ShownVerdict } from '../shared/child-view';
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
  consentsNow?: ShownVerdict;
  items: HeldItem[];
  tombstones: Tombstone[];
  audit: AuditLink[];
  requests: DataSubjectRequest[];
}

const audienceOf = (role: string): Audience => (role === 'admin' ? 'admin' : role === 'child' ? 'child' : 'guardian');

export type Withheld = 'not_available' | 'depicts_other_children' | 'blocked_by_organisation';

/** Codes a family may always read in an entry's details. */
const CODES = new Set(['use', 'reason', 'code', 'purpose', 'purposes', 'channel', 'publicationId', 'fields', 'locationRemoved', 'type', 'items', 'downloads', 'keptPublications', 'keptEvents']);
/** References a family may read only in entries about its own child alone: to its ledger, its requests, its guardians. */
const OWN_REFERENCES = new Set(['eventId', 'requestId', 'guardianId']);

/**
 * An entry's details as a family may read them: codes, and references only where the entry is
 * about this child alone (an item's entry caused by another child's withdrawal or erasure names
 * that child's event or request: left out). Whether the safeguarding flag was touched is not
 * shown (`null`: leave the whole entry out when nothing else changed).
 */
function familyDetails(
  entry: AuditLink,
  childId: string,
  nameable: (userId: string, role: string) => boolean,
): AuditLink['details'] | null | undefined {
  if (!entry.details) return undefined;
  const own = !entry.mediaId && entry.childIds.length === 1 && entry.childIds[0] === childId;
  const kept = Object.entries(entry.details).filter(([k, v]) => {
    if (CODES.has(k)) return true;
    if (!own || !OWN_REFERENCES.has(k)) return false;
    return k !== 'guardianId' || nameable(String(v), 'guardian');
  });
  const details = Object.fromEntries(kept) as NonNullable<AuditLink['details']>;
  if (Array.isArray(details.fields)) {
    details.fields = details.fields.filter((f) => f !== 'safeguarding');
    if (details.fields.length === 0) return null;
  }
  return Object.keys(details).length > 0 ? details : undefined;
}

export function presentExport(
  src: ExportSources,
  withheld: ReadonlyMap<string, Withheld>,
  downloads: ReadonlyMap<string, { url: string; expiresAt: string }>,
): ChildExport {
  const audience = audienceOf(src.exportedBy.role);
  const admin = audience === 'admin';
  const { childId } = src;
  const family = familyNameable(childId, Object.keys(src.child?.guardians ?? {}), src.ledger);
  const nameable = (userId: string, role: string) => admin || family(userId, role);

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
    const details = admin ? l.details : familyDetails(l, childId, nameable);
    if (details === null) return [];
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
    ...(src.child ? { factsHistory: historyFor(src.child.history, { role: admin ? 'admin' : 'guardian' }) } : {}),
    consentLedger: src.ledger.map((e) => {
      const shown = admin ? e : eventForFamily(e, family);
      return {
        eventId: shown.eventId,
        childId: shown.childId,
        purpose: shown.purpose,
        decision: shown.decision,
        actor: shown.actor,
        recordedBy: {
          ...(shown.recordedBy.userId ? { userId: shown.recordedBy.userId } : {}),
          role: shown.recordedBy.role,
          channel: shown.recordedBy.channel,
          ...(shown.recordedBy.formReference ? { formReference: shown.recordedBy.formReference } : {}),
          ...(shown.recordedBy.signedOn ? { signedOn: shown.recordedBy.signedOn } : {}),
        },
        noticeVersion: shown.noticeVersion,
        at: shown.at,
      };
    }),
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
