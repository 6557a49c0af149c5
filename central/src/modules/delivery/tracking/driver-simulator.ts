import WebSocket from 'ws';
import type { DriverFrame, HubToDriver, RunDelivery } from './driver-frames.js';
import { haversineKm, type Point } from './eta.js';

type Welcome = Extract<HubToDriver, { type: 'welcome' }>;
/** Tries of a frame the hub dropped for the carrier's budget (pauses of 0.1 s growing to 1 s: about 40 s in all). */
const RATE_RETRIES = 45;
type Answer = Exclude<HubToDriver, Welcome>;
/** A frame as sent: `ref` filled in by the link when left out. */
type Outgoing = DriverFrame extends infer F
  ? F extends DriverFrame
    ? Omit<F, 'ref'> & { ref?: string }
    : never
  : never;

/**
 * A driver app's connection to the hub's drivers' socket (`/api/delivery/drivers`), as the simulator and the tests
 * use it: `ask` sends one frame and resolves to the hub's answer to it (matched by `ref`).
 */
export class DriverLink {
  readonly #pending = new Map<string, (a: Answer) => void>();
  readonly #unmatched: Answer[] = [];
  #waiters: ((a: Answer) => void)[] = [];
  #refs = 0;
  closed: { code: number; reason: string } | undefined;

  private constructor(
    readonly ws: WebSocket,
    readonly welcome: Welcome,
    readonly timeoutMs: number,
  ) {
    ws.on('message', (data) => {
      let m: Answer;
      try {
        m = JSON.parse(String(data)) as Answer;
      } catch {
        return;
      }
      const ref = 'ref' in m ? m.ref : undefined;
      const waiting = ref ? this.#pending.get(ref) : undefined;
      if (waiting && ref) {
        this.#pending.delete(ref);
        return waiting(m);
      }
      const next = this.#waiters.shift();
      if (next) next(m);
      else this.#unmatched.push(m);
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: String(reason) };
    });
  }

  /** Opens the socket with the carrier's driver token; resolves once the hub's `welcome` arrives. */
  static connect(
    hubUrl: string,
    token: string,
    timeoutMs = 15_000,
    tls: { readonly ca?: string } = {},
  ): Promise<DriverLink> {
    const url = `${hubUrl.replace(/^http/, 'ws')}/api/delivery/drivers`;
    return new Promise((resolve, reject) => {
      const ws = new WebSocket(url, { headers: { authorization: `Bearer ${token}` }, ...tls });
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`no welcome from ${url} within ${timeoutMs} ms`));
      }, timeoutMs);
      ws.once('unexpected-response', (_req, res) => {
        clearTimeout(timer);
        res.resume();
        ws.on('error', () => undefined);
        ws.terminate();
        reject(new Error(`the drivers' socket refused the token: ${res.statusCode}`));
      });
      ws.once('error', (err) => {
        clearTimeout(timer);
        reject(err);
      });
      ws.once('message', (data) => {
        clearTimeout(timer);
        ws.on('error', () => undefined);
        resolve(new DriverLink(ws, JSON.parse(String(data)) as Welcome, timeoutMs));
      });
    });
  }

  /**
   * Sends `frame` and resolves to the hub's answer to it. A frame the hub dropped for the carrier's frame budget is
   * sent again after a pause (a driver app slows down), up to `RATE_RETRIES` times.
   */
  async ask(frame: Outgoing): Promise<Answer> {
    for (let attempt = 1; ; attempt++) {
      const a = await this.#askOnce(frame);
      if (a.type !== 'error' || a.code !== 'rate-limited' || attempt >= RATE_RETRIES) return a;
      await new Promise((resolve) => setTimeout(resolve, 100 * Math.min(attempt, 10)));
    }
  }

  #askOnce(frame: Outgoing): Promise<Answer> {
    const ref = frame.ref ?? `r${++this.#refs}`;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#pending.delete(ref);
        reject(new Error(`no answer to ${frame.type} (${ref}) within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.#pending.set(ref, (a) => {
        clearTimeout(timer);
        resolve(a);
      });
      this.send(JSON.stringify({ ...frame, ref }));
    });
  }

  /** Sends anything (tests' hostile frames); answers without a ref are read with `next`. */
  send(data: string | Buffer): void {
    if (this.ws.readyState !== WebSocket.OPEN) throw new Error('the drivers’ socket is closed');
    this.ws.send(data);
  }

  /** The next answer not matched to an `ask`. */
  next(): Promise<Answer> {
    const ready = this.#unmatched.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#waiters = this.#waiters.filter((w) => w !== take);
        reject(new Error(`no frame within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      const take = (a: Answer) => {
        clearTimeout(timer);
        resolve(a);
      };
      this.#waiters.push(take);
    });
  }

  close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.ws.terminate();
        resolve();
      }, 5_000);
      this.ws.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.ws.close(1000);
    });
  }
}

export interface DriverSimulatorOptions {
  /** Share of deliveries that fail at the door; the carrier's own (`simulator.failRate`) when left out. */
  readonly failRate?: number;
  /** Random numbers in [0, 1): seeded in tests (`seededRandom`). */
  readonly random?: () => number;
  /** The customer's PIN for age-restricted goods (read from their tracking page); none → the delivery fails. */
  readonly pinFor?: (deliveryId: string) => string | undefined | Promise<string | undefined>;
  /**
   * Say `collected` at the store instead of waiting for the store's hand-over (a demo without a store at its desk).
   * The store's hold is then not handed over until the store says so.
   */
  readonly selfCollect?: boolean;
  /** The device's clock (positions' `at`); the hub's clock in tests that move it. */
  readonly clock?: () => number;
  readonly onError?: (err: unknown) => void;
  /** The CA the hub's certificate must chain to (the demo's private CA over wss). */
  readonly tls?: { readonly ca?: string };
}

/** What one step did, for tests and logs: `at-store`, `delivered SF-10482`, `failed SF-10483`… */
export interface StepReport {
  readonly did: readonly string[];
  readonly idle: boolean;
}

/**
 * A driver app that drives itself: each step it asks for its runs, moves in a straight line at the carrier's speed
 * toward what is next — the doors of what it has on board (route order, else nearest), else the store of goods to
 * bring back, else the store to collect from — reports its position, and at a door hands over with a photo proof (or
 * fails, at the carrier's fail rate, and later brings the goods back). `step(seconds)` moves it by that much driving
 * time (tests step it); `start` steps it on a timer (the demo).
 */
export class DriverSimulator {
  #here: Point;
  #link: DriverLink;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  readonly #random: () => number;

  private constructor(
    link: DriverLink,
    readonly hubUrl: string,
    readonly token: string,
    readonly options: DriverSimulatorOptions,
  ) {
    this.#link = link;
    this.#here = { lat: link.welcome.carrier.lat, lon: link.welcome.carrier.lon };
    this.#random = options.random ?? Math.random;
  }

  static async connect(hubUrl: string, token: string, options: DriverSimulatorOptions = {}): Promise<DriverSimulator> {
    return new DriverSimulator(await DriverLink.connect(hubUrl, token, undefined, options.tls), hubUrl, token, options);
  }

  get link(): DriverLink {
    return this.#link;
  }

  get position(): Point {
    return this.#here;
  }

  async step(seconds: number): Promise<StepReport> {
    const runs = await this.link.ask({ type: 'list' });
    if (runs.type !== 'runs') throw new Error(`list answered ${JSON.stringify(runs)}`);
    const target = this.#next(runs.deliveries);
    if (!target) return { did: [], idle: true };
    const km = haversineKm(this.#here, target.to);
    const reach = (this.link.welcome.carrier.speedKmh * seconds) / 3600;
    const arrived = km <= reach;
    this.#here = arrived
      ? { lat: target.to.lat, lon: target.to.lon }
      : {
          lat: this.#here.lat + ((target.to.lat - this.#here.lat) * reach) / km,
          lon: this.#here.lon + ((target.to.lon - this.#here.lon) * reach) / km,
        };
    const at = (this.options.clock ?? Date.now)();
    await this.#expect({ type: 'position', ...this.#here, at, deliveryId: target.ids[0] });
    if (!arrived) return { did: [], idle: false };
    const did: string[] = [];
    for (const d of runs.deliveries.filter((x) => target.ids.includes(x.id)))
      did.push(await this.#arrive(target.kind, d));
    return { did, idle: false };
  }

  /**
   * Steps every `tickMs`, each step `speedUp` × the tick in driving time, until `stop`. A socket the hub closed (a
   * restart) is opened again at the next tick, as a driver app would.
   */
  start(tickMs = 1000, speedUp = 1): void {
    this.#running = true;
    const tick = async () => {
      try {
        if (this.#link.closed) {
          this.#link = await DriverLink.connect(this.hubUrl, this.token, undefined, this.options.tls);
          if (!this.#running) await this.#link.close(); // stopped while it connected
        }
        if (this.#running) await this.step((tickMs / 1000) * speedUp);
      } catch (err) {
        this.options.onError?.(err);
      }
      if (this.#running) this.#timer = setTimeout(() => void tick(), tickMs);
    };
    this.#timer = setTimeout(() => void tick(), tickMs);
  }

  async stop(): Promise<void> {
    this.#running = false;
    clearTimeout(this.#timer);
    await this.#link.close();
  }

  #next(runs: readonly RunDelivery[]): { kind: 'door' | 'return' | 'collect'; to: Point; ids: string[] } | undefined {
    const near = (a: RunDelivery, b: RunDelivery) =>
      (a.stop ?? Number.MAX_SAFE_INTEGER) - (b.stop ?? Number.MAX_SAFE_INTEGER) ||
      haversineKm(this.#here, a.door) - haversineKm(this.#here, b.door);
    const onBoard = runs.filter((d) => d.status === 'OUT_FOR_DELIVERY' || d.status === 'ARRIVING').sort(near);
    if (onBoard[0]) return { kind: 'door', to: onBoard[0].door, ids: [onBoard[0].id] };
    for (const [kind, status] of [
      ['return', 'RETURNING'],
      ['collect', 'ASSIGNED'],
    ] as const) {
      const first = runs.find((d) => d.status === status);
      if (first)
        return {
          kind,
          to: first.store,
          ids: runs.filter((d) => d.status === status && d.store.id === first.store.id).map((d) => d.id),
        };
    }
    return undefined;
  }

  async #arrive(kind: 'door' | 'return' | 'collect', d: RunDelivery): Promise<string> {
    if (kind === 'collect') {
      if (!this.options.selfCollect) return `waiting at ${d.store.name} for ${d.orderNumber}`;
      await this.#expect({ type: 'collected', deliveryId: d.id });
      return `collected ${d.orderNumber}`;
    }
    if (kind === 'return') {
      await this.#expect({ type: 'back-at-store', deliveryId: d.id });
      return `returned ${d.orderNumber}`;
    }
    const failRate = this.options.failRate ?? this.link.welcome.carrier.failRate;
    const pin = d.ageRestricted ? await this.options.pinFor?.(d.id) : undefined;
    if (this.#random() < failRate || (d.ageRestricted && !pin)) {
      const reason = d.ageRestricted && !pin ? 'age check: the customer had no PIN' : 'nobody home';
      await this.#expect({ type: 'failed', deliveryId: d.id, reason });
      return `failed ${d.orderNumber}`;
    }
    await this.#expect({
      type: 'delivered',
      deliveryId: d.id,
      proof: { kind: 'PHOTO', ref: `photo:sim/${d.id}` },
      ...(pin ? { pin } : {}),
    });
    return `delivered ${d.orderNumber}`;
  }

  async #expect(frame: Outgoing): Promise<void> {
    const a = await this.link.ask(frame);
    if (a.type === 'error') throw new Error(`${frame.type} refused: ${a.message}`);
  }
}

/** A small seeded generator (mulberry32) for deterministic runs. */
export function seededRandom(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
