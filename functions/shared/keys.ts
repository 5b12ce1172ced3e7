/** Key builders for every item in the table; each item also stores its `entityType`. */
export const keys = {
  child: (childId: string) => ({ PK: `CHILD#${childId}`, SK: 'PROFILE' }),
  consentEvent: (childId: string, at: string, eventId: string) => ({
    PK: `CHILD#${childId}`,
    SK: `CONSENT#${at}#${eventId}`,
  }),
  consentPrefix: 'CONSENT#',
  guardianLink: (childId: string, guardianId: string) => ({
    PK: `CHILD#${childId}`,
    SK: `GUARDIAN#${guardianId}`,
    GSI1PK: `GUARDIAN#${guardianId}`,
    GSI1SK: `CHILD#${childId}`,
  }),
  childrenOfGuardian: (guardianId: string) => ({ GSI1PK: `GUARDIAN#${guardianId}`, GSI1SK_PREFIX: 'CHILD#' }),
  guardian: (guardianId: string) => ({ PK: `GUARDIAN#${guardianId}`, SK: 'PROFILE' }),
  group: (groupId: string) => ({ PK: `GROUP#${groupId}`, SK: 'PROFILE', GSI1PK: 'GROUPS', GSI1SK: `GROUP#${groupId}` }),
  allGroups: { GSI1PK: 'GROUPS' },
  groupChild: (groupId: string, childId: string) => ({ PK: `GROUP#${groupId}`, SK: `CHILD#${childId}` }),
  groupChildPrefix: 'CHILD#',
  groupStaff: (groupId: string, staffId: string) => ({ PK: `GROUP#${groupId}`, SK: `STAFF#${staffId}` }),
  staff: (staffId: string) => ({ PK: `STAFF#${staffId}`, SK: 'PROFILE' }),
  media: (mediaId: string) => ({ PK: `MEDIA#${mediaId}`, SK: 'ITEM' }),
  tombstone: (mediaId: string) => ({ PK: `MEDIA#${mediaId}`, SK: 'TOMBSTONE' }),
  /** Available media of a group, newest recording first (feeds, coaching library). */
  groupMedia: (groupId: string, recordedAt: string, mediaId: string) => ({
    GSI1PK: `GROUP#${groupId}#MEDIA`,
    GSI1SK: `${recordedAt}#${mediaId}`,
  }),
  /** Every item, pending or available, by the day it is due for deletion. */
  due: (date: string, mediaId: string) => ({ GSI2PK: 'DUE', GSI2SK: `${date}#${mediaId}` }),
  /** "Items depicting child X": one item per depicted child, kept (as a tombstone link) after deletion. */
  depiction: (childId: string, mediaId: string) => ({ PK: `CHILD#${childId}`, SK: `MEDIA#${mediaId}` }),
  depictionPrefix: 'MEDIA#',
  publication: (mediaId: string, at: string, publicationId: string) => ({ PK: `MEDIA#${mediaId}`, SK: `PUBLICATION#${at}#${publicationId}` }),
  publicationPrefix: 'PUBLICATION#',
  takedown: (mediaId: string, publicationId: string) => ({ PK: `MEDIA#${mediaId}`, SK: `TAKEDOWN#${publicationId}` }),
  /** Open takedown tasks, by due date; the index keys are removed when a task is done. */
  openTakedown: (dueDate: string, publicationId: string) => ({ GSI1PK: 'TAKEDOWNS#OPEN', GSI1SK: `${dueDate}#${publicationId}` }),
  /**
   * A withdrawal whose propagation to footage is not yet confirmed; written with the ledger event,
   * removed by the propagation, found by the sweep through `GSI2PK = PROPAGATE` if it lingers.
   */
  pendingPropagation: (eventId: string) => ({ PK: `PROPAGATE#${eventId}`, SK: 'PENDING' }),
  pendingPropagationIndex: (date: string, eventId: string) => ({ GSI2PK: 'PROPAGATE', GSI2SK: `${date}#${eventId}` }),
  /**
   * An audit entry written in the same request (usually the same transaction) as what it records,
   * until the chainer links it into its month's chain; found through `GSI2PK = AUDITQ`.
   */
  auditPending: (entryId: string) => ({ PK: `AUDITQ#${entryId}`, SK: 'ENTRY' }),
  auditPendingIndex: (at: string, entryId: string) => ({ GSI2PK: 'AUDITQ', GSI2SK: `${at}#${entryId}` }),
  /** A linked audit entry: link `seq` of the month's chain. Sequence numbers are zero-padded so that they sort. */
  auditLink: (month: string, seq: number) => ({ PK: `AUDIT#${month}`, SK: `SEQ#${String(seq).padStart(10, '0')}` }),
  auditLinkPrefix: 'SEQ#',
  /** The month's last link (its seq and hash): what a truncated chain is compared with. Listed in GSI1 by month. */
  auditHead: (month: string) => ({ PK: `AUDIT#${month}`, SK: 'HEAD' }),
  auditHeadIndex: (month: string) => ({ GSI1PK: 'AUDIT#MONTHS', GSI1SK: month }),
  /** The audit trail of a child or an item: one reference per linked entry, in the subject's own partition. */
  auditRef: (subjectPk: string, at: string, entryId: string) => ({ PK: subjectPk, SK: `AUDIT#${at}#${entryId}` }),
  auditRefPrefix: 'AUDIT#',
  /** A data-subject request about a child (access or erasure); indexed by due date while it is open. */
  request: (childId: string, requestId: string) => ({ PK: `CHILD#${childId}`, SK: `REQUEST#${requestId}` }),
  requestPrefix: 'REQUEST#',
  /** The one place for an open request of a type about a child: taken while one is open. */
  openRequestOfType: (childId: string, type: string) => ({ PK: `CHILD#${childId}`, SK: `OPENREQ#${type}` }),
  openRequest: (dueDate: string, requestId: string) => ({ GSI1PK: 'REQUESTS#OPEN', GSI1SK: `${dueDate}#${requestId}` }),
  /** An erasure that started and is not finished: found by the sweep through `GSI2PK = ERASE`. */
  erasing: (childId: string) => ({ PK: `CHILD#${childId}`, SK: 'ERASING' }),
  erasingIndex: (date: string, childId: string) => ({ GSI2PK: 'ERASE', GSI2SK: `${date}#${childId}` }),
  /** What stays of an erased child instead of its profile. */
  erased: (childId: string) => ({ PK: `CHILD#${childId}`, SK: 'ERASED' }),
  guardianLinkPrefix: 'GUARDIAN#',
  /** A retried request's `Idempotency-Key`, scoped to the caller, with the first answer; removed by the time to live. */
  idempotency: (scope: string, key: string) => ({ PK: `IDEMPOTENCY#${scope}#${key}`, SK: 'ANSWER' }),
  /** A tablet's idempotency key, scoped to the staff member. */
  clientReference: (staffId: string, reference: string) => ({ PK: `STAFF#${staffId}`, SK: `CLIENTREF#${reference}` }),
} as const;

export const groupPk = (groupId: string): string => `GROUP#${groupId}`;
export const childPk = (childId: string): string => `CHILD#${childId}`;

/** The table key of an item whose builder also returns index attributes. */
export const primaryKey = (k: { PK: string; SK: string }): { PK: string; SK: string } => ({ PK: k.PK, SK: k.SK });

const KEY_ATTRIBUTES = new Set(['PK', 'SK', 'GSI1PK', 'GSI1SK', 'GSI2PK', 'GSI2SK', 'entityType']);

/** An item as stored, without its table and index keys and its `entityType`: the record itself. */
export function withoutKeys<T>(item: Record<string, unknown>): T {
  return Object.fromEntries(Object.entries(item).filter(([k]) => !KEY_ATTRIBUTES.has(k))) as T;
}
