import { AppError, CLOSE } from '@storefleet/shared';
import type { Logger } from 'pino';
import type { RawData, WebSocket } from 'ws';
import { ownCredentialSocket, type SocketHandler } from '../../../kernel/module-sockets.js';
import { driverFrameSchema, type DriverFrame, type HubToDriver } from './driver-frames.js';
import type { DriverService } from './driver-service.js';
import { FrameBudget } from './frame-budget.js';
import type { Driver } from './tracking-repository.js';

/** The drivers' socket: a driver app (the simulator here) signs in with its carrier's driver token. */
export const DRIVERS_PATH = '/api/delivery/drivers';

/** A driver sends a position every few seconds; this leaves room for bursts after a dead zone, and no more. */
export const FRAME_BUDGET = { burst: 120, perSecond: 20 } as const;
/** A frame is a few hundred bytes; the hub's sockets refuse anything over 64 KiB outright (close 1009). */
const MAX_FRAME_BYTES = 4096;
/** Frames refused in a row for the budget before the socket is closed: a client that does not slow down. */
const MAX_REFUSED_IN_A_ROW = 200;

/**
 * `/api/delivery/drivers`: a driver app's socket. Authenticated by the carrier's driver token (`Authorization:
 * Bearer drv_…`), checked by this endpoint itself: a person's session or a store's token is no driver (401). On open
 * the hub sends `welcome`; each frame the app sends (driver-frames.ts) is answered with `ok`, `runs` or `error`, one
 * at a time in the order sent. A frame that is not JSON, not of a known shape, too large, or over the carrier's budget
 * gets an error frame and changes nothing; a client that keeps sending over its budget is closed (1008). No frame
 * ends the process or the socket with an internal error: a failure the app did not cause is answered `internal`.
 */
export function driverSocket(service: DriverService, log: Logger): SocketHandler {
  const budget = new FrameBudget(FRAME_BUDGET.burst, FRAME_BUDGET.perSecond);
  return ownCredentialSocket(
    (presented) => service.driverFor(presented),
    (ws, driver) => serve(ws, driver, service, budget, log),
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
  }
}
