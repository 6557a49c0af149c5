import { AppError, CLOSE } from '@storefleet/shared';
import type { Logger } from 'pino';
import type { RawData, WebSocket } from 'ws';
import { ownCredentialSocket, type SocketHandler } from '../../../kernel/module-sockets.js';
import { driverFrameSchema, type DriverFrame, type HubToDriver } from './driver-frames.js';
import type { DriverService } from './driver-service.js';
import { FrameBudget } from './frame-budget.js';
import { sha256 } from './link-tokens.js';
import type { Driver, TrackingRepository } from './tracking-repository.js';
import type { Db } from '../../../db/db.js';

/** The drivers' socket: a driver app (the simulator here) signs in with its carrier's driver token. */
export const DRIVERS_PATH = '/api/delivery/drivers';

/** A driver sends a position every few seconds; this leaves room for bursts after a dead zone, and no more. */
export const FRAME_BUDGET = { burst: 120, perSecond: 20 } as const;
/** A frame is a few hundred bytes; the hub's sockets refuse anything over 64 KiB outright (close 1009). */
const MAX_FRAME_BYTES = 4096;
/** Frames refused in a row for the budget before the socket is closed: a client that does not slow down. */
const MAX_REFUSED_IN_A_ROW = 200;
/**
 * Open sockets of one carrier in one hub process: a driver's phone and a spare, with room for a reconnect the hub has
 * not yet seen the old socket of. The fifth closes the oldest, so a driver app that reconnects is never locked out.
 */
export const MAX_SOCKETS_PER_CARRIER = 4;
/**
 * How often a hub process re-reads the token hash and the active flag of the carriers it has sockets open for: a token
 * rotated or a carrier made inactive on another hub replica closes the sockets here within this time (on the hub that
 * made the change, at once: `DriverSockets.revoke`).
 */
export const DRIVER_RECHECK_MS = 2_000;

/** Why a driver's socket was closed, in the close frame (at most 123 bytes). */
export const DRIVER_CLOSE = {
  revoked: 'this driver token was replaced or its carrier made inactive: sign in again',
  tooMany: `a newer socket of this carrier replaced this one (at most ${MAX_SOCKETS_PER_CARRIER} at once)`,
} as const;

interface OpenSocket {
  readonly ws: WebSocket;
  readonly tokenHash: string;
}

/**
 * The drivers' sockets open in this hub process, by carrier: capped per carrier, closed at once when head office
 * rotates a carrier's token or makes it inactive here, and re-checked every DRIVER_RECHECK_MS against the database for
 * the same changes made on another replica (one query for all the carriers with sockets open; no timer while none is).
 */
export class DriverSockets {
  readonly #open = new Map<string, OpenSocket[]>();
  #timer: NodeJS.Timeout | undefined;
  #checking = false;

  constructor(
    readonly db: Db,
    readonly repo: TrackingRepository,
    readonly log: Logger,
    readonly recheckMs = DRIVER_RECHECK_MS,
  ) {}

  add(carrierId: string, s: OpenSocket): void {
    const list = this.#open.get(carrierId) ?? [];
    list.push(s);
    this.#open.set(carrierId, list);
    s.ws.once('close', () => this.#remove(carrierId, s));
    while (list.length > MAX_SOCKETS_PER_CARRIER) {
      const oldest = list.shift()!;
      oldest.ws.close(CLOSE.policyViolation, DRIVER_CLOSE.tooMany);
    }
    this.#timer ??= setInterval(() => void this.recheck(), this.recheckMs).unref();
  }

  /** Closes every socket of the carrier (its token rotated, or it was made inactive). */
  revoke(carrierId: string): void {
    for (const s of this.#open.get(carrierId) ?? []) s.ws.close(CLOSE.unauthorized, DRIVER_CLOSE.revoked);
    this.#open.delete(carrierId);
    this.#stopWhenIdle();
  }

  /** Whether the socket's carrier still has this token and is active; false closes the carrier's sockets. */
  async recheck(): Promise<void> {
    if (this.#checking || !this.#open.size) return;
    this.#checking = true;
    try {
      const valid = await this.repo.driverCredentials(this.db, [...this.#open.keys()]);
      for (const [carrierId, list] of this.#open) {
        const now = valid.get(carrierId);
        for (const s of [...list])
          if (!now?.active || now.tokenHash !== s.tokenHash) {
            s.ws.close(CLOSE.unauthorized, DRIVER_CLOSE.revoked);
            this.#remove(carrierId, s);
          }
      }
    } catch (err) {
      // The database unreachable: the sockets stay as they are, and the next tick checks again.
      this.log.warn({ err }, 'could not re-check the drivers’ tokens');
    } finally {
      this.#checking = false;
    }
  }

  /** How many sockets the carrier has open in this process. */
  count(carrierId: string): number {
    return this.#open.get(carrierId)?.length ?? 0;
  }

  stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #remove(carrierId: string, s: OpenSocket): void {
    const list = this.#open.get(carrierId);
    if (!list) return;
    const i = list.indexOf(s);
    if (i >= 0) list.splice(i, 1);
    if (!list.length) this.#open.delete(carrierId);
    this.#stopWhenIdle();
  }

  #stopWhenIdle(): void {
    if (!this.#open.size) this.stop();
  }
}

/**
 * `/api/delivery/drivers`: a driver app's socket. Authenticated by the carrier's driver token (`Authorization:
 * Bearer drv_…`), checked by this endpoint itself: a person's session or a store's token is no driver (401). On open
 * the hub sends `welcome`; each frame the app sends (driver-frames.ts) is answered with `ok`, `runs` or `error`, one
 * at a time in the order sent. A frame that is not JSON, not of a known shape, too large, or over the carrier's budget
 * gets an error frame and changes nothing; a client that keeps sending over its budget is closed (1008). No frame
 * ends the process or the socket with an internal error: a failure the app did not cause is answered `internal`.
 */
export function driverSocket(service: DriverService, sockets: DriverSockets, log: Logger): SocketHandler {
  const budget = new FrameBudget(FRAME_BUDGET.burst, FRAME_BUDGET.perSecond);
  return ownCredentialSocket(
    async (presented) => ({ driver: await service.driverFor(presented), tokenHash: sha256(presented) }),
    (ws, { driver, tokenHash }) => {
      sockets.add(driver.carrierId, { ws, tokenHash });
      if (ws.readyState === ws.OPEN) serve(ws, driver, service, budget, log);
    },
  );
}

function serve(ws: WebSocket, driver: Driver, service: DriverService, budget: FrameBudget, log: Logger): void {
  const send = (m: HubToDriver) => {
    if (ws.readyState === ws.OPEN) ws.send(JSON.stringify(m));
  };
  send({
    type: 'welcome',
    carrier: {
      code: driver.code,
      name: driver.name,
      kind: driver.kind,
      lat: driver.lat,
      lon: driver.lon,
      speedKmh: driver.speedKmh,
      failRate: driver.failRate,
    },
  });
  // A driver-app carrier's offers come on this socket while it is open (carriers/driver-app.ts).
  ws.once('close', service.openApp(driver, send));
  let queue = Promise.resolve();
  let refusedInARow = 0;
  ws.on('message', (data: RawData, isBinary: boolean) => {
    const frame = read(data, isBinary);
    if (!budget.take(driver.carrierId, Date.now())) {
      refusedInARow += 1;
      if (refusedInARow >= MAX_REFUSED_IN_A_ROW) return ws.close(CLOSE.policyViolation, 'too many frames: slow down');
      // Read (a few KiB at most) only to name the frame in the answer; nothing of it reaches the database.
      return send({
        type: 'error',
        ref: 'ok' in frame ? frame.ok.ref : frame.ref,
        code: 'rate-limited',
        message: `over ${FRAME_BUDGET.perSecond} frames a second: this frame was dropped; send it again in a moment`,
      });
    }
    refusedInARow = 0;
    // One frame at a time, in order: a position must not overtake the delivered frame sent before it.
    queue = queue.then(async () => {
      if ('error' in frame) return send({ type: 'error', ref: frame.ref, code: 'validation', message: frame.error });
      try {
        send(await answer(service, driver, frame.ok));
      } catch (err) {
        if (!(err instanceof AppError))
          log.error({ err, carrier: driver.code, frame: frame.ok.type }, 'a driver frame failed');
        const e = err instanceof AppError ? err : undefined;
        send({
          type: 'error',
          ref: frame.ok.ref,
          code: e?.type ?? 'internal',
          message: e ? e.message : 'the hub could not take this frame; send it again',
        });
      }
    });
  });
}

/** A frame's own `ref`, when it has a well-formed one: echoed in the refusal of a frame of the wrong shape. */
const refOf = (json: unknown): string | undefined => {
  const ref = json && typeof json === 'object' ? (json as { ref?: unknown }).ref : undefined;
  return typeof ref === 'string' && /^[A-Za-z0-9._:-]{1,64}$/.test(ref) ? ref : undefined;
};

function read(data: RawData, isBinary: boolean): { ok: DriverFrame } | { error: string; ref?: string | undefined } {
  if (isBinary) return { error: 'frames are JSON text, not binary' };
  const bytes = Array.isArray(data) ? data.reduce((n, b) => n + b.length, 0) : data.byteLength;
  if (bytes > MAX_FRAME_BYTES) return { error: `a frame holds at most ${MAX_FRAME_BYTES} bytes` };
  let json: unknown;
  try {
    json = JSON.parse(
      Buffer.isBuffer(data) ? data.toString('utf8') : Buffer.from(data as ArrayBuffer).toString('utf8'),
    );
  } catch {
    return { error: 'a frame is one JSON object' };
  }
  const parsed = driverFrameSchema.safeParse(json);
  if (!parsed.success) {
    const i = parsed.error.issues[0];
    return {
      error: `not a driver frame: ${i ? `${i.path.join('.') || 'frame'}: ${i.message}` : 'unknown shape'}`,
      ref: refOf(json),
    };
  }
  return { ok: parsed.data };
}

async function answer(service: DriverService, driver: Driver, f: DriverFrame): Promise<HubToDriver> {
  switch (f.type) {
    case 'list':
      return { type: 'runs', ref: f.ref, deliveries: await service.runs(driver) };
    case 'position':
      return { type: 'ok', ref: f.ref, of: f.type, ...(await service.position(driver, f)) };
    case 'collected':
      return { type: 'ok', ref: f.ref, of: f.type, ...(await service.collected(driver, f.deliveryId)) };
    case 'delivered':
      return { type: 'ok', ref: f.ref, of: f.type, ...(await service.delivered(driver, f)) };
    case 'failed':
      return { type: 'ok', ref: f.ref, of: f.type, ...(await service.failed(driver, f)) };
    case 'back-at-store':
      return { type: 'ok', ref: f.ref, of: f.type, ...(await service.backAtStore(driver, f.deliveryId)) };
    case 'accept':
    case 'decline':
    case 'drop-out':
      return service.answerOffer(driver, f);
  }
}
