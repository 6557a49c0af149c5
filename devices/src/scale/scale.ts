export interface Weighing {
  /** Grams (the scale may report kg, g or lb; converted). */
  readonly grams: number;
  readonly stable: boolean;
  readonly overload: boolean;
}

const TO_GRAMS: Record<string, number> = { kg: 1000, g: 1, lb: 453.59237 };

/**
 * The continuous output of retail scales in the A&D style: `ST,+0001.250kg` (stable), `US,…` (unstable, still
 * settling), `OL,…` (overload). A till may sell by weight only on a stable reading.
 */
export function parseWeighing(line: string): Weighing | undefined {
  const m = /^(ST|US|OL),\s*([+-])\s*(\d{1,6}(?:\.\d{1,4})?)\s*(kg|g|lb)$/.exec(line.trim());
  if (!m) return undefined;
  const [, head, sign, value, unit] = m as unknown as [string, string, string, string, string];
  const grams = Math.round(Number(value) * TO_GRAMS[unit]! * (sign === '-' ? -1 : 1) * 10) / 10;
  return { grams, stable: head === 'ST', overload: head === 'OL' };
}

export function formatWeighing(w: { grams: number; stable: boolean; overload?: boolean }): string {
  const head = w.overload ? 'OL' : w.stable ? 'ST' : 'US';
  const kg = Math.abs(w.grams) / 1000;
  return `${head},${w.grams < 0 ? '-' : '+'}${kg.toFixed(3).padStart(9, '0')}kg`;
}
