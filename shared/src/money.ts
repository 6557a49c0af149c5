/**
 * Money is an integer count of minor units (cents) in one currency; arithmetic never leaves integers. Rates are
 * held as parts per million (ppm), which represents every real-world tax rate (8.875 % = 88,750 ppm) exactly.
 */
export type Currency = string;

export interface Money {
  readonly minor: number;
  readonly currency: Currency;
}

export function money(minor: number, currency: Currency = 'USD'): Money {
  if (!Number.isSafeInteger(minor)) throw new RangeError(`money must be an integer of minor units, got ${minor}`);
  if (!/^[A-Z]{3}$/.test(currency)) throw new RangeError(`currency must be an ISO 4217 code, got ${currency}`);
  return { minor, currency };
}

export function addMoney(a: Money, b: Money): Money {
  if (a.currency !== b.currency) throw new RangeError(`cannot add ${a.currency} to ${b.currency}`);
  return money(a.minor + b.minor, a.currency);
}

export function sumMoney(items: readonly Money[], currency: Currency = 'USD'): Money {
  return items.reduce((acc, m) => addMoney(acc, m), money(0, currency));
}

export function timesQuantity(unit: Money, quantity: number): Money {
  if (!Number.isSafeInteger(quantity)) throw new RangeError(`quantity must be an integer, got ${quantity}`);
  return money(unit.minor * quantity, unit.currency);
}

/** Rounds half away from zero, as tills and tax authorities in most of our markets do. */
export function roundHalfAwayFromZero(value: number): number {
  return Math.sign(value) * Math.round(Math.abs(value));
}

/** Applies a rate in parts per million (8.875 % = 88_750 ppm) and rounds to a whole minor unit. */
export function applyRatePpm(amount: Money, ratePpm: number): Money {
  if (!Number.isSafeInteger(ratePpm) || ratePpm < 0) throw new RangeError(`rate must be a non-negative integer ppm, got ${ratePpm}`);
  // Integer maths: minor * ppm fits in 2^53 for any till amount below ~9e9 minor units at 100 % rate.
  return money(roundHalfAwayFromZero((amount.minor * ratePpm) / 1_000_000), amount.currency);
}

const formatters = new Map<string, Intl.NumberFormat>();

/** `$1,234.56`. Formatters are cached: building one costs far more than using it (a receipt formats a dozen amounts). */
export function formatMoney(m: Money, locale = 'en-US'): string {
  const key = `${locale}/${m.currency}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.NumberFormat(locale, { style: 'currency', currency: m.currency });
    formatters.set(key, f);
  }
  return f.format(m.minor / 100);
}
