import { randomInt } from 'node:crypto';
import { RateLimitedError } from '@storefleet/shared';

/**
 * A customer's loyalty card number: 16 digits, `29` (a number for in-store use, never a product's GTIN), 13 random
 * digits and a GS1 mod-10 check digit, so a mistyped or misread number is caught before it is looked up. 10^13 random
 * numbers: guessing one is hopeless, and look-ups that find nothing are capped per store besides (below).
 */
export const LOYALTY_CARD = /^29\d{14}$/;

/** The GS1 check digit of a body of digits (weights 3, 1, 3… from the rightmost). */
export function checkDigit(body: string): number {
  let sum = 0;
  for (let i = 0; i < body.length; i++) sum += Number(body[body.length - 1 - i]) * (i % 2 === 0 ? 3 : 1);
  return (10 - (sum % 10)) % 10;
}

export function newLoyaltyCard(): string {
  let body = '29';
  for (let i = 0; i < 13; i++) body += String(randomInt(10));
  return body + String(checkDigit(body));
}

/** `2912345678901234` → `••••••••••••1234`: how a store sees a customer's card number (head office sees it whole). */
export const maskedCard = (card: string) => '•'.repeat(Math.max(0, card.length - 4)) + card.slice(-4);

export const isLoyaltyCard = (s: string) => LOYALTY_CARD.test(s) && checkDigit(s.slice(0, -1)) === Number(s.at(-1));

/** Digits a phone number must have to be looked up: fewer would match too many people. */
export const MIN_PHONE_DIGITS = 9;

/**
 * The digits of a phone number as people type it, without the international `00` or a national trunk `0`: "+1 (555)
 * 010-2030", "001 555 010 2030" and "555.010.2030" all give digits the hub compares by their end (a number typed
 * without its country code still finds the customer who gave it with one).
 */
export function phoneDigits(phone: string): string {
  return phone.replace(/\D/g, '').replace(/^0+/, '');
}

/**
 * How many look-ups that find nobody a store may make. The store node gives each kiosk screen a far smaller budget
 * (`store-node/src/carts/lookup-budget.ts`: 10 an hour, with growing waits), so one screen cannot spend the store's:
 * it takes a dozen screens trying numbers together to reach this, and then every phone or e-mail look-up from the store
 * gets 429 until the oldest miss leaves the window.
 *
 * The trade-off: a look-up that finds someone must say so (the greeting, the cart), so a phone number or email does
 * tell the store that it belongs to a customer, and their first name; nothing more (no surname, contact details or
 * id reach the kiosk page; the store node keeps the id). Guessing is what the caps limit: most guesses miss. Hits are
 * not capped (each needs a real customer's card, number or email). Misread cards (check digit) and numbers too short
 * to be someone's are refused before any look-up and do not count.
 */
export const STORE_LOOKUP_MISSES: { readonly max: number; readonly windowMs: number } = {
  max: 120,
  windowMs: 60 * 60_000,
};

/**
 * Card numbers that pass their check digit but find nobody have their own budget: they are 10^13 random, so trying
 * them learns nothing (not an enumeration of phone numbers), and a store whose phone budget is spent still opens
 * carts by card. The cap only bounds the load.
 */
export const STORE_CARD_LOOKUP_MISSES: { readonly max: number; readonly windowMs: number } = {
  max: 300,
  windowMs: 60 * 60_000,
};

/** Which miss budget a look-up spends: a card number's, or the phone numbers' and e-mails'. */
export type LookupBudget = 'contact' | 'card';
export const LOOKUP_BUDGETS: Record<LookupBudget, { readonly max: number; readonly windowMs: number }> = {
  contact: STORE_LOOKUP_MISSES,
  card: STORE_CARD_LOOKUP_MISSES,
};

export const NO_SUCH_CUSTOMER = 'no customer account matches that card, phone number or email';

export const tooManyLookupMisses = (waitSeconds: number) =>
  new RateLimitedError(
    `this store looked up too many cards, phone numbers or emails that matched no customer in the last hour: try again in ${Math.ceil(waitSeconds / 60)} min, or ask a member of staff`,
    waitSeconds,
  );
