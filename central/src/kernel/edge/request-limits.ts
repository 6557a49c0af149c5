import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import { Counter, type Registry } from 'prom-client';
import { RateLimitedError } from '@storefleet/shared';
import type { Db } from '../../db/db.js';
import { addressKey } from '../rate-limit.js';
import type { EdgeSettings } from './edge-settings.js';
import { WINDOW_MS, WindowCounts, windowOf, type WindowCount } from './limits/window-counts.js';

/** Who a request is counted as, and under which limit. */
export type CallerKind = 'person' | 'store' | 'customer' | 'anonymous';

/** How often a replica writes its counts and reads the others' (ms). */
export const FLUSH_EVERY_MS = 150;

/**
 * One statement per flush: this replica's counts (totals per key and window, so a repeat is harmless) upserted, the
 * windows that ended dropped (rows another replica is deleting at the same time are skipped, never waited for), and the other replicas' counts of the keys this replica holds read back. The SELECT sees
 * the table as it was before this statement's own writes, which are this replica's and excluded anyway.
 */
const FLUSH = `
  WITH mine AS (
    INSERT INTO edge_request_counts AS c (key, window_start, replica, count)
    SELECT k, w, $3, n FROM unnest($1::text[], $2::bigint[], $4::int[]) AS t(k, w, n)
    ON CONFLICT (key, window_start, replica) DO UPDATE SET count = GREATEST(c.count, EXCLUDED.count)
    RETURNING 1
  ), purged AS (
    DELETE FROM edge_request_counts WHERE (key, window_start, replica) IN (
      SELECT key, window_start, replica FROM edge_request_counts WHERE window_start < $5::bigint
      FOR UPDATE SKIP LOCKED)
    RETURNING 1
  )
  SELECT key, window_start, sum(count)::int AS count FROM edge_request_counts
  WHERE key = ANY ($6::text[]) AND window_start >= $5::bigint AND replica <> $3
  GROUP BY key, window_start`;

const NOUN: Record<CallerKind, string> = {
  person: 'a person',
  store: 'a store',
  customer: 'a customer',
  anonymous: 'an address',
};

/**
 * Requests per second at the API edge (issue #27), per person, store, customer and anonymous address, counted across
 * every hub replica on the database; over the limit: 429 problem+json with Retry-After. Runs after authentication on
 * /api and /graphql (so /healthz, /metrics, static files and the sync socket are never counted).
 *
 * Each replica counts locally per (caller, one-second window) and every FLUSH_EVERY_MS writes its counts to the
 * shared `edge_request_counts` table and reads the others' in one statement: no write per request, and a request is
 * admitted while this replica's count plus the others' last heard stays under the limit. Overshoot is bounded by what
 * the other replicas admit within one flush period (≈ limit × replicas × flush period / window when every replica is
 * at the limit's rate; see limits/window-counts.ts). A flush that fails (the database away) is logged and the replica
 * keeps counting on its own: requests never wait for the database here.
 */
export class RequestLimits {
  readonly #counts = new WindowCounts();
  readonly #limited: Counter<'kind'> | undefined;
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> | undefined;
  #failing = false;

  constructor(
    readonly o: {
      readonly db: Db;
      readonly edge: EdgeSettings;
      readonly now: () => number;
      readonly log: Logger;
      readonly replica: string;
      /** Where `storefleet_hub_requests_limited_total{kind}` is registered (the hub's registry). */
      readonly metrics?: Registry;
    },
  ) {
    this.#limited = o.metrics
      ? new Counter({
          name: 'storefleet_hub_requests_limited_total',
          help: 'Requests refused 429 by the per-caller request limits at the API edge, by kind of caller',
          labelNames: ['kind'],
          registers: [o.metrics],
        })
      : undefined;
  }

  /** Whether any limit is on (all 0: the middleware lets everything through and nothing is flushed). */
  get enabled(): boolean {
    const r = this.o.edge.rateLimits;
    return r.userPerSecond > 0 || r.storePerSecond > 0 || r.customerPerSecond > 0 || r.anonymousPerSecond > 0;
  }

  /** The caller's key and limit (0 = none for that kind). */
  callerOf(req: Request): { kind: CallerKind; key: string; limit: number } {
    const r = this.o.edge.rateLimits;
    const p = req.principal;
    if (p?.kind === 'user') return { kind: 'person', key: `user:${p.userId}`, limit: r.userPerSecond };
    if (p?.kind === 'store') return { kind: 'store', key: `store:${p.storeId}`, limit: r.storePerSecond };
    if (req.customer)
      return { kind: 'customer', key: `customer:${req.customer.customerId}`, limit: r.customerPerSecond };
    const address = addressKey(req.ip ?? req.socket.remoteAddress ?? 'unknown');
    return { kind: 'anonymous', key: `anonymous:${address}`, limit: r.anonymousPerSecond };
  }

  readonly middleware: RequestHandler = (req, res, next) => {
    if (!this.enabled) return next();
    const { kind, key, limit } = this.callerOf(req);
    if (limit <= 0) return next();
    const verdict = this.#counts.admit(key, limit, this.o.now());
    if (verdict.admitted) return next();
    this.#limited?.inc({ kind });
    res.setHeader('Retry-After', String(verdict.retryAfterSeconds));
    next(
      new RateLimitedError(
        `too many requests: at most ${limit} a second for ${NOUN[kind]}; try again in ${verdict.retryAfterSeconds} s`,
        verdict.retryAfterSeconds,
      ),
    );
  };

  /**
   * Wraps authentication so that refused credentials are counted (finding 7 of the #27 review): a request answered
   * 401 (a bad or expired bearer or session, a wrong store secret or password) counts one against its address's
   * anonymous budget, under its own key `refused:<address>` so that anonymous browsing from a shared address does not
   * spend it; once an address has that many refusals in the second, every request from it is answered 429 before
   * `authenticate` runs (no session lookup, no token check, no database). Without it a credential could be guessed
   * at whatever rate the hub answers, since a refused request never reaches `middleware`. The count is shared across
   * replicas like the others. Requests already in flight when the budget is spent still get their answer, so a burst
   * sent at once may see a few more 401s than the limit before the 429s begin. The anonymous limit 0 turns it off.
   */
  guardAuthentication(authenticate: RequestHandler): RequestHandler {
    return (req, res, next) => {
      const limit = this.o.edge.rateLimits.anonymousPerSecond;
      if (!this.enabled || limit <= 0) return authenticate(req, res, next);
      const key = `refused:${addressKey(req.ip ?? req.socket.remoteAddress ?? 'unknown')}`;
      const verdict = this.#counts.check(key, limit, this.o.now());
      if (!verdict.admitted) {
        this.#limited?.inc({ kind: 'anonymous' });
        res.setHeader('Retry-After', String(verdict.retryAfterSeconds));
        return next(
          new RateLimitedError(
            `too many refused credentials: at most ${limit} a second from an address; try again in ${verdict.retryAfterSeconds} s`,
            verdict.retryAfterSeconds,
          ),
        );
      }
      res.once('finish', () => {
        if (res.statusCode === 401) this.#counts.add(key, this.o.now());
      });
      return authenticate(req, res, next);
    };
  }

  start(): void {
    if (!this.enabled || this.#timer) return;
    this.#timer = setInterval(() => void this.flush(), FLUSH_EVERY_MS);
    this.#timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#flushing;
  }

  /**
   * Writes this replica's changed counts and reads the others' for the keys it holds (one statement); one flush at a
   * time. A failure is logged once until a flush works again, and the counts it did not write are sent next time.
   */
  flush(): Promise<void> {
    this.#flushing ??= this.#flush().finally(() => {
      this.#flushing = undefined;
    });
    return this.#flushing;
  }

  async #flush(): Promise<void> {
    const now = this.o.now();
    const pending = this.#counts.pending(now);
    const keys = this.#counts.keys(now);
    this.#counts.sweep(now);
    if (!pending.length && !keys.length) return;
    try {
      const { rows } = await this.o.db.query<{ key: string; window_start: string | number; count: number }>(FLUSH, [
        pending.map((c) => c.key),
        pending.map((c) => c.windowStart),
        this.o.replica,
        pending.map((c) => c.count),
        windowOf(now) - WINDOW_MS,
        keys,
      ]);
      const heard: WindowCount[] = rows.map((r) => ({
        key: r.key,
        windowStart: Number(r.window_start),
        count: Number(r.count),
      }));
      this.#counts.heard(heard);
      if (this.#failing) this.o.log.info('request limits: counts shared across replicas again');
      this.#failing = false;
    } catch (err) {
      this.#counts.unwritten(pending);
      if (!this.#failing) this.o.log.warn({ err }, 'request limits: could not share counts; counting on this replica');
      this.#failing = true;
    }
  }
}
