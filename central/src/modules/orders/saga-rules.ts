/**
 * The order saga as data: the steps in order, and for each step done the compensation that undoes it. A failed step
 * (or a customer's cancellation) runs the compensations of the steps already done, newest first.
 */
export const STEPS = ['RESERVE', 'AUTHORISE', 'FULFIL', 'CONFIRM'] as const;
export type Step = (typeof STEPS)[number];

export const COMPENSATIONS = ['CANCEL_FULFILMENT', 'VOID_PAYMENT', 'RELEASE_HOLD'] as const;
export type Compensation = (typeof COMPENSATIONS)[number];

/** PICKED_UP: a store handed the goods over (the saga is over; its payment is captured after). */
export type OrderStatus = 'PENDING' | 'CONFIRMED' | 'COMPENSATING' | 'FAILED' | 'CANCELLED' | 'PICKED_UP';

/** Where the saga stood when it turned back, and what fulfilment it had created. */
export interface SagaProgress {
  /** The step that failed (or DONE, for a cancellation). */
  readonly at: Step | 'DONE';
  readonly fulfilmentRef: string | null;
}

export function nextStep(step: Step): Step | 'DONE' {
  const i = STEPS.indexOf(step);
  return i + 1 < STEPS.length ? STEPS[i + 1]! : 'DONE';
}

/** The compensations owed, in the order they must run. */
export function compensationsFor(p: SagaProgress): Compensation[] {
  const reached = (s: Step) => p.at === 'DONE' || STEPS.indexOf(p.at) >= STEPS.indexOf(s);
  const due: Compensation[] = [];
  if (p.fulfilmentRef) due.push('CANCEL_FULFILMENT');
  // An authorisation that failed or timed out may still turn into a charge: void by the order's key (a void of a key
  // the provider never saw is remembered and harmless).
  if (reached('AUTHORISE')) due.push('VOID_PAYMENT');
  // RESERVE may have granted the hold before failing to record it; releasing a hold that does not exist is a no-op.
  due.push('RELEASE_HOLD');
  return due;
}

/** What a confirmed order still owes when it is cancelled after its hold was ended (released under its lock, expired, cancelled by repair). */
export function compensationsWithoutHold(fulfilmentRef: string | null): Compensation[] {
  return compensationsFor({ at: 'DONE', fulfilmentRef }).filter((c) => c !== 'RELEASE_HOLD');
}
