/** The three purposes of SPEC section 1. Consent is given or withdrawn per child per purpose. */
export const PURPOSES = ['parent_information', 'coaching_video', 'publication'] as const;
export type Purpose = (typeof PURPOSES)[number];

export const DECISIONS = ['granted', 'withdrawn'] as const;
export type Decision = (typeof DECISIONS)[number];

/** `youth-care` (default): guardians and child decide from 12 to 15. `uavg`: guardians decide under 16. */
export const AGE_POLICIES = ['youth-care', 'uavg'] as const;
export type AgePolicy = (typeof AGE_POLICIES)[number];
