import { randomUUID } from 'node:crypto';
import { HUB_ACCESS_ROLES, type HubAccessRole } from '../../src/kernel/access-matrix.js';
import { bookingSalesAccessFixture } from './booking-sales-access.js';
import type { TestHub } from './test-hub.js';

/** Every column of the matrix, the customers' too (issue #26): each role's release has a live hold of its own. */
const ROLES = HUB_ACCESS_ROLES;

/** A small seated map for the matrix: one section of four rows of 20 (row A's seat 1 a wheelchair space). */
export const BOOKING_ACCESS_MAP = [
  {
    code: 'STALLS',
    name: 'Stalls',
    priceMinor: 1500,
    rows: ['A', 'B', 'C', 'D'].map((label) => ({ label, seats: 20, ...(label === 'A' ? { wheelchair: [1] } : {}) })),
  },
];

/**
 * What the booking module's venue, show and hold routes act on, for the authorization matrix and the fuzz test: a
 * venue of store A, a SEATED show there two days ahead, a hold head office placed at it (`holdId`), and one hold per
 * role to release (`releasable[role]`: each caller's DELETE has a live target of its own).
 */
export async function bookingAccessFixture(t: TestHub, storeAId: string, adminCookie: string) {
  const must = async (what: string, p: Promise<{ status: number; body: any }>) => {
    const r = await p;
    if (r.status !== 201) throw new Error(`fixture: booking ${what} answered ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  };
  const admin = { cookie: adminCookie };
  const venue = await must(
    'venue',
    t.call(
      'POST',
      '/api/booking/venues',
      {
        storeId: storeAId,
        name: 'Matrix hall',
        timeZone: 'America/New_York',
        currency: 'USD',
        sections: BOOKING_ACCESS_MAP,
      },
      admin,
    ),
  );
  const startsAt = Date.now() + t.clock.offsetMs + 2 * 86_400_000;
  const show = await must(
    'show',
    t.call(
      'POST',
      '/api/booking/shows',
      { venueId: venue.id, title: 'Matrix night', kind: 'SEATED', startsAt, endsAt: startsAt + 7_200_000 },
      admin,
    ),
  );
  const hold = (seat: string) =>
    must(
      'hold',
      t.call('POST', `/api/booking/shows/${show.id}/holds`, { customerId: randomUUID(), seats: [seat] }, admin),
    );
  const held = await hold('STALLS-D-20');
  const releasable = {} as Record<HubAccessRole, string>;
  for (const [i, role] of ROLES.entries()) releasable[role] = (await hold(`STALLS-D-${i + 1}`)).id as string;
  // the sales routes' targets at this venue (booking-sales-access.ts, lane B)
  const sales = await bookingSalesAccessFixture(t, venue.id, adminCookie);
  return { venueId: venue.id as string, showId: show.id as string, holdId: held.id as string, releasable, sales };
}
export type BookingAccessFixture = Awaited<ReturnType<typeof bookingAccessFixture>>;
