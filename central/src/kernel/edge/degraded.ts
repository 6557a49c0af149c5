import { createHash } from 'node:crypto';
import type { ErrorRequestHandler, Request, RequestHandler, Response } from 'express';
import type { Logger } from 'pino';
import { AppError, PROBLEM_CONTENT_TYPE, toProblem } from '@storefleet/shared';
import type { Db } from '../../db/db.js';
import { DatabaseBusyError, DatabaseUnreachableError, isConnectionError } from '../../db/db-unreachable.js';
import { isAvailabilityRead } from './degraded/availability-reads.js';
import { STALE_ANSWER_LIMITS, StaleAnswers, type StaleAnswerLimits } from './degraded/stale-answers.js';
import type { EdgeSettings } from './edge-settings.js';

/** What `/healthz` says about the degraded mode. */
export interface DegradedStatus {
  readonly degraded: boolean;
  /** When the database was last seen unreachable / since when it is, epoch ms. */
  readonly since: number | null;
  /** Why, in words that name no host (from the failed check); null when not degraded. */
  readonly reason: string | null;
  /** Availability answers kept for stale reads, and their bytes. */
  readonly entriesCached: number;
  readonly bytesCached: number;
}

/** How often the database is checked while degraded, and otherwise (Postgres only: PGlite runs inside the hub). */
export const DEGRADED_CHECK_MS = 2_000;
export const HEALTHY_CHECK_MS = 10_000;
/** How long one check may wait for the database's answer. */
const PING_TIMEOUT_MS = 2_000;
/** What a client is told to wait before trying a refused request again. */
export const DEGRADED_RETRY_AFTER_SECONDS = 5;

export const WRITES_REFUSED =
  "the hub's database is unreachable: writes are refused until it is back; stores keep selling offline and send their queue then";
export const READ_UNAVAILABLE =
  "the hub's database is unreachable: this read has no recent answer to give until it is back";
export const GRAPHQL_UNAVAILABLE =
  "the hub's database is unreachable: GraphQL is unavailable until it is back (writes are refused, nothing was changed)";
export const STALE_WARNING = '110 - "stale: the hub\'s database is unreachable"';

export interface DegradedOptions {
  readonly db: Db;
  readonly edge: EdgeSettings;
  readonly now: () => number;
  readonly log: Logger;
  /** Bounds of the kept answers (tests shrink them). */
  readonly limits?: StaleAnswerLimits;
}

/**
 * The hub while its database is unreachable (issue #27): availability reads answered from the last answer this hub gave
 * (marked stale: a header and its age), writes refused at once with 503 and Retry-After, and back to normal by itself
 * when the database answers again.
 *
 * It learns the database is away from a request answered 503 or failing with DatabaseUnreachableError (then it checks
 * at once: one lost connection is not an outage), and from its own check (every 10 s on Postgres, every 2 s while
 * degraded); the first check that succeeds ends the degraded mode. `before` runs first on /api (touching no database);
 * `remember` keeps the answers of the reads it may serve later, by method, URL and a hash of the caller's credential
 * (public reads share one scope), so a stale answer only ever goes back to the credential it was first given to.
 */
export class DegradedMode {
  readonly #answers: StaleAnswers;
  #degraded = false;
  #since: number | null = null;
  #reason: string | null = null;
  #timer: NodeJS.Timeout | undefined;
  #checking: Promise<void> | undefined;
  #started = false;

  constructor(readonly o: DegradedOptions) {
    this.#answers = new StaleAnswers(o.limits ?? STALE_ANSWER_LIMITS);
  }

  get degraded(): boolean {
    return this.#degraded;
  }

  /** First on /api: while degraded, a kept availability answer (stale) or 503; otherwise on, watching for a 503. */
  readonly before: RequestHandler = (req, res, next) => {
    if (!this.#degraded) {
      this.#watch(res);
      next();
      return;
    }
    const path = req.baseUrl + req.path;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      this.#refuse(req, res, WRITES_REFUSED);
      return;
    }
    if (!isAvailabilityRead(req.method, path)) {
      this.#refuse(req, res, READ_UNAVAILABLE);
      return;
    }
    const kept = this.#answers.get(keyOf(req));
    const ageSeconds = kept ? Math.max(0, Math.floor((this.o.now() - kept.at) / 1000)) : Number.POSITIVE_INFINITY;
    if (!kept || ageSeconds > this.o.edge.staleMaxAgeSeconds) {
      this.#refuse(req, res, READ_UNAVAILABLE);
      return;
    }
    res.status(200);
    res.setHeader('Content-Type', kept.contentType);
    res.setHeader('Storefleet-Stale', 'true');
    res.setHeader('Age', String(ageSeconds));
    res.setHeader('Warning', STALE_WARNING);
    res.setHeader('Cache-Control', 'no-store');
    res.end(req.method === 'HEAD' ? undefined : kept.body);
  };

  /**
   * After authentication: keeps the JSON body of an availability read answered 200, to answer the same caller from it
   * while the database is away. Nothing else is kept.
   */
  readonly remember: RequestHandler = (req, res, next) => {
    if (req.method !== 'GET' || this.#degraded || !isAvailabilityRead(req.method, req.baseUrl + req.path)) {
      next();
      return;
    }
    const key = keyOf(req);
    const send = res.send.bind(res);
    res.send = (body?: unknown) => {
      res.send = send; // once: express's own send may call itself again for other body kinds
      const type = String(res.getHeader('Content-Type') ?? '');
      if (res.statusCode === 200 && typeof body === 'string' && type.includes('json'))
        this.#answers.keep(key, body, type, this.o.now());
      return send(body);
    };
    next();
  };

  /** For /graphql (after its body is read): everything 503 while degraded (its reads are not kept), else on. */
  readonly graphqlBefore: RequestHandler = (req, res, next) => {
    if (!this.#degraded) {
      this.#watch(res);
      next();
      return;
    }
    this.#refuse(req, res, GRAPHQL_UNAVAILABLE);
  };

  /**
   * An error handler to mount before the hub's own: a request that found the database unreachable starts a check. A
   * request that waited in vain for one of the pool's connections (DatabaseBusyError) is overload, not an outage: it
   * gets Retry-After, starts no check and never enters the mode (the fleet trial's 5,000 sessions did, Postgres up).
   */
  readonly noticeErrors: ErrorRequestHandler = (err, _req, res, next) => {
    if (err instanceof DatabaseBusyError) {
      res.locals[BUSY] = true;
      if (!res.headersSent) res.setHeader('Retry-After', String(err.retryAfterSeconds));
    } else if (isConnectionError(err)) void this.suspect(err);
    next(err);
  };

  status(): DegradedStatus {
    return {
      degraded: this.#degraded,
      since: this.#since,
      reason: this.#degraded ? this.#reason : null,
      entriesCached: this.#answers.size,
      bytesCached: this.#answers.bytes,
    };
  }

  /** Something saw the database fail: check it now (one check at a time); degraded if the check fails too. */
  suspect(err?: unknown): Promise<void> {
    if (err !== undefined) this.o.log.debug({ err }, 'a request found the database unreachable; checking it');
    return this.check();
  }

  /** Pings the database once (at most one check at a time) and enters or leaves the degraded mode by its answer. */
  check(): Promise<void> {
    this.#checking ??= this.#ping().then(() => {
      this.#checking = undefined;
    });
    return this.#checking;
  }

  start(): void {
    if (this.#started) return;
    this.#started = true;
    this.#schedule();
  }

  stop(): void {
    this.#started = false;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /**
   * One check of the database with its own bound, for `/healthz`: enters or leaves the degraded mode by its answer, like
   * the mode's own checks, and rejects as `db.ping` does. So /healthz and the mode never disagree about the database.
   */
  async probe(timeoutMs: number): Promise<void> {
    const failed = await this.#ping(timeoutMs);
    if (failed !== undefined) throw failed;
  }

  /** Pings; enters or leaves the mode; resolves to the error when the database is unreachable. */
  async #ping(timeoutMs = PING_TIMEOUT_MS): Promise<unknown> {
    let failed: unknown;
    try {
      await this.o.db.ping(timeoutMs);
      if (this.#degraded) {
        const seconds = Math.round((this.o.now() - (this.#since ?? this.o.now())) / 1000);
        this.o.log.warn(
          { degradedSeconds: seconds },
          "the hub's database answers again: degraded mode ends, writes are taken again",
        );
      }
      this.#degraded = false;
      this.#reason = null;
    } catch (err) {
      failed = err;
      const reason = err instanceof DatabaseUnreachableError ? err.reason : 'the database check failed';
      if (!this.#degraded) {
        this.#since = this.o.now();
        this.o.log.error(
          { err, reason },
          "the hub's database is unreachable: degraded mode (writes refused, availability reads answered stale)",
        );
      }
      this.#degraded = true;
      this.#reason = reason;
    }
    this.#schedule();
    return failed;
  }

  #schedule(): void {
    if (!this.#started) return;
    clearTimeout(this.#timer);
    // PGlite runs inside the hub: nothing to check on a timer (a request's failure still starts a check).
    if (!this.#degraded && this.o.db.dialect !== 'postgres') return;
    this.#timer = setTimeout(() => void this.check(), this.#degraded ? DEGRADED_CHECK_MS : HEALTHY_CHECK_MS);
    this.#timer.unref();
  }

  /** A request answered 503 (the database unreachable, most likely; not a busy pool): check the database now. */
  #watch(res: Response): void {
    res.once('finish', () => {
      if (res.statusCode === 503 && !this.#degraded && res.locals[BUSY] !== true) void this.suspect();
    });
  }

  #refuse(req: Request, res: Response, detail: string): void {
    const refusal = new AppError('unavailable', detail, { retryAfterSeconds: DEGRADED_RETRY_AFTER_SECONDS });
    res.setHeader('Retry-After', String(DEGRADED_RETRY_AFTER_SECONDS));
    res
      .status(503)
      .type(PROBLEM_CONTENT_TYPE)
      .send(JSON.stringify(toProblem(refusal, req.originalUrl)));
  }
}

/** `res.locals` key: this request was refused because the pool was busy (no check of the database for it). */
const BUSY = 'storefleetDatabaseBusy';

/** Method (HEAD as GET) + URL + the caller's credential, hashed; anonymous callers share one scope. */
function keyOf(req: Request): string {
  const authorization = req.headers.authorization ?? '';
  const cookies = sessionCookies(req.headers.cookie);
  const scope =
    authorization || cookies
      ? createHash('sha256').update(`${authorization}\n${cookies}`).digest('base64url')
      : 'public';
  return `GET ${req.originalUrl} ${scope}`;
}

/** The session cookies (staff's and customer's) as sent, without the others (a CSRF cookie must not split scopes). */
function sessionCookies(header: string | undefined): string {
  if (!header) return '';
  return header
    .split(';')
    .map((p) => p.trim())
    .filter((p) => p.startsWith('sf_session=') || p.startsWith('sf_customer='))
    .sort()
    .join(';');
}
