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
} as const;

export const groupPk = (groupId: string): string => `GROUP#${groupId}`;
export const childPk = (childId: string): string => `CHILD#${childId}`;

/** The table key of an item whose builder also returns index attributes. */
export const primaryKey = (k: { PK: string; SK: string }): { PK: string; SK: string } => ({ PK: k.PK, SK: k.SK });
