import { randomUUID } from 'node:crypto';
import { seatMapFrameSchema, type SeatMapFrame } from '@storefleet/shared';
import { vi } from 'vitest';
import WebSocket from 'ws';
import type { DbTarget } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import type { HubContext } from '../../../kernel/module-contract.js';
import { bookingParts } from '../index.js';
import type { SeatMapLive } from '../live/seat-map-live.js';
import { bookingModules } from './booking-modules.js';

/** What a test may set on the hub (the test hub's own type: a module's files do not import the hub's config). */
type HubOverrides = NonNullable<Parameters<typeof TestHub.start>[1]>;

/** A tick period no other timer of the hub uses: the live map's own timer is found by it (and stopped, if asked). */
const OUR_TICK_MS = 4_999;

/**
 * A test hub and its live seat map. `driven`: the map's timer is stopped, so the test runs every tick itself
 * (`live.tick()`) and counts hold whatever the machine's speed; `now` stands in for the hub's clock.
 */
export async function startLiveHub(
  target: DbTarget,
  o: { driven?: boolean; now?: () => number; config?: HubOverrides } = {},
): Promise<{ t: TestHub; live: SeatMapLive; ctx: HubContext }> {
  const { modules, context } = await bookingModules('sockets');
  const set = vi.spyOn(globalThis, 'setInterval');
  let t: TestHub;
  try {
    t = await TestHub.start(target, {
      modules,
      ...(o.now ? { now: o.now } : {}),
      ...(o.driven ? { tuning: { bookingSeatMapTickMs: OUR_TICK_MS } } : {}),
      ...o.config,
    });
    if (o.driven)
      for (const [i, c] of set.mock.calls.entries())
        if (c[1] === OUR_TICK_MS) clearInterval(set.mock.results[i]!.value as NodeJS.Timeout);
  } finally {
    set.mockRestore();
  }
  const ctx = context();
  return { t, live: bookingParts(ctx).live, ctx };
}

/**
 * A live seat map viewer as a web page would be: it opens the socket (anonymous unless given headers), checks every
 * frame against the wire schema, and keeps the map (snapshot + changes applied in order). A frame out of version order
 * is recorded as a gap.
 */
export class Viewer {
  readonly frames: SeatMapFrame[] = [];
  readonly gaps: string[] = [];
  map: string[] = [];
  left = -1;
  version = -1;
  closed: { code: number; reason: string } | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.#take(String(data)));
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
    });
    ws.on('error', () => undefined);
  }

  static async open(t: TestHub, showId: string, headers: Record<string, string> = {}): Promise<Viewer> {
    const ws = new WebSocket(`${t.url.replace(/^http/, 'ws')}/api/booking/shows/${showId}/live`, { headers });
    const v = new Viewer(ws);
    await new Promise<void>((resolve, reject) => {
      ws.once('open', () => resolve());
      ws.once('unexpected-response', (_req, res) => reject(new Error(`upgrade answered ${res.statusCode}`)));
      ws.once('error', reject);
    });
    await waitFor('the snapshot', () => v.frames.length > 0);
    return v;
  }

  #take(text: string): void {
    const frame = seatMapFrameSchema.parse(JSON.parse(text));
    this.frames.push(frame);
    if (frame.type === 'snapshot') {
      this.map = [...frame.seats];
      this.left = frame.free;
      this.version = frame.version;
    } else if (frame.type === 'changes') {
      if (frame.version !== this.version + 1) this.gaps.push(`${this.version} → ${frame.version}`);
      this.version = frame.version;
      for (const n of frame.free) this.map[n] = '.';
      for (const n of frame.held) this.map[n] = 'h';
      for (const n of frame.sold) this.map[n] = 's';
      this.left = frame.left;
    }
  }

  get seats(): string {
    return this.map.join('');
  }

  get changes(): number {
    return this.frames.filter((f) => f.type === 'changes').length;
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    await new Promise<void>((resolve) => {
      this.ws.once('close', () => resolve());
      this.ws.close();
      setTimeout(() => {
        this.ws.terminate();
        resolve();
      }, 2_000).unref();
    });
  }
}

/** The map as the database has it: one character per seat, from the show's claims. */
export async function databaseMap(t: TestHub, showId: string, seatCount: number): Promise<string> {
  const { rows } = await t.hub.db.query<{ seat_no: number; sold: boolean }>(
    'SELECT seat_no, sold FROM booking_seat_claims WHERE show_id = $1',
    [showId],
  );
  const map = new Array<string>(seatCount).fill('.');
  for (const r of rows) map[Number(r.seat_no)] = r.sold ? 's' : 'h';
  return map.join('');
}

/** A head-office venue of `rows` rows of `perRow` seats in one section (rows A, B, … then R27, R28 …). */
export async function addVenue(t: TestHub, admin: string, rows: number, perRow: number) {
  const label = (i: number) => (i < 26 ? String.fromCharCode(65 + i) : `R${i + 1}`);
  const res = await t.call(
    'POST',
    '/api/booking/venues',
    {
      name: `Live map hall ${randomUUID().slice(0, 8)}`,
      timeZone: 'Europe/London',
      currency: 'GBP',
      sections: [
        {
          code: 'STALLS',
          name: 'Stalls',
          priceMinor: 1_500,
          rows: Array.from({ length: rows }, (_, i) => ({ label: label(i), seats: perRow })),
        },
      ],
    },
    { cookie: admin },
  );
  if (res.status !== 201) throw new Error(`venue: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string; seatCount: number };
}

/** A show at the venue tomorrow (SEATED), or a CAPACITY slot of `capacity` places. */
export async function addShow(t: TestHub, admin: string, venueId: string, capacity?: number) {
  const startsAt = Date.now() + t.clock.offsetMs + 86_400_000;
  const res = await t.call(
    'POST',
    '/api/booking/shows',
    {
      venueId,
      title: capacity ? 'Eye test slot' : 'Live map premiere',
      kind: capacity ? 'CAPACITY' : 'SEATED',
      startsAt,
      endsAt: startsAt + 7_200_000,
      ...(capacity ? { capacity, priceMinor: 0 } : {}),
    },
    { cookie: admin },
  );
  if (res.status !== 201) throw new Error(`show: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as { id: string };
}

/** Holds the named seats (`STALLS-A-1`) for a new customer; returns the hold's id. */
export async function holdSeats(t: TestHub, admin: string, showId: string, seats: readonly string[]) {
  const res = await t.call(
    'POST',
    `/api/booking/shows/${showId}/holds`,
    { customerId: randomUUID(), seats },
    { cookie: admin },
  );
  if (res.status !== 201) throw new Error(`hold ${seats.join(',')}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id as string;
}

/** A counter of the hub's registry, summed over its labels (`type="changes"` only when given). */
export async function counter(t: TestHub, name: string, labels: Record<string, string> = {}): Promise<number> {
  const m = t.hub.metrics.getSingleMetric(name);
  if (!m) return 0;
  const { values } = await m.get();
  return values
    .filter((v) => Object.entries(labels).every(([k, want]) => String(v.labels[k]) === want))
    .reduce((a, v) => a + v.value, 0);
}
