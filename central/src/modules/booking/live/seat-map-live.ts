import { CLOSE, closeReason, isUuid, NotFoundError, RateLimitedError, ValidationError } from '@storefleet/shared';
import { Counter, Gauge, type Registry } from 'prom-client';
import type { WebSocket } from 'ws';
import type { HubContext } from '../../../kernel/module-contract.js';
import { publicSocket, type SocketHandler } from '../../../kernel/module-sockets.js';
import type { SeatHolder } from '../types.js';
import { changesText, closedText, SeatMap } from './frames.js';
import { SeatMapRepository, type ShowNow } from './seat-map-repository.js';

/** The live map's socket: a path prefix for the hub's socket router; the full path is `…/shows/{showId}/live`. */
export const SEAT_MAP_SOCKET = '/api/booking/shows/';
const LIVE_PATH = /^\/api\/booking\/shows\/([^/]+)\/live$/;

/** Viewers one hub process serves at once, over every show; the next is closed at once (1013, try again later). */
export const MAX_VIEWERS = 20_000;
/**
 * Viewers one client address may have open on one hub process (over every show): a page or two per person, a family
 * behind one router; the next upgrade is refused (429) — or, when it raced past that check, closed at once (1008).
 */
export const MAX_VIEWERS_PER_CLIENT = 20;
/**
 * How long a watched show goes unread when this process changed nothing in it (holds on another hub replica): a tick
 * reads a show at once after this process held, freed or sold its seats (`changed`), otherwise at most this often.
 */
export const UNCHANGED_READ_MS = 1_000;
/**
 * What may wait unsent to one viewer: a viewer whose socket is backed up past this is closed (1013) rather than
 * buffered without end; it reconnects and gets a fresh snapshot. A 50,000-seat snapshot is ~50 KB.
 */
export const MAX_BUFFERED_BYTES = 1024 * 1024;
/** A viewer sends nothing the map needs; these many frames (each within the kernel's 64 KiB) are ignored, then it is closed. */
const MAX_INPUT_FRAMES = 100;
/** Shows read at once in a tick (each one statement), so a tick with many watched shows does not take every connection. */
const READS_AT_ONCE = 8;
/** The WebSocket close code for "try again later". */
export const TRY_AGAIN_LATER = 1013;

/** Why the live map closed a viewer, as its close frame says (at most 123 bytes). */
export const LIVE_CLOSE = {
  full: `this hub serves ${MAX_VIEWERS} seat map viewers at most: try again later`,
  client: `this address has ${MAX_VIEWERS_PER_CLIENT} seat maps open already: close one first`,
  behind: 'this viewer fell behind the seat map: reconnect for a fresh one',
  input: 'the live seat map takes no input',
  stopping: 'the hub is stopping: reconnect to another',
  unreadable: 'the seat map could not be read: try again later',
  cancelled: 'the show was cancelled',
  started: 'the show has started: its seats are no longer sold',
  gone: 'the show no longer exists',
} as const;

/** One show with viewers in this process: its map as last read, and who watches. */
interface Watch {
  readonly showId: string;
  map: SeatMap | undefined;
  loading: Promise<void> | undefined;
  /** Set when the show was cancelled or has started: viewers still joining get the closed frame. */
  closedReason: string | undefined;
  readonly viewers: Set<WebSocket>;
  /** Viewers waiting for the first read of the map. */
  joining: number;
  /** When (ctx.now()) the show was last read; and whether this process changed it since that read began. */
  readAt: number;
  changed: boolean;
}

interface LiveMetrics {
  readonly ticks: Counter;
  readonly reads: Counter;
  readonly claimsRead: Counter;
  readonly frames: Counter<'type'>;
  readonly sends: Counter;
  readonly dropped: Counter<'reason'>;
}

/**
 * The live seat map (`WS /api/booking/shows/{showId}/live`, anyone may watch): a viewer gets a snapshot when it
 * opens, then, once per tick (`bookingSeatMapTickMs`) and only when something moved, one `changes` frame per show,
 * serialised once and sent as the same bytes to every viewer of the show — a hot show with 10,000 viewers costs one
 * statement and one serialisation per read, not a message per seat change per viewer. A tick reads a watched show's
 * claims from the database when this process changed them since its last read (`changed`, called by the services),
 * and otherwise once per `UNCHANGED_READ_MS`, so holds made on any hub replica are seen within about a second and an
 * idle hot show costs one read a second, not one a tick; a show nobody here watches is not read. One client address
 * has at most `MAX_VIEWERS_PER_CLIENT` viewers open. One timer per process (`start`/`stop`).
 */
export class SeatMapLive {
  readonly sockets: Record<string, SocketHandler>;
  readonly repo: SeatMapRepository;
  readonly #watches = new Map<string, Watch>();
  /** Viewers open per client address (`ModuleSockets.clientAddress`: TRUST_PROXY honoured). */
  readonly #byClient = new Map<string, number>();
  #viewers = 0;
  #timer: NodeJS.Timeout | undefined;
  #ticking: Promise<void> | undefined;
  #stopped = false;
  #metrics: LiveMetrics | undefined;

  constructor(
    readonly ctx: HubContext,
    readonly holds: SeatHolder,
  ) {
    this.repo = new SeatMapRepository(ctx.db);
    this.sockets = {
      [SEAT_MAP_SOCKET]: publicSocket(
        (url, client) => this.#check(url, client),
        (ws, { showId, client }) => this.#open(ws, showId, client),
      ),
    };
  }

  async start(): Promise<void> {
    this.#stopped = false;
    this.#metrics ??= liveMetrics(this.ctx.metrics, () => this.#viewers);
    const every = this.ctx.settings.tuning.bookingSeatMapTickMs;
    this.#timer ??= setInterval(() => {
      this.tick().catch((err: unknown) => this.ctx.log.warn({ err }, 'booking seat map tick failed'));
    }, every).unref();
  }

  /** Stops the tick and closes every viewer (1001: reconnect to another hub). */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
    for (const w of this.#watches.values())
      for (const ws of w.viewers) ws.close(CLOSE.goingAway, closeReason(LIVE_CLOSE.stopping));
    this.#watches.clear();
    await this.#ticking?.catch(() => undefined);
  }

  /** Viewers open in this process now (over all shows). */
  get viewers(): number {
    return this.#viewers;
  }

  /**
   * This process held, freed or sold seats of these shows (called after the commit): the next tick reads them,
   * whenever they were read last. Shows nobody here watches are ignored.
   */
  changed(showIds: readonly string[]): void {
    for (const id of showIds) {
      const w = this.#watches.get(id);
      if (w) w.changed = true;
    }
  }

  /**
   * One tick: reads each watched show once, and sends one changes frame to its viewers when something moved. A tick
   * still running when the next is due is not doubled; the next reads whatever changed meanwhile.
   */
  tick(): Promise<void> {
    this.#ticking ??= this.#tick().finally(() => {
      this.#ticking = undefined;
    });
    return this.#ticking;
  }

  async #tick(): Promise<void> {
    const now = this.ctx.now();
    const watched = [...this.#watches.values()].filter(
      (w) => w.map && w.viewers.size > 0 && (w.changed || now - w.readAt >= UNCHANGED_READ_MS || now < w.readAt),
    );
    for (let i = 0; i < watched.length; i += READS_AT_ONCE)
      await Promise.all(watched.slice(i, i + READS_AT_ONCE).map((w) => this.#refresh(w)));
    this.#metrics?.ticks.inc();
  }

  async #check(url: URL, client: string): Promise<{ showId: string; client: string }> {
    const showId = LIVE_PATH.exec(url.pathname)?.[1];
    if (!showId || !isUuid(showId))
      throw new ValidationError('expected /api/booking/shows/{showId}/live, the show id a UUID');
    if ((this.#byClient.get(client) ?? 0) >= MAX_VIEWERS_PER_CLIENT) {
      this.#metrics?.dropped.inc({ reason: 'client' });
      throw new RateLimitedError(LIVE_CLOSE.client, 1);
    }
    if (!this.#watches.has(showId) && !(await this.repo.watched(showId))) throw new NotFoundError('show', showId);
    return { showId, client };
  }

  #open(ws: WebSocket, showId: string, client: string): void {
    let input = 0;
    ws.on('message', () => {
      // nothing a viewer says is needed; a client that keeps talking is closed rather than heard without end
      if (++input > MAX_INPUT_FRAMES) ws.close(CLOSE.policyViolation, LIVE_CLOSE.input);
    });
    if (this.#stopped) {
      ws.close(CLOSE.goingAway, closeReason(LIVE_CLOSE.stopping));
      return;
    }
    if (this.#viewers >= MAX_VIEWERS) {
      this.#metrics?.dropped.inc({ reason: 'full' });
      ws.close(TRY_AGAIN_LATER, closeReason(LIVE_CLOSE.full));
      return;
    }
    // upgrades from one client that passed the check together: those past the bound close at once, saying why
    const ofClient = this.#byClient.get(client) ?? 0;
    if (ofClient >= MAX_VIEWERS_PER_CLIENT) {
      this.#metrics?.dropped.inc({ reason: 'client' });
      ws.close(CLOSE.policyViolation, closeReason(LIVE_CLOSE.client));
      return;
    }
    this.#byClient.set(client, ofClient + 1);
    this.#viewers += 1;
    let w = this.#watches.get(showId);
    if (!w) {
      w = {
        showId,
        map: undefined,
        loading: undefined,
        closedReason: undefined,
        viewers: new Set(),
        joining: 0,
        readAt: 0,
        changed: false,
      };
      this.#watches.set(showId, w);
    }
    const watch = w;
    ws.once('close', () => {
      this.#viewers -= 1;
      const left = (this.#byClient.get(client) ?? 1) - 1;
      if (left > 0) this.#byClient.set(client, left);
      else this.#byClient.delete(client);
      watch.viewers.delete(ws);
      this.#forgetIfUnwatched(watch);
    });
    if (watch.map || watch.closedReason) {
      this.#join(watch, ws);
      return;
    }
    watch.joining += 1;
    watch.loading ??= this.#load(watch).finally(() => {
      watch.loading = undefined;
    });
    watch.loading.then(
      () => {
        watch.joining -= 1;
        if (ws.readyState !== ws.OPEN) {
          this.#forgetIfUnwatched(watch);
          return;
        }
        if (!watch.map && !watch.closedReason) {
          ws.close(TRY_AGAIN_LATER, closeReason(LIVE_CLOSE.unreadable));
          this.#forgetIfUnwatched(watch);
          return;
        }
        this.#join(watch, ws);
      },
      () => undefined, // #load does not reject
    );
  }

  /** A viewer's first frame: the map as of the show's current version (the next changes frame is version + 1). */
  #join(w: Watch, ws: WebSocket): void {
    if (ws.readyState !== ws.OPEN) return;
    if (w.closedReason || !w.map) {
      ws.send(closedText(w.showId, w.closedReason ?? LIVE_CLOSE.gone));
      ws.close(CLOSE.normal, closeReason(w.closedReason ?? LIVE_CLOSE.gone));
      return;
    }
    ws.send(w.map.snapshotText());
    this.#metrics?.sends.inc();
    w.viewers.add(ws);
  }

  async #load(w: Watch): Promise<void> {
    w.readAt = this.ctx.now();
    w.changed = false;
    try {
      const [show, now] = await Promise.all([this.repo.watched(w.showId), this.repo.now(w.showId)]);
      this.#counted(now);
      if (!show || !now) w.closedReason = LIVE_CLOSE.gone;
      else if (now.status === 'CANCELLED') w.closedReason = LIVE_CLOSE.cancelled;
      else if (now.startsAt <= this.ctx.now()) w.closedReason = LIVE_CLOSE.started;
      else w.map = new SeatMap(show, now);
    } catch (err) {
      this.ctx.log.warn({ err, showId: w.showId }, 'booking seat map could not be read');
    }
  }

  async #refresh(w: Watch): Promise<void> {
    let now: Awaited<ReturnType<SeatMapRepository['now']>>;
    // a change this process makes from here on is after the read began: the next tick reads again
    w.readAt = this.ctx.now();
    w.changed = false;
    try {
      now = await this.repo.now(w.showId);
      this.#counted(now);
    } catch (err) {
      w.changed = true;
      // the next tick tries again; the viewers keep the map they have
      this.ctx.log.warn({ err, showId: w.showId }, 'booking seat map could not be read');
      return;
    }
    if (this.#watches.get(w.showId) !== w || !w.map) return;
    if (!now) {
      this.#end(w, LIVE_CLOSE.gone);
      return;
    }
    if (now.status === 'CANCELLED') {
      this.#end(w, LIVE_CLOSE.cancelled);
      return;
    }
    if (now.startsAt <= this.ctx.now()) {
      this.#end(w, LIVE_CLOSE.started);
      return;
    }
    const changes = w.map.apply(now);
    if (!changes) return;
    const data = Buffer.from(changesText(w.showId, w.map.bump(), changes));
    this.#metrics?.frames.inc({ type: 'changes' });
    for (const ws of w.viewers) {
      if (ws.readyState !== ws.OPEN) continue;
      if (ws.bufferedAmount > MAX_BUFFERED_BYTES) {
        w.viewers.delete(ws);
        this.#metrics?.dropped.inc({ reason: 'behind' });
        ws.close(TRY_AGAIN_LATER, closeReason(LIVE_CLOSE.behind));
        continue;
      }
      ws.send(data, { binary: false });
      this.#metrics?.sends.inc();
    }
  }

  /** A read of a show's claims, in the metrics: reads and claim rows read (what an idle hot show costs). */
  #counted(now: ShowNow | undefined): void {
    this.#metrics?.reads.inc();
    if (now) this.#metrics?.claimsRead.inc(now.held.length + now.sold.length);
  }

  /** The show was cancelled or has started: every viewer gets one closed frame, then its socket closes. */
  #end(w: Watch, reason: string): void {
    w.closedReason = reason;
    w.map = undefined;
    this.#watches.delete(w.showId);
    const data = Buffer.from(closedText(w.showId, reason));
    this.#metrics?.frames.inc({ type: 'closed' });
    for (const ws of w.viewers) {
      if (ws.readyState === ws.OPEN) ws.send(data, { binary: false });
      ws.close(CLOSE.normal, closeReason(reason));
    }
    w.viewers.clear();
  }

  /** The last viewer of a show left: its map is forgotten and no longer read. */
  #forgetIfUnwatched(w: Watch): void {
    if (w.viewers.size === 0 && w.joining === 0 && this.#watches.get(w.showId) === w) this.#watches.delete(w.showId);
  }
}

/** The live map's counters on the hub's registry (once per registry: several hubs may share a test process). */
function liveMetrics(registry: Registry, viewers: () => number): LiveMetrics {
  const existing = registry.getSingleMetric('storefleet_hub_booking_seatmap_ticks_total');
  if (existing) {
    return {
      ticks: existing as Counter,
      reads: registry.getSingleMetric('storefleet_hub_booking_seatmap_reads_total') as Counter,
      claimsRead: registry.getSingleMetric('storefleet_hub_booking_seatmap_claims_read_total') as Counter,
      frames: registry.getSingleMetric('storefleet_hub_booking_seatmap_frames_total') as Counter<'type'>,
      sends: registry.getSingleMetric('storefleet_hub_booking_seatmap_sends_total') as Counter,
      dropped: registry.getSingleMetric('storefleet_hub_booking_seatmap_viewers_closed_total') as Counter<'reason'>,
    };
  }
  new Gauge({
    name: 'storefleet_hub_booking_seatmap_viewers',
    help: 'live seat map viewers open on this hub process',
    registers: [registry],
    collect() {
      this.set(viewers());
    },
  });
  return {
    ticks: new Counter({
      name: 'storefleet_hub_booking_seatmap_ticks_total',
      help: 'live seat map ticks run by this hub process (each reads the watched shows changed here or due)',
      registers: [registry],
    }),
    reads: new Counter({
      name: 'storefleet_hub_booking_seatmap_reads_total',
      help: 'live seat map reads of a show (its status and claims), by this hub process',
      registers: [registry],
    }),
    claimsRead: new Counter({
      name: 'storefleet_hub_booking_seatmap_claims_read_total',
      help: 'seat claims (rows) read by the live seat map of this hub process',
      registers: [registry],
    }),
    frames: new Counter({
      name: 'storefleet_hub_booking_seatmap_frames_total',
      help: 'live seat map frames serialised (once per show per tick, whatever the number of viewers)',
      labelNames: ['type'] as const,
      registers: [registry],
    }),
    sends: new Counter({
      name: 'storefleet_hub_booking_seatmap_sends_total',
      help: 'live seat map frames sent to viewers (snapshots and changes)',
      registers: [registry],
    }),
    dropped: new Counter({
      name: 'storefleet_hub_booking_seatmap_viewers_closed_total',
      help: 'live seat map viewers refused or closed by the hub: full (over the bound), client (over one address’s bound), behind (socket backed up)',
      labelNames: ['reason'] as const,
      registers: [registry],
    }),
  };
}
