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
  if (!Number.isSafeInteger(ratePpm) || ratePpm < 0)
    throw new RangeError(`rate must be a non-negative integer ppm, got ${ratePpm}`);
  // Integer maths: minor * ppm fits in 2^53 for any till amount below ~9e9 minor units at 100 % rate.
  return money(roundHalfAwayFromZero((amount.minor * ratePpm) / 1_000_000), amount.currency);
}

interface Formatter {
  readonly intl: Intl.NumberFormat;
  /** Set when the locale's pattern is plain (prefix, groups of three, two decimals, suffix): formatted by hand. */
  readonly plain?: { prefix: string; suffix: string; group: string; decimal: string };
}

const formatters = new Map<string, Formatter>();

function formatterFor(locale: string, currency: Currency): Formatter {
  const intl = new Intl.NumberFormat(locale, { style: 'currency', currency });
  const parts = intl.formatToParts(1234567.89);
  const ints = parts.filter((p) => p.type === 'integer').map((p) => p.value.length);
  const first = parts.findIndex((p) => p.type === 'integer');
  const last = parts.findIndex((p) => p.type === 'fraction');
  const group = parts.find((p) => p.type === 'group')?.value;
  const decimal = parts.find((p) => p.type === 'decimal')?.value;
  const standard =
    ints.join() === '1,3,3' && parts[last]?.value === '89' && /^[0-9]+$/.test(parts[first]!.value) && group && decimal;
  if (!standard || intl.resolvedOptions().maximumFractionDigits !== 2) return { intl };
  const text = (ps: Intl.NumberFormatPart[]) => ps.map((p) => p.value).join('');
  return { intl, plain: { prefix: text(parts.slice(0, first)), suffix: text(parts.slice(last + 1)), group, decimal } };
}

/**
 * `$1,234.56`. A receipt formats a dozen amounts and Intl's format is slow on a till's CPU, so for locales with a
 * plain pattern the formatter learns the pattern from Intl once and then formats by hand (tests compare both).
 */
export function formatMoney(m: Money, locale = 'en-US'): string {
  const key = `${locale}/${m.currency}`;
  let f = formatters.get(key);
  if (!f) {
    f = formatterFor(locale, m.currency);
    formatters.set(key, f);
  }
  const p = f.plain;
  if (!p || m.minor < 0) return f.intl.format(m.minor / 100);
  const whole = String(Math.trunc(m.minor / 100));
  let grouped = whole.slice(0, ((whole.length - 1) % 3) + 1);
  for (let i = grouped.length; i < whole.length; i += 3) grouped += p.group + whole.slice(i, i + 3);
  const cents = m.minor % 100;
  return p.prefix + grouped + p.decimal + (cents < 10 ? '0' : '') + cents + p.suffix;
}
