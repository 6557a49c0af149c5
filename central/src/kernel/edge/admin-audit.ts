import type { Request, RequestHandler } from 'express';
import type { Logger } from 'pino';
import type { AdminAction, AdminAudit } from '../ports/staff.js';

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
/** The longest path kept (the path as called, ids in it); longer ones are cut. */
export const ADMIN_PATH_MAX = 500;
const KEY_MAX = 200;

/** The route's pattern (`POST /api/users/:id`), from the prefix the router was mounted at and express's matched route. */
function routeOf(req: Request, base: string, prefix: unknown): string {
  const mounted = typeof prefix === 'string' ? prefix : base;
  const pattern = req.route ? `${mounted}${String(req.route.path)}` : `${base} (no route matched)`;
  return `${req.method} ${pattern}`.slice(0, ADMIN_PATH_MAX);
}

/**
 * Records every write a signed-in person makes through /api and /graphql (issue #27) through the ADMIN_AUDIT port
 * (modules/staff), once the answer is sent: who, the route, the status, when, from where. Nothing of the body, nor the
 * query string. Stores, customers and anonymous callers (a sign-in itself: nobody is signed in yet) are not recorded.
 * Fire-and-forget: the answer never waits for the audit, and a failing audit never fails a request (the port bounds
 * its queue and counts what it drops).
 */
export function adminAuditTrail(audit: () => AdminAudit | undefined, log: Logger, now = Date.now): RequestHandler {
  return (req, res, next) => {
    if (!WRITES.has(req.method)) {
      next();
      return;
    }
    // the mount point as this middleware sees it (`/api`, `/graphql`): express resets `baseUrl` once the router is done
    const base = req.baseUrl;
    res.on('finish', () => {
      const p = req.principal;
      if (p?.kind !== 'user') return;
      const sink = audit();
      if (!sink) return;
      const key = req.get('idempotency-key');
      const action: AdminAction = {
        at: now(),
        userId: p.userId,
        role: p.role,
        storeId: p.storeId,
        route: routeOf(req, base, res.locals.routePrefix),
        path: (req.originalUrl.split('?')[0] ?? '').slice(0, ADMIN_PATH_MAX),
        status: res.statusCode,
        address: (req.ip ?? req.socket.remoteAddress ?? 'unknown').slice(0, 100),
        idempotencyKey: key ? key.slice(0, KEY_MAX) : null,
      };
      sink.record(action).catch((err: unknown) => log.warn({ err }, 'admin audit: an action was not recorded'));
    });
    next();
  };
}

/** What a bounded queue has done so far (tests and metrics read it). */
export interface QueueCounts {
  readonly written: number;
  readonly dropped: number;
  readonly failed: number;
  readonly waiting: number;
}

/**
 * A bounded in-memory queue that writes its items in batches, one batch at a time: `push` never waits for the write
 * (it resolves once its item is written, dropped or failed, and never rejects). Past `max` waiting items a new one is
 * dropped, counted and logged (the first drop, then every thousandth), so a slow or absent database cannot grow the
 * hub's memory without bound. For records the caller must not wait for (the admin-action audit).
 */
export class BoundedBatchQueue<T> {
  readonly #waiting: { item: T; done: () => void }[] = [];
  #written = 0;
  #dropped = 0;
  #failed = 0;
  #running: Promise<void> | null = null;

  constructor(
    readonly write: (batch: readonly T[]) => Promise<void>,
    readonly log: Logger,
    readonly what: string,
    readonly max = 1_000,
    readonly batchSize = 200,
  ) {}

  counts(): QueueCounts {
    return { written: this.#written, dropped: this.#dropped, failed: this.#failed, waiting: this.#waiting.length };
  }

  push(item: T): Promise<void> {
    if (this.#waiting.length >= this.max) {
      this.#dropped += 1;
      if (this.#dropped === 1 || this.#dropped % 1_000 === 0)
        this.log.warn(
          { dropped: this.#dropped, waiting: this.#waiting.length, max: this.max },
          `${this.what}: the queue is full, a record was dropped`,
        );
      return Promise.resolve();
    }
    const done = new Promise<void>((resolve) => this.#waiting.push({ item, done: resolve }));
    if (!this.#running) this.#running = this.#drain();
    return done;
  }

  /** Resolves once everything queued so far is written (or failed). */
  async flush(): Promise<void> {
    while (this.#running) await this.#running;
  }

  async #drain(): Promise<void> {
    // let the requests finishing in the same turn join this batch
    await new Promise<void>((resolve) => setImmediate(resolve));
    try {
      while (this.#waiting.length) {
        const batch = this.#waiting.splice(0, this.batchSize);
        try {
          await this.write(batch.map((b) => b.item));
          this.#written += batch.length;
        } catch (err) {
          this.#failed += batch.length;
          this.log.warn({ err, records: batch.length }, `${this.what}: a batch could not be written`);
        }
        for (const b of batch) b.done();
      }
    } finally {
      this.#running = null;
    }
  }
}
