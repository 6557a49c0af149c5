import { Command, encodeFrame, FrameParser, FrameType, noticeFor } from '../rfid/frames.js';
import type { ByteSink } from '../serial/serial-link.js';
import type { DeviceEmulator } from '../serial/emulator-link.js';
import { seededRandom } from './random.js';

export interface FloorZone {
  readonly antenna: number;
  /** EPCs (hex) of the tags on this zone's shelves. */
  tags: string[];
}

export interface FloorNoise {
  /** Chance a tag in the field is not read in one sweep. */
  readonly miss: number;
  /** Chance a read tag is reported again in the same sweep. */
  readonly repeat: number;
  /** Tags of the neighbouring zone heard faintly on this antenna. */
  readonly strays: readonly string[];
  readonly strayChance: number;
  /** Bytes of line noise between frames, per sweep. */
  readonly garbageBytes: number;
}

export const REALISTIC_NOISE: FloorNoise = { miss: 0.08, repeat: 0.3, strays: [], strayChance: 0.05, garbageBytes: 0 };

/**
 * Plays a UHF reader scanning a sales floor: on a multi-poll it sweeps every zone each `sweepMs`, sending a notice per
 * tag it "hears" — with missed reads, repeats, strays from the neighbouring zone, RSSI by distance — until stopped.
 * Answers set-power. Shelves are mutable (`zones[i].tags`), so tests can take items away mid-run.
 */
export class RfidFloorEmulator implements DeviceEmulator {
  readonly kind = 'rfid';
  readonly parser = new FrameParser();
  readonly random: () => number;
  sweeps = 0;
  powerDbm = 0;
  #sink: ByteSink | undefined;
  #timer: NodeJS.Timeout | undefined;

  constructor(
    readonly zones: FloorZone[],
    public noise: FloorNoise = REALISTIC_NOISE,
    readonly sweepMs = 50,
    seed = 42,
  ) {
    this.random = seededRandom(seed);
  }

  attach(sink: ByteSink): void {
    this.#sink = sink;
  }

  detach(): void {
    this.#sink = undefined;
    this.#stop();
  }

  receive(chunk: Buffer): void {
    for (const f of this.parser.push(chunk)) {
      if (f.type !== FrameType.COMMAND) continue;
      if (f.command === Command.MULTI_POLL) this.#start();
      else if (f.command === Command.STOP_POLL) {
        this.#stop();
        this.#sink?.write(encodeFrame(FrameType.RESPONSE, Command.STOP_POLL, [0x00]));
      } else if (f.command === Command.SET_POWER && f.params.length === 2) {
        this.powerDbm = ((f.params[0]! << 8) | f.params[1]!) / 100;
        this.#sink?.write(encodeFrame(FrameType.RESPONSE, Command.SET_POWER, [0x00]));
      }
    }
  }

  /** One sweep of every zone, as bytes (also used directly by the benchmark). */
  sweepBytes(): Buffer {
    const parts: Buffer[] = [];
    const rssi = (near: boolean) => Math.round(near ? -42 - this.random() * 18 : -68 - this.random() * 12);
    for (const zone of this.zones) {
      for (const epc of zone.tags) {
        if (this.random() < this.noise.miss) continue;
        parts.push(noticeFor(epc, rssi(true), zone.antenna));
        if (this.random() < this.noise.repeat) parts.push(noticeFor(epc, rssi(true), zone.antenna));
      }
      for (const epc of this.noise.strays)
        if (this.random() < this.noise.strayChance) parts.push(noticeFor(epc, rssi(false), zone.antenna));
      if (this.noise.garbageBytes)
        parts.push(Buffer.from(Array.from({ length: this.noise.garbageBytes }, () => Math.floor(this.random() * 256))));
    }
    this.sweeps++;
    return Buffer.concat(parts);
  }

  #start(): void {
    if (this.#timer) return;
    this.#timer = setInterval(() => this.#sink?.write(this.sweepBytes()), this.sweepMs);
    this.#timer.unref();
  }

  #stop(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
