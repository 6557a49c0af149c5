import { gtinCheckDigit, UnprocessableError } from '@storefleet/shared';

/**
 * The customer's loyalty card shown at the lane (#21): 16 digits starting `29` (GS1's prefix for numbers used inside
 * a store, never a product's GTIN) ending in a GS1 mod-10 check digit. The till checks it itself, offline: a misread
 * or mistyped number is refused at the lane before it can be sent on `sale.completed`. Pure.
 *
 * The whole number leaves the node only on the sale's event to the hub; the lane's screen and the receipt see it
 * masked, and a completed sale keeps only its last four digits.
 */
export const CUSTOMER_CARD = /^29\d{14}$/;

/** A card number as a wedge scanner or a cashier gives it: spaces and dashes between the digits are dropped. */
export const cardDigits = (typed: string): string => typed.replace(/[\s-]/g, '');

/** Whether a scan or a typed code is a customer card (not a product): 16 digits starting `29`, check digit aside. */
export const looksLikeCustomerCard = (code: string): boolean => CUSTOMER_CARD.test(cardDigits(code));

/** `2912345678901234` → `••••••••••••1234`: how the lane shows a card. */
export const maskedCard = (lastFour: string): string => '•'.repeat(12) + lastFour;

/**
 * The card number in `typed`, or a 422 that says in words what is wrong with it (echoing at most its last four
 * digits: the refusal is logged).
 */
export function parseCustomerCard(typed: string): string {
  const card = cardDigits(typed);
  if (!CUSTOMER_CARD.test(card)) {
    throw new UnprocessableError(
      'That is not a customer card number: a customer card has 16 digits and starts with 29. Scan the card again, or type the number under its barcode.',
    );
  }
  if (gtinCheckDigit(card.slice(0, -1)) !== Number(card.at(-1))) {
    throw new UnprocessableError(
      `Customer card ${maskedCard(card.slice(-4))} does not check out (a digit was misread or mistyped): scan the card again, or type the number carefully.`,
    );
  }
  return card;
}
