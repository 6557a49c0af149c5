import type { ByteSink, DeviceDriver } from '../serial/serial-link.js';
import { RateMeter } from '../serial/rate-meter.js';
import { Command, commands, FrameParser, FrameType, tagFromNotice, type TagRead } from './frames.js';

export interface TimedTagRead extends TagRead {
  readonly at: number;
}

/**
 * The UHF reader driver: parses frames, turns tag notices into reads, and keeps the reader inventorying (after every
 * (re)open it sets the power and starts a continuous multi-poll). Bad frames are counted and dropped.
 */
export class RfidReader implements DeviceDriver {
  readonly kind = 'rfid';
  readonly parser = new FrameParser();
  reads = 0;
  /** Tag notices dropped because their CRC-16 (or lengths) did not check out: a garbled EPC, never another tag. */
  badTags = 0;
  errorResponses = 0;
  /** Times the watchdog re-sent the inventory command to a silent reader. */
  rearmed = 0;
  #sink: ByteSink | undefined;
  #inventory = false;
  #lastFrameAt = 0;
  #watchdog: NodeJS.Timeout | undefined;
  readonly #rate = new RateMeter();

  constructor(
    readonly onTag: (read: TimedTagRead) => void,
    readonly powerDbm = 26,
    readonly now: () => number = Date.now,
  ) {}

  onOpen(sink: ByteSink): void {
    this.#sink = sink;
    this.#lastFrameAt = this.now();
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

  onData(chunk: Buffer): void {
    const at = this.now();
    const frames = this.parser.push(chunk);
    if (frames.length) this.#lastFrameAt = at;
    for (const f of frames) {
      if (f.type === FrameType.RESPONSE && f.command === Command.ERROR) this.errorResponses++;
      if (f.type !== FrameType.NOTICE || f.command !== Command.SINGLE_POLL) continue;
      const tag = tagFromNotice(f);
      if (!tag) {
        this.badTags++;
        continue;
      }
      this.reads++;
      this.#rate.add(at);
      this.onTag({ ...tag, at });
    }
  }

  /** Reads per second over the last 10 s. */
  readRate(): number {
    return this.#rate.perSecond(this.now());
  }

  stats(): Record<string, number> {
    return { reads: this.reads, readsPerSecond: this.readRate(), badFrames: this.parser.counters.badFrames, badTags: this.badTags, skippedBytes: this.parser.counters.skippedBytes, errorResponses: this.errorResponses, rearmed: this.rearmed };
  }
}
