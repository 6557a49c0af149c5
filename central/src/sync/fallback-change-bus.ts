import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db, Queryable } from '../db/db.js';
import { MAYBE_MISSED } from '../db/db.js';
import { PgChangeBus, type ChangeBus } from '../kernel/change-bus.js';
import { NatsChangeBus } from './nats-change-bus.js';

/** Where a replica that cannot reach NATS says so, every few seconds, to the replicas that can. */
export const FALLBACK_CHANNEL = 'storefleet_bus_fallback';
/** How often a replica on the fallback says so; the others publish on NOTIFY too until they have not heard it for 3×. */
const ANNOUNCE_MS = 5_000;
const HEARD_FOR_MS = 3 * ANNOUNCE_MS;
/** Reconnecting to NATS from scratch (it was away at start, or its client gave up): doubling up to 30 s. */
const RECONNECT_FIRST_MS = 1_000;
const RECONNECT_MAX_MS = 30_000;
/** How long the first connection may take before the hub starts on the fallback. */
const CONNECT_TIMEOUT_MS = 5_000;
/** Message ids remembered to drop the second copy of a message heard both ways. */
const SEEN_KEPT = 10_000;

export interface FallbackOptions {
  /** Pauses between attempts to reach NATS again (tests shorten them). */
  readonly reconnectFirstMs?: number;
  readonly reconnectMaxMs?: number;
  readonly connectTimeoutMs?: number;
  readonly announceMs?: number;
}

interface Subscription {
  readonly channel: string;
  readonly deliver: (payload: string) => void;
  readonly onPayload: (payload: string) => void;
  stopNats: (() => Promise<void>) | undefined;
}

/**
 * The change bus replicas fan out on (issue #27): NATS when `natsUrl` is set, Postgres NOTIFY while NATS is away.
 *
 * Design (every replica runs the same rules, so no replica has to know the others' state):
 * - Every replica listens on NOTIFY as well as on NATS, always (the LISTEN connections a hub without NATS has anyway).
 * - A replica publishes on NATS while it reaches NATS, and on NOTIFY too while it does not — or while it heard another
 *   replica say, in the last 15 s, that it does not (those say so on `storefleet_bus_fallback` every 5 s). So a replica
 *   cut off from NATS hears everybody through NOTIFY, and everybody hears it.
 * - Each message carries an id; a replica hearing one both ways passes it on once.
 * - A replica that loses NATS, or gets it back, tells its subscribers `*` (re-check everything): what went out in the
 *   moment before the others heard of it is not lost. The sync server's feed check (every 30 s) stays underneath.
 * If NATS is away at start the hub starts on NOTIFY and keeps trying NATS in the background (1 s doubling to 30 s);
 * the NATS client reconnects by itself after a lost connection. `kind` says which carries changes now.
 */
export class FallbackChangeBus implements ChangeBus {
  readonly #pg: PgChangeBus;
  readonly #subs = new Set<Subscription>();
  readonly #seen = new Set<string>();
  readonly #tag = randomBytes(6).toString('hex');
  #nats: NatsChangeBus | undefined;
  #natsUp = false;
  #downSince: number | null = null;
  #downReason = 'not connected yet';
  #heardFallbackAt = 0;
  #announcer: NodeJS.Timeout | undefined;
  #reconnect: NodeJS.Timeout | undefined;
  #reconnectDelay: number;
  #unlistenControl: (() => Promise<void>) | undefined;
  #closed = false;
  #counter = 0;

  constructor(
    readonly natsUrl: string,
    readonly db: Db,
    readonly log: Logger,
    readonly options: FallbackOptions = {},
  ) {
    this.#pg = new PgChangeBus(db);
    this.#reconnectDelay = options.reconnectFirstMs ?? RECONNECT_FIRST_MS;
  }

  get kind(): ChangeBus['kind'] {
    if (this.#natsUp) return 'nats-jetstream';
    return `postgres-notify (NATS unreachable since ${new Date(this.#downSince ?? Date.now()).toISOString()}: ${this.#downReason})`;
  }

  /** Listens for other replicas' fallback notices, then tries NATS once; on NOTIFY (trying on) if it is away. */
  async start(): Promise<void> {
    this.#unlistenControl = await this.db.listen(FALLBACK_CHANNEL, (tag) => {
      if (!tag || tag === this.#tag || tag === MAYBE_MISSED) return;
      const news = Date.now() - this.#heardFallbackAt >= HEARD_FOR_MS;
      this.#heardFallbackAt = Date.now();
      // Another replica lost NATS: what we published on NATS alone meanwhile it missed, and the other way round.
      if (news) this.#maybeMissed();
    });
    try {
      this.#attach(
        await NatsChangeBus.connect(this.natsUrl, this.log, this.options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS),
      );
    } catch (err) {
      this.#down(reasonOf(err), err);
      this.#scheduleReconnect();
    }
  }

  async publish(tx: Queryable, channel: string, payload: string): Promise<void> {
    await this.publishMany(tx, channel, [payload]);
  }

  async publishMany(tx: Queryable, channel: string, payloads: readonly string[]): Promise<void> {
    if (!payloads.length) return;
    const tagged = payloads.map((p) => `~${this.#tag}${(++this.#counter).toString(36)} ${p}`);
    const nats = this.#natsUp ? this.#nats : undefined;
    if (nats) await nats.publishMany(tx, channel, tagged);
    if (!nats || Date.now() - this.#heardFallbackAt < HEARD_FOR_MS) await this.#pg.publishMany(tx, channel, tagged);
  }

  async subscribe(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
    const sub: Subscription = {
      channel,
      onPayload,
      deliver: (raw) => {
        const message = this.#untag(raw);
        if (message !== undefined) onPayload(message);
      },
      stopNats: undefined,
    };
    const stopPg = await this.#pg.subscribe(channel, sub.deliver);
    this.#subs.add(sub);
    if (this.#natsUp && this.#nats) sub.stopNats = await this.#nats.subscribe(channel, sub.deliver);
    return async () => {
      this.#subs.delete(sub);
      await sub.stopNats?.().catch(() => undefined);
      await stopPg();
    };
  }

  async close(): Promise<void> {
    this.#closed = true;
    clearTimeout(this.#reconnect);
    clearInterval(this.#announcer);
    for (const sub of [...this.#subs]) await sub.stopNats?.().catch(() => undefined);
    this.#subs.clear();
    await this.#unlistenControl?.().catch(() => undefined);
    await this.#nats?.close().catch(() => undefined);
  }

  /** The payload without its id, or undefined for a copy already passed on (untagged payloads pass as they are). */
  #untag(raw: string): string | undefined {
    const m = /^~([0-9a-z]+) ([\s\S]*)$/.exec(raw);
    if (!m) return raw;
    const id = m[1]!;
    if (this.#seen.has(id)) return undefined;
    this.#seen.add(id);
    if (this.#seen.size > SEEN_KEPT)
      for (const oldest of this.#seen) {
        this.#seen.delete(oldest);
        if (this.#seen.size <= SEEN_KEPT) break;
      }
    return m[2]!;
  }

  /** A connected NATS client: subscribe everything on it, and follow its connection's ups and downs. */
  #attach(nats: NatsChangeBus): void {
    if (this.#closed) {
      void nats.close();
      return;
    }
    this.#nats = nats;
    void this.#up('connected');
    void (async () => {
      for await (const s of nats.nc.status()) {
        if (s.type === 'disconnect') this.#down('the connection to NATS was lost');
        else if (s.type === 'reconnect') void this.#up('reconnected');
      }
    })().catch(() => undefined);
    void nats.nc.closed().then(() => {
      if (this.#closed || this.#nats !== nats) return;
      // The client gave up for good: start again from scratch, as when NATS was away at start.
      this.#nats = undefined;
      for (const sub of this.#subs) sub.stopNats = undefined;
      this.#down('the NATS client closed its connection');
      this.#scheduleReconnect();
    });
  }

  async #up(how: string): Promise<void> {
    const nats = this.#nats;
    if (!nats || this.#closed) return;
    try {
      await nats.ensureStream(); // a restarted NATS server has lost the memory stream
      for (const sub of this.#subs) {
        await sub.stopNats?.().catch(() => undefined);
        sub.stopNats = await nats.subscribe(sub.channel, sub.deliver);
      }
    } catch (err) {
      this.log.warn({ err }, 'NATS answered but its stream could not be used; staying on Postgres NOTIFY');
      return;
    }
    const wasDown = !this.#natsUp && this.#downSince !== null;
    this.#natsUp = true;
    clearInterval(this.#announcer);
    this.#announcer = undefined;
    this.#reconnectDelay = this.options.reconnectFirstMs ?? RECONNECT_FIRST_MS;
    if (wasDown) {
      this.log.warn(
        { downSeconds: Math.round((Date.now() - this.#downSince!) / 1000) },
        `NATS ${how}: changes go through NATS JetStream again`,
      );
      this.#maybeMissed();
    }
    this.#downSince = null;
  }

  #down(reason: string, err?: unknown): void {
    if (this.#closed) return;
    const wasUp = this.#natsUp || this.#downSince === null;
    this.#natsUp = false;
    this.#downReason = reason;
    if (wasUp) {
      this.#downSince = Date.now();
      this.log.error(
        { err, reason },
        'NATS is unreachable: changes between hub replicas go through Postgres NOTIFY until it is back',
      );
      this.#maybeMissed();
      // and once more a moment later: what others sent on NATS before they heard our notice
      setTimeout(() => this.#maybeMissed(), 2 * (this.options.announceMs ?? ANNOUNCE_MS)).unref();
    }
    if (!this.#announcer) {
      this.#announce();
      this.#announcer = setInterval(() => this.#announce(), this.options.announceMs ?? ANNOUNCE_MS);
      this.#announcer.unref();
    }
  }

  #announce(): void {
    this.db
      .query('SELECT pg_notify($1, $2)', [FALLBACK_CHANNEL, this.#tag])
      .catch((err: unknown) => this.log.warn({ err }, 'could not tell the other replicas that NATS is away'));
  }

  #maybeMissed(): void {
    for (const sub of this.#subs) sub.onPayload(MAYBE_MISSED);
  }

  #scheduleReconnect(): void {
    if (this.#closed) return;
    clearTimeout(this.#reconnect);
    const delay = this.#reconnectDelay;
    this.#reconnectDelay = Math.min(delay * 2, this.options.reconnectMaxMs ?? RECONNECT_MAX_MS);
    this.#reconnect = setTimeout(() => {
      NatsChangeBus.connect(this.natsUrl, this.log, this.options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS).then(
        (nats) => this.#attach(nats),
        (err: unknown) => {
          this.#downReason = reasonOf(err);
          this.#scheduleReconnect();
        },
      );
    }, delay);
    this.#reconnect.unref();
  }
}

/** Why NATS could not be reached, in words that name no host (it reaches /healthz, which anyone may read). */
function reasonOf(err: unknown): string {
  const code = (err as { code?: unknown } | undefined)?.code;
  if (code === 'CONNECTION_REFUSED' || code === 'ECONNREFUSED') return 'the connection was refused';
  if (code === 'TIMEOUT' || code === 'ETIMEDOUT') return 'no answer in time';
  return `the connection failed${typeof code === 'string' && /^[A-Z_0-9]{2,40}$/.test(code) ? ` (${code})` : ''}`;
}

/**
 * The change bus of a hub: Postgres NOTIFY without `natsUrl`; with it NATS JetStream, falling back to NOTIFY while
 * NATS is unreachable (at start too: the hub starts anyway and keeps trying). `kind` says which, for `/healthz`.
 */
export async function connectChangeBus(
  natsUrl: string | undefined,
  db: Db,
  log: Logger,
  options: FallbackOptions = {},
): Promise<ChangeBus> {
  if (!natsUrl) return new PgChangeBus(db);
  const bus = new FallbackChangeBus(natsUrl, db, log, options);
  try {
    await bus.start();
  } catch (err) {
    await bus.close().catch(() => undefined);
    throw err;
  }
  return bus;
}
