/**
 * The serial frame protocol of the widely sold M100/"JRD-4035"-family UHF reader modules:
 *
 *   BB | type | command | length (2 bytes, big-endian) | parameters… | checksum | 7E
 *
 * type 00 = command (host → reader), 01 = response, 02 = notice (a tag read during inventory). The checksum is the
 * low byte of the sum of type, command, length and parameters: it misses two swapped bytes, so a tag notice is also
 * checked against the CRC-16 the tag itself backscattered (see `tagFromNotice`).
 */
export const FRAME_HEAD = 0xbb;
export const FRAME_END = 0x7e;
export const MAX_PARAMS = 512;

export const FrameType = { COMMAND: 0x00, RESPONSE: 0x01, NOTICE: 0x02 } as const;
export const Command = {
  SINGLE_POLL: 0x22,
  MULTI_POLL: 0x27,
  STOP_POLL: 0x28,
  SET_POWER: 0xb6,
  GET_POWER: 0xb7,
  ERROR: 0xff,
} as const;

export interface Frame {
  readonly type: number;
  readonly command: number;
  readonly params: Uint8Array;
}

export function encodeFrame(type: number, command: number, params: ArrayLike<number> = []): Buffer {
  if (params.length > MAX_PARAMS) throw new RangeError(`a frame carries at most ${MAX_PARAMS} parameter bytes`);
  const out = Buffer.alloc(params.length + 7);
  out[0] = FRAME_HEAD;
  out[1] = type;
  out[2] = command;
  out.writeUInt16BE(params.length, 3);
  for (let i = 0; i < params.length; i++) out[5 + i] = params[i]!;
  out[5 + params.length] = checksum(out, 1, 5 + params.length);
  out[6 + params.length] = FRAME_END;
  return out;
}

function checksum(bytes: Uint8Array, from: number, to: number): number {
  let sum = 0;
  for (let i = from; i < to; i++) sum += bytes[i]!;
  return sum & 0xff;
}

/**
 * The EPC Gen2 CRC-16 a tag sends after its PC and EPC (CRC-16/CCITT polynomial 0x1021, preset 0xFFFF, complemented;
 * also known as CRC-16/GENIBUS): the reader forwards it big-endian after the EPC.
 */
export function gen2Crc16(bytes: Uint8Array): number {
  let crc = 0xffff;
  for (const b of bytes) {
    crc ^= b << 8;
    for (let i = 0; i < 8; i++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return ~crc & 0xffff;
}

const isFrameType = (t: number) => t === FrameType.COMMAND || t === FrameType.RESPONSE || t === FrameType.NOTICE;

/** Where the frame whose head is at `at` ends (its end byte), if it is whole and valid; -1 if not (yet). */
function validFrameEnd(buf: Buffer, at: number): number {
  if (buf.length - at < 7 || !isFrameType(buf[at + 1]!)) return -1;
  const len = buf.readUInt16BE(at + 3);
  const end = at + 6 + len;
  if (len > MAX_PARAMS || end >= buf.length) return -1;
  return buf[end] === FRAME_END && buf[end - 1] === checksum(buf, at + 1, end - 1) ? end : -1;
}

export interface ParserCounters {
  frames: number;
  /** Frames whose checksum or end byte was wrong: dropped. */
  badFrames: number;
  /** Bytes skipped while looking for a frame head (line noise, a frame cut by a reconnect). */
  skippedBytes: number;
}

/**
 * Reassembles frames from serial chunks, which split frames anywhere and may carry garbage between them. On a bad
 * frame it drops only the head byte and searches again from the next one, so a real frame hiding behind a false head
 * is still found. A head whose frame is not whole yet is waited for — unless a whole valid frame already starts after
 * it: frames do not nest, so that head was noise (a stray 0xBB announcing hundreds of bytes would otherwise hold every
 * real frame behind it until that many bytes had arrived). Never throws.
 */
export class FrameParser {
  readonly counters: ParserCounters = { frames: 0, badFrames: 0, skippedBytes: 0 };
  #buf: Buffer = Buffer.alloc(0);

  push(chunk: Uint8Array): Frame[] {
    this.#buf = this.#buf.length ? Buffer.concat([this.#buf, chunk]) : Buffer.from(chunk);
    const frames: Frame[] = [];
    let at = 0;
    const buf = this.#buf;
    while (at < buf.length) {
      if (buf[at] !== FRAME_HEAD) {
        at++;
        this.counters.skippedBytes++;
        continue;
      }
      if (buf.length - at < 7) break; // wait for more
      const len = buf.readUInt16BE(at + 3);
      if (len > MAX_PARAMS || !isFrameType(buf[at + 1]!)) {
        this.#dropHead();
        at++;
        continue;
      }
      const end = at + 6 + len;
      if (end >= buf.length) {
        if (this.#validFrameAfter(buf, at)) {
          this.#dropHead();
          at++;
          continue;
        }
        break; // wait for more
      }
      if (buf[end] !== FRAME_END || buf[end - 1] !== checksum(buf, at + 1, end - 1)) {
        this.#dropHead();
        at++;
        continue;
      }
      frames.push({
        type: buf[at + 1]!,
        command: buf[at + 2]!,
        params: Uint8Array.prototype.slice.call(buf, at + 5, end - 1),
      });
      this.counters.frames++;
      at = end + 1;
    }
    this.#buf = at >= buf.length ? Buffer.alloc(0) : buf.subarray(at);
    if (this.#buf.length > 4 * (MAX_PARAMS + 7)) {
      // Only reachable with a head byte followed by an endless stream of nothing valid: cap memory.
      this.counters.skippedBytes += this.#buf.length;
      this.#buf = Buffer.alloc(0);
    }
    return frames;
  }

  #dropHead(): void {
    this.counters.badFrames++;
    this.counters.skippedBytes++;
  }

  /** Whether a whole valid frame starts somewhere after `at` in what has arrived. */
  #validFrameAfter(buf: Buffer, at: number): boolean {
    for (let j = buf.indexOf(FRAME_HEAD, at + 1); j !== -1 && buf.length - j >= 7; j = buf.indexOf(FRAME_HEAD, j + 1)) {
      if (validFrameEnd(buf, j) !== -1) return true;
    }
    return false;
  }
}

export interface TagRead {
  /** EPC as upper-case hex. */
  readonly epc: string;
  readonly pc: number;
  /** dBm (the module reports a signed byte). */
  readonly rssi: number;
  readonly antenna: number;
}

/**
 * A tag notice (type 02, command 22): RSSI, PC, EPC (its length in words is PC bits 15–11), CRC-16, and — on the
 * multi-port readers of the family — one more byte naming the antenna; single-port modules omit it (antenna 1).
 * Returns undefined for a notice whose lengths do not add up or whose CRC-16 is not the Gen2 CRC of its PC and EPC
 * (a byte garbled on the line that the frame's byte sum did not catch: never a different, real-looking tag).
 */
export function tagFromNotice(f: Frame): TagRead | undefined {
  if (f.type !== FrameType.NOTICE || f.command !== Command.SINGLE_POLL || f.params.length < 5) return undefined;
  const p = f.params;
  const pc = (p[1]! << 8) | p[2]!;
  const epcBytes = (pc >> 11) * 2;
  const base = 1 + 2 + epcBytes + 2;
  if (epcBytes === 0 || (p.length !== base && p.length !== base + 1)) return undefined;
  if (((p[base - 2]! << 8) | p[base - 1]!) !== gen2Crc16(p.subarray(1, base - 2))) return undefined;
  const epc = Buffer.from(p.subarray(3, 3 + epcBytes))
    .toString('hex')
    .toUpperCase();
  const rssi = p[0]! > 127 ? p[0]! - 256 : p[0]!;
  return { epc, pc, rssi, antenna: p.length === base + 1 ? p[base]! : 1 };
}

/** The notice a reader sends for a tag (used by the emulator and tests). */
export function noticeFor(epcHex: string, rssi: number, antenna?: number): Buffer {
  const epc = Buffer.from(epcHex, 'hex');
  const words = epc.length / 2;
  const pc = (words << 11) & 0xffff;
  const crc = gen2Crc16(Buffer.from([pc >> 8, pc & 0xff, ...epc]));
  const params = [
    rssi & 0xff,
    pc >> 8,
    pc & 0xff,
    ...epc,
    crc >> 8,
    crc & 0xff,
    ...(antenna === undefined ? [] : [antenna]),
  ];
  return encodeFrame(FrameType.NOTICE, Command.SINGLE_POLL, params);
}

export const commands = {
  multiPoll: (count = 0xffff) => encodeFrame(FrameType.COMMAND, Command.MULTI_POLL, [0x22, count >> 8, count & 0xff]),
  stopPoll: () => encodeFrame(FrameType.COMMAND, Command.STOP_POLL),
  /** Transmit power in dBm (e.g. 26); the module takes hundredths. */
  setPower: (dbm: number) => {
    const v = Math.round(dbm * 100);
    return encodeFrame(FrameType.COMMAND, Command.SET_POWER, [v >> 8, v & 0xff]);
  },
};
