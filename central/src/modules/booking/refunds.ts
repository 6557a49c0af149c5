/** The refund rules of a cancelled booking (pure; `sales.ts` applies them). */

const HOUR_MS = 3_600_000;

export interface RefundCase {
  /** What the customer paid, in minor units. */
  readonly amountMinor: number;
  /** When the show starts (epoch ms). */
  readonly startsAt: number;
  /** The show's own cutoff, else the hub's (`BOOKING_REFUND_CUTOFF_HOURS`), in hours before the start. */
  readonly cutoffHours: number;
  /** When the booking is cancelled (epoch ms). */
  readonly now: number;
  /** The venue cancelled the show: every booking is refunded in full, whenever. */
  readonly showCancelled?: boolean;
}

export interface RefundDecision {
  readonly refundMinor: number;
  /** The rule that decided it, as the customer reads it. */
  readonly rule: string;
}

/** The last moment a cancel is refunded in full: `cutoffHours` before the start. */
export const fullRefundUntil = (startsAt: number, cutoffHours: number): number => startsAt - cutoffHours * HOUR_MS;

/**
 * Full refund when cancelled at or before `startsAt − cutoffHours` (exactly 24 h before a 24 h cutoff still counts),
 * nothing after; a show the venue cancelled refunds in full.
 */
export function refundFor(c: RefundCase): RefundDecision {
  if (c.showCancelled) return { refundMinor: c.amountMinor, rule: 'the show was cancelled: a full refund' };
  const rule = refundRule(c.cutoffHours);
  return { refundMinor: c.now <= fullRefundUntil(c.startsAt, c.cutoffHours) ? c.amountMinor : 0, rule };
}

/** `full refund up to 24 h before the show, none after` (or `… up to the show's start …` for a cutoff of 0). */
export function refundRule(cutoffHours: number): string {
  return cutoffHours === 0
    ? 'full refund up to the start of the show, none after'
    : `full refund up to ${cutoffHours} h before the show, none after`;
}
