/**
 * The order saga as data: the steps in order, and for each step done the compensation that undoes it. A failed step
 * (or a customer's cancellation) runs the compensations of the steps already done, newest first.
 */
export const STEPS = ['RESERVE', 'AUTHORISE', 'FULFIL', 'CONFIRM'] as const;
export type Step = (typeof STEPS)[number];

export const COMPENSATIONS = ['CANCEL_FULFILMENT', 'VOID_PAYMENT', 'RELEASE_HOLD'] as const;
export type Compensation = (typeof COMPENSATIONS)[number];

export type OrderStatus = 'PENDING' | 'CONFIRMED' | 'COMPENSATING' | 'FAILED' | 'CANCELLED';

/** What an order holds that must be given back: filled in as steps succeed (or might have, see AUTHORISE). */
export interface SagaProgress {
  readonly reservationId: string | null;
  /** Set as soon as authorisation is attempted: a timeout may still become a charge. */
  readonly paymentAttempted: boolean;
  readonly fulfilmentRef: string | null;
}

export function nextStep(step: Step): Step | 'DONE' {
  const i = STEPS.indexOf(step);
  return i + 1 < STEPS.length ? STEPS[i + 1]! : 'DONE';
}

/** The compensations owed, in the order they must run. */
export function compensationsFor(p: SagaProgress): Compensation[] {
  const due: Compensation[] = [];
  if (p.fulfilmentRef) due.push('CANCEL_FULFILMENT');
  if (p.paymentAttempted) due.push('VOID_PAYMENT');
  if (p.reservationId) due.push('RELEASE_HOLD');
  return due;
}
