/**
 * Whether footage may be used (SPEC section 4): every depicted child needs effective consent for
 * every purpose of the use. Pure; the caller evaluates each child's consent at the instants needed.
 */
import { blockers, type ConsentVerdict, type Reason } from './consent';
import type { Purpose } from './purposes';

export interface DepictedChildConsent {
  childId: string;
  /** Consent at the moment of use. */
  now: ConsentVerdict;
  /** Consent when the footage was recorded (uploads only). */
  atRecording?: ConsentVerdict;
}

export interface UseBlocker {
  childId: string;
  purpose: Purpose;
  /** `recorded_at`: consent did not hold when the footage was made; `now`: it does not hold now. */
  when: 'recorded_at' | 'now';
  reasons: Reason[];
}

/** Every child and purpose that blocks the use; empty means allowed. Footage of no child is never blocked. */
export function useBlockers(children: readonly DepictedChildConsent[], purposes: readonly Purpose[]): UseBlocker[] {
  return children.flatMap((c) => [
    ...(c.atRecording
      ? blockers(c.atRecording, purposes).map((b) => ({ childId: c.childId, purpose: b.purpose, when: 'recorded_at' as const, reasons: b.reasons }))
      : []),
    ...blockers(c.now, purposes).map((b) => ({ childId: c.childId, purpose: b.purpose, when: 'now' as const, reasons: b.reasons })),
  ]);
}

/**
 * Whether an item may be used for `purpose` now: it was recorded for that purpose and every
 * depicted child consents now. A child without a verdict (erased, unknown) blocks.
 */
export function usableFor(
  purpose: Purpose,
  item: { purposes: readonly Purpose[]; childIds: readonly string[] },
  verdictNow: (childId: string) => ConsentVerdict | undefined,
): boolean {
  if (!item.purposes.includes(purpose)) return false;
  return item.childIds.every((id) => verdictNow(id)?.purposes[purpose].effective === true);
}
