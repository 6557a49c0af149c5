import type { ByteSink, DeviceDriver } from '../serial/serial-link.js';
import { RateMeter } from '../serial/rate-meter.js';
import { expectedSweeps, type ReaderWindow } from '../reconcile/window-coverage.js';
import { Command, commands, FrameParser, FrameType, tagFromNotice, type TagRead } from './frames.js';

export interface TimedTagRead extends TagRead {
  readonly at: number;
}

export interface ReaderTiming {
  /** How long the reader takes to sweep its zones once (default 500 ms): the unit of `sweeps` and of silence. */
  readonly sweepMs?: number;
  /** Open, inventorying, and no frame at all for this long: the reader is silent (default 10 sweeps, at least 2 s). */
  readonly silentAfterMs?: number;
}

/**
 * The UHF reader driver: parses frames, turns tag notices into reads, and keeps the reader inventorying (after every
 * (re)open it sets the power and starts a continuous multi-poll). Bad frames are counted and dropped.
 *
 * It also keeps what a reconciliation window needs to trust its reads (`takeWindow`): how often the link opened or
 * closed, and in how many sweep periods tags were heard. A port that is open but has nothing behind it (a pty with
 * no device, a dead module) is `silent()`, not up.
 */
export class RfidReader implements DeviceDriver {
  readonly kind = 'rfid';
  readonly parser = new FrameParser();
  readonly sweepMs: number;
  readonly silentAfterMs: number;
  reads = 0;
  /** Tag notices dropped because their CRC-16 (or lengths) did not check out: a garbled EPC, never another tag. */
  badTags = 0;
  errorResponses = 0;
  /** Times the watchdog re-sent the inventory command to a silent reader. */
  rearmed = 0;
  /** Sweep periods in which tags were heard, since start. */
  sweeps = 0;
  #sink: ByteSink | undefined;
  #inventory = false;
  #lastFrameAt = 0;
  /** When a frame last arrived (or the port opened): unlike #lastFrameAt, a re-arm does not reset it. */
  #lastHeardAt = 0;
  #lastSweep = -1;
  #window: { startedAt: number; sweeps: number; linkChanges: number };
  #watchdog: NodeJS.Timeout | undefined;
  readonly #rate = new RateMeter();

  constructor(
    readonly onTag: (read: TimedTagRead) => void,
    readonly powerDbm = 26,
    readonly now: () => number = Date.now,
    timing: ReaderTiming = {},
  ) {
    this.sweepMs = timing.sweepMs ?? 500;
    this.silentAfterMs = timing.silentAfterMs ?? Math.max(2000, 10 * this.sweepMs);
    this.#window = { startedAt: now(), sweeps: 0, linkChanges: 0 };
  }

  onOpen(sink: ByteSink): void {
    this.#sink = sink;
    this.#lastFrameAt = this.#lastHeardAt = this.now();
    this.#window.linkChanges++;
    sink.write(commands.setPower(this.powerDbm));
    if (this.#inventory) sink.write(commands.multiPoll());
    // A command sent while the reader was still waking up (or lost on a replug) would leave it silent: while
    // inventory is wanted and nothing is heard for 2 s, ask again.
    clearInterval(this.#watchdog);
    this.#watchdog = setInterval(() => {
      if (this.#inventory && this.now() - this.#lastFrameAt > 2000) {
        this.#lastFrameAt = this.now();
        this.rearmed++;
        this.#sink?.write(commands.multiPoll());
      }
    }, 500);
    this.#watchdog.unref();
  }

  onClose(): void {
    clearInterval(this.#watchdog);
    if (this.#sink) this.#window.linkChanges++;
    this.#sink = undefined;
  }

  startInventory(): void {
    this.#inventory = true;
    this.#sink?.write(commands.multiPoll());
  }

  stopInventory(): void {
    this.#inventory = false;
    this.#sink?.write(commands.stopPoll());
  }

  /** Open and inventorying, yet nothing has come back for `silentAfterMs`. */
  silent(): boolean {
    return this.#sink !== undefined && this.#inventory && this.now() - this.#lastHeardAt > this.silentAfterMs;
  }

  /**
   * What the reader did since the last call (or since it was made), and starts the next window: call it when the
   * window's reads are taken. `minSweeps`: the fewest sweeps any window must have heard.
   */
  takeWindow(reader: string, minSweeps: number): ReaderWindow {
    const at = this.now();
    const w = this.#window;
    this.#window = { startedAt: at, sweeps: 0, linkChanges: 0 };
    const ms = at - w.startedAt;
    return {
      reader,
      ms,
      sweeps: w.sweeps,
      expectedSweeps: expectedSweeps(ms, this.sweepMs, minSweeps),
      linkChanges: w.linkChanges,
      up: this.#sink !== undefined,
    };
  }

  onData(chunk: Buffer): void {
    const at = this.now();
    const frames = this.parser.push(chunk);
    if (frames.length) this.#lastFrameAt = this.#lastHeardAt = at;
    let tagged = false;
    for (const f of frames) {
      if (f.type === FrameType.RESPONSE && f.command === Command.ERROR) this.errorResponses++;
      if (f.type !== FrameType.NOTICE || f.command !== Command.SINGLE_POLL) continue;
      const tag = tagFromNotice(f);
      if (!tag) {
        this.badTags++;
        continue;
      }
      tagged = true;
      this.reads++;
      this.#rate.add(at);
      this.onTag({ ...tag, at });
    }
    const sweep = Math.floor(at / this.sweepMs);
    if (tagged && sweep !== this.#lastSweep) {
      this.#lastSweep = sweep;
      this.sweeps++;
      this.#window.sweeps++;
    }
  }

  /** Reads per second over the last 10 s. */
  readRate(): number {
    return this.#rate.perSecond(this.now());
  }

  stats(): Record<string, number> {
    return {
      reads: this.reads,
      readsPerSecond: this.readRate(),
      sweeps: this.sweeps,
      silent: this.silent() ? 1 : 0,
      msSinceHeard: this.#sink ? this.now() - this.#lastHeardAt : 0,
      badFrames: this.parser.counters.badFrames,
      badTags: this.badTags,
      skippedBytes: this.parser.counters.skippedBytes,
      errorResponses: this.errorResponses,
      rearmed: this.rearmed,
    };
  }
}
