/** Sales velocity is measured over the last four weeks: long enough to smooth a weekend, short enough for seasons. */
export const VELOCITY_DAYS = 28;
/** How often a store is replenished: an order should cover the lead time plus one review period. */
export const REVIEW_DAYS = 7;

export interface ReplenishmentInput {
  readonly onHand: number;
  readonly reserved: number;
  readonly safety: number;
  /** Units sold (sales and pickups) over the last VELOCITY_DAYS. */
  readonly soldInWindow: number;
  readonly leadTimeDays: number;
}

export interface Replenishment {
  readonly velocityPerDay: number;
  /** Reorder when on-hand less reserved falls to this: demand over the lead time plus safety stock. */
  readonly reorderPoint: number;
  /** Units to order now to get back to demand over lead time + review period + safety (0 when not low). */
  readonly suggestedQty: number;
  readonly low: boolean;
}

/**
 * The classic reorder-point rule (ROP = daily demand × lead time + safety stock; order up to demand over lead time
 * and review period + safety). An item nothing sells and that has no safety stock never raises an alert, even at 0.
 */
export function replenishment(i: ReplenishmentInput): Replenishment {
  const velocityPerDay = Math.max(0, i.soldInWindow) / VELOCITY_DAYS;
  const position = i.onHand - i.reserved;
  const reorderPoint = Math.ceil(velocityPerDay * i.leadTimeDays) + i.safety;
  const orderUpTo = Math.ceil(velocityPerDay * (i.leadTimeDays + REVIEW_DAYS)) + i.safety;
  const low = position <= reorderPoint && orderUpTo > position;
  return { velocityPerDay, reorderPoint, suggestedQty: low ? orderUpTo - position : 0, low };
}
