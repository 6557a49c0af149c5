import { z } from 'zod';
import { deliveryText, UnprocessableError } from '@storefleet/shared';
import type { SeatColumns } from './repository.js';
import type { Section, SeatKind } from './types.js';

/** The most seats a venue's map may hold (the issue's 50,000-seat maps). */
export const MAX_VENUE_SEATS = 50_000;

/** A section code or row label: capitals and digits, so a seat's label `STALLS-C-12` reads back one way. */
const code = z.string().regex(/^[A-Z0-9]{1,16}$/, 'capital letters and digits, 1 to 16 of them (STALLS, C, 12)');
const seatNumber = z.number().int().min(1).max(10_000);

const rowSchema = z
  .strictObject({
    label: code,
    seats: z.number().int().min(1).max(300),
    firstNumber: seatNumber.optional(),
    wheelchair: z.array(seatNumber).max(300).optional(),
    companion: z.array(seatNumber).max(300).optional(),
  })
  .superRefine((r, ctx) => {
    const first = r.firstNumber ?? 1;
    const last = first + r.seats - 1;
    const seen = new Set<number>();
    for (const [key, list] of [
      ['wheelchair', r.wheelchair ?? []],
      ['companion', r.companion ?? []],
    ] as const) {
      for (const n of list) {
        if (n < first || n > last)
          ctx.addIssue({
            code: 'custom',
            path: [key],
            message: `row ${r.label} has seats ${first} to ${last}, not ${n}`,
          });
        else if (seen.has(n))
          ctx.addIssue({ code: 'custom', path: [key], message: `seat ${n} of row ${r.label} is named twice` });
        seen.add(n);
      }
    }
  });

const sectionSchema = z.strictObject({
  code,
  name: deliveryText(80),
  priceMinor: z.number().int().min(0).max(100_000_000),
  rows: z.array(rowSchema).min(1).max(500),
});

/** A time zone the hub's Intl knows (`Europe/London`). */
const timeZone = z
  .string()
  .min(1)
  .max(64)
  .refine(
    (tz) => {
      try {
        new Intl.DateTimeFormat('en', { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    },
    { message: 'not a time zone (Europe/London, America/New_York)' },
  );

export const newVenueSchema = z.strictObject({
  storeId: z
    .string()
    .regex(/^[\x21-\x7e]{1,64}$/, 'a store id')
    .nullable()
    .optional(),
  name: deliveryText(120),
  timeZone,
  currency: z.string().regex(/^[A-Z]{3}$/, 'a three-letter currency code (USD)'),
  sections: z.array(sectionSchema).min(1).max(50),
});
export type NewVenue = z.infer<typeof newVenueSchema>;

/**
 * The seats of a venue in map order (section, row, number as given): seat_no is the index. Refuses a map over 50,000
 * seats, a section code or a row named twice.
 */
export function layOut(v: NewVenue): { sections: Section[]; seats: SeatColumns } {
  const total = v.sections.reduce((a, s) => a + s.rows.reduce((b, r) => b + r.seats, 0), 0);
  if (total > MAX_VENUE_SEATS)
    throw new UnprocessableError(
      `a venue holds at most ${MAX_VENUE_SEATS.toLocaleString('en')} seats; this map has ${total.toLocaleString('en')}`,
    );
  const codes = new Set<string>();
  const seats: SeatColumns = { sections: [], rows: [], numbers: [], kinds: [] };
  for (const s of v.sections) {
    if (codes.has(s.code)) throw new UnprocessableError(`section ${s.code} is named twice`);
    codes.add(s.code);
    const rows = new Set<string>();
    for (const r of s.rows) {
      if (rows.has(r.label)) throw new UnprocessableError(`row ${r.label} is named twice in section ${s.code}`);
      rows.add(r.label);
      const wheelchair = new Set(r.wheelchair ?? []);
      const companion = new Set(r.companion ?? []);
      const first = r.firstNumber ?? 1;
      for (let n = first; n < first + r.seats; n++) {
        const kind: SeatKind = wheelchair.has(n) ? 'WHEELCHAIR' : companion.has(n) ? 'COMPANION' : 'STANDARD';
        seats.sections.push(s.code);
        seats.rows.push(r.label);
        seats.numbers.push(n);
        seats.kinds.push(kind);
      }
    }
  }
  return { sections: v.sections.map((s) => ({ code: s.code, name: s.name, priceMinor: s.priceMinor })), seats };
}

/** `STALLS-C-12` → its parts; undefined when it is not a seat label. */
export function parseSeatLabel(label: string): { section: string; row: string; number: number } | undefined {
  const m = /^([A-Z0-9]{1,16})-([A-Z0-9]{1,16})-(\d{1,5})$/.exec(label);
  if (!m) return undefined;
  return { section: m[1]!, row: m[2]!, number: Number(m[3]) };
}
