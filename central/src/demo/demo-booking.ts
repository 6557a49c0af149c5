/**
 * The demo's bookings (issue #19), through the hub's API: a head-office cinema screen (300 seats in two priced
 * sections, wheelchair spaces with their companion seats) with a show tonight, a workshop room at the first store with
 * a workshop (a slot of places) and a seated in-store event, a small class that is sold out with one customer on its
 * waitlist, and a few holds and bookings. Venues are made once (found by name on a restart); a show is made when no
 * upcoming one of its title is on sale, and only then are its holds placed. Nothing here stops the demo: a refusal is
 * said in the banner.
 */
import { randomUUID } from 'node:crypto';
import { attempts } from './demo-attempt.js';
import type { DemoStore } from './demo-stores.js';

type Api = <T = unknown>(method: string, path: string, body?: unknown) => Promise<T>;

interface Venue {
  readonly id: string;
  readonly name: string;
  readonly storeId: string | null;
}
interface Show {
  readonly id: string;
  readonly venueId: string;
  readonly title: string;
  readonly startsAt: number;
  readonly status: string;
}

const CINEMA = 'Storefleet Cinema, Screen 1';
const ROOM = 'Workshop room';
const CINEMA_ZONE = 'America/New_York';

/** The cinema: stalls A–J and a circle K–O, 20 seats a row; wheelchair spaces at the ends of row A, companions beside. */
export const demoCinema = {
  storeId: null,
  name: CINEMA,
  timeZone: CINEMA_ZONE,
  currency: 'USD',
  sections: [
    {
      code: 'STALLS',
      name: 'Stalls',
      priceMinor: 1200,
      rows: 'ABCDEFGHIJ'
        .split('')
        .map((label) =>
          label === 'A' ? { label, seats: 20, wheelchair: [1, 20], companion: [2, 19] } : { label, seats: 20 },
        ),
    },
    {
      code: 'CIRCLE',
      name: 'Circle',
      priceMinor: 1650,
      rows: 'KLMNO'.split('').map((label) => ({ label, seats: 20 })),
    },
  ],
};

/** A store's workshop room: three rows of eight, one wheelchair space with its companion seat. */
export const demoRoom = (store: DemoStore & { readonly storeId: string }) => ({
  storeId: store.storeId,
  name: ROOM,
  timeZone: store.timezone,
  currency: 'USD',
  sections: [
    {
      code: 'ROOM',
      name: 'Room',
      priceMinor: 500,
      rows: [
        { label: 'A', seats: 8, wheelchair: [1], companion: [2] },
        { label: 'B', seats: 8 },
        { label: 'C', seats: 8 },
      ],
    },
  ],
});

/** `hour`:00 on the day `daysAhead` from today on `tz`'s clock, as epoch ms. */
export function zonedHour(now: number, tz: string, daysAhead: number, hour: number): number {
  const day = new Intl.DateTimeFormat('en-CA', { timeZone: tz }).format(now + daysAhead * 86_400_000);
  const [y, m, d] = day.split('-').map(Number) as [number, number, number];
  const wall = Date.UTC(y, m - 1, d, hour);
  const offset = (ms: number) => {
    const p = Object.fromEntries(
      new Intl.DateTimeFormat('en-US', {
        timeZone: tz,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
      })
        .formatToParts(ms)
        .map((x) => [x.type, x.value]),
    );
    return Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!) - ms;
  };
  const guess = wall - offset(wall);
  return wall - offset(guess);
}

export interface DemoBookings {
  /** What the banner says: "4 shows on sale (2 made now), 5 holds and bookings, 1 on a waitlist". */
  readonly summary: string;
}

/** Adds the demo's venues and shows (once) and their holds, bookings and waitlist. */
export async function seedDemoBookings(o: {
  api: Api;
  stores: readonly (DemoStore & { readonly storeId: string })[];
  customers: readonly string[];
  say: (line: string) => void;
  now?: number;
}): Promise<DemoBookings> {
  const { api } = o;
  const now = o.now ?? Date.now();
  const { attempt, refused } = attempts();
  const customer = (i: number) => o.customers[i % Math.max(1, o.customers.length)] ?? randomUUID();
  o.say('adding the demo venues and shows…');

  const listed = await api<{ items: Venue[] } | Venue[]>('GET', '/api/booking/venues');
  const venues = Array.isArray(listed) ? listed : listed.items;
  const first = o.stores[0];
  const venueOf = async (body: { name: string; storeId: string | null }) =>
    venues.find((v) => v.name === body.name && (v.storeId ?? null) === body.storeId) ??
    (await attempt(`venue ${body.name}`, () => api<Venue>('POST', '/api/booking/venues', body)));
  const cinema = await venueOf(demoCinema);
  const room = first ? await venueOf(demoRoom(first)) : undefined;

  const upcoming = await api<{ items: Show[] }>('GET', `/api/booking/shows?from=${now}&limit=200`);
  let made = 0;
  let onSale = 0;
  let holds = 0;
  let waiting = 0;
  /** The show of this title at this venue still on sale, or a new one (`fresh`: its holds are to be placed). */
  const showOf = async (venue: Venue | undefined, body: Record<string, unknown> & { title: string }) => {
    if (!venue) return undefined;
    const known = upcoming.items.find(
      (s) => s.venueId === venue.id && s.title === body.title && s.status === 'ON_SALE',
    );
    if (known) {
      onSale++;
      return { show: known, fresh: false };
    }
    const show = await attempt(`show ${body.title}`, () =>
      api<Show>('POST', '/api/booking/shows', { venueId: venue.id, ...body }),
    );
    if (!show) return undefined;
    made++;
    onSale++;
    return { show, fresh: true };
  };
  /** A hold; `confirm` pays for it (the demo's payment provider is the simulator) and makes it a booking. */
  const hold = async (show: Show, body: Record<string, unknown>, confirm: boolean) => {
    const h = await attempt(`hold at ${show.title}`, () =>
      api<{ id: string }>('POST', `/api/booking/shows/${show.id}/holds`, body),
    );
    if (!h) return;
    holds++;
    if (confirm) await attempt(`confirm at ${show.title}`, () => api('POST', `/api/booking/holds/${h.id}/confirm`, {}));
  };

  // tonight at the cinema: 20:00 New York time, or two hours from now when that has passed
  const tonight = zonedHour(now, CINEMA_ZONE, 0, 20);
  const startsAt = tonight > now + 30 * 60_000 ? tonight : Math.ceil((now + 2 * 3_600_000) / 3_600_000) * 3_600_000;
  const film = await showOf(cinema, {
    title: 'The Long Goodbye (1973)',
    kind: 'SEATED',
    startsAt,
    endsAt: startsAt + 135 * 60_000,
  });
  if (film?.fresh) {
    await hold(film.show, { customerId: customer(0), best: { count: 2, section: 'STALLS' } }, true);
    await hold(film.show, { customerId: customer(1), seats: ['CIRCLE-K-9', 'CIRCLE-K-10', 'CIRCLE-K-11'] }, true);
    await hold(film.show, { customerId: customer(2), seats: ['STALLS-A-1', 'STALLS-A-2'], accessible: true }, true);
    await hold(film.show, { customerId: customer(3), seats: ['STALLS-F-10', 'STALLS-F-11'] }, false);
  }

  if (first) {
    const tz = first.timezone;
    const workshop = await showOf(room, {
      title: 'Home espresso workshop',
      kind: 'CAPACITY',
      startsAt: zonedHour(now, tz, 1, 10),
      endsAt: zonedHour(now, tz, 1, 12),
      capacity: 12,
      priceMinor: 2500,
    });
    if (workshop?.fresh) {
      await hold(workshop.show, { customerId: customer(4), places: 2 }, true);
      await hold(workshop.show, { customerId: customer(5), places: 1 }, false);
    }
    const talk = await showOf(room, {
      title: 'Meet the maker: stoneware evening',
      kind: 'SEATED',
      startsAt: zonedHour(now, tz, 2, 18),
      endsAt: zonedHour(now, tz, 2, 20),
    });
    if (talk?.fresh) await hold(talk.show, { customerId: customer(6), best: { count: 2 } }, true);
    // a small class, sold out, with one customer waiting for a place
    const knives = await showOf(room, {
      title: 'Knife skills (small class)',
      kind: 'CAPACITY',
      startsAt: zonedHour(now, tz, 3, 17),
      endsAt: zonedHour(now, tz, 3, 19),
      capacity: 4,
      priceMinor: 4000,
    });
    if (knives?.fresh) {
      await hold(knives.show, { customerId: customer(7), places: 4 }, true);
      const joined = await attempt('waitlist at Knife skills', () =>
        api('POST', `/api/booking/shows/${knives.show.id}/waitlist`, { customerId: customer(8), places: 1 }),
      );
      if (joined) waiting++;
    }
  }

  const summary = `${onSale} show${onSale === 1 ? '' : 's'} on sale (${made} made now)${
    made ? `, ${holds} holds and bookings placed, ${waiting} on a waitlist` : ''
  }${refused.length ? `\n                        not done: ${refused.join('; ')}` : ''}`;
  return { summary };
}
