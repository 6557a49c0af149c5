import { describe, expect, it } from 'vitest';
import {
  encodeFrame,
  FrameParser,
  FrameType,
  gen2Crc16,
  noticeFor,
  RfidReader,
  seededRandom,
  tagFromNotice,
  type TagRead,
} from '../src/index.js';

const EPC = '3074257BF7194E4000001A85';

describe('tag integrity: the EPC Gen2 CRC-16 the reader forwards', () => {
  it('reads the tag notice printed in the M100 module manual, whose CRC covers PC + EPC', () => {
    const manual = Buffer.from('BB02220011C9340030751FEB705C5904E3D50D703A76EF7E', 'hex');
    const [frame] = new FrameParser().push(manual);
    expect(tagFromNotice(frame!)).toEqual({ epc: '30751FEB705C5904E3D50D70', pc: 0x3400, rssi: -55, antenna: 1 });
    expect(gen2Crc16(Buffer.from('123456789'))).toBe(0xd64e); // CRC-16/GENIBUS check value
  });

  it('the emulator (noticeFor) sends the CRC a real tag would', () => {
    const notice = noticeFor(EPC, -50, 2);
    const pcAndEpc = notice.subarray(6, 6 + 2 + 12);
    expect(notice.readUInt16BE(6 + 14)).toBe(gen2Crc16(pcAndEpc));
  });

  it('two swapped EPC bytes (same byte sum, so the frame checksum still passes) are not another tag: dropped and counted', () => {
    const good = noticeFor(EPC, -50, 1);
    const swapped = Buffer.from(good);
    [swapped[10], swapped[11]] = [swapped[11]!, swapped[10]!]; // EPC bytes 3 and 4: 0x7B, 0xF7
    const reads: TagRead[] = [];
    const reader = new RfidReader((r) => reads.push(r));
    reader.onData(Buffer.concat([swapped, good]));
    expect(reader.parser.counters).toMatchObject({ frames: 2, badFrames: 0 }); // the byte sum did not notice
    expect(reads.map((r) => r.epc)).toEqual([EPC]);
    expect(reader.stats()).toMatchObject({ reads: 1, badTags: 1 });
  });
});

describe('resynchronising after a stray frame head', () => {
  it('a stray 0xBB in line noise does not hold back the real frame right behind it', () => {
    const p = new FrameParser();
    // 0xBB 0x02 0x22 0x01 0xF0: a plausible head announcing 496 parameter bytes, then the real notice.
    const frames = p.push(
      Buffer.concat([Buffer.from([0x11, 0xbb, 0x02, 0x22, 0x01, 0xf0, 0x33]), noticeFor(EPC, -48, 1)]),
    );
    expect(frames.map((f) => tagFromNotice(f)?.epc)).toEqual([EPC]);
    expect(p.counters.badFrames).toBe(1);
  });

  it('on a quiet line with noise between frames, no frame of 30,000 waits for the next one', () => {
    const random = seededRandom(7);
    const p = new FrameParser();
    const epcs = Array.from({ length: 50 }, (_, i) => EPC.slice(0, 20) + i.toString(16).padStart(4, '0').toUpperCase());
    let delayed = 0;
    const heard: string[] = [];
    for (let i = 0; i < 30_000; i++) {
      const noise = Buffer.from(Array.from({ length: 16 }, () => Math.floor(random() * 256)));
      const epc = epcs[i % epcs.length]!;
      const got = p.push(Buffer.concat([noise, noticeFor(epc, -50, 1)])).flatMap((f) => tagFromNotice(f)?.epc ?? []);
      if (got.at(-1) !== epc) delayed++;
      heard.push(...got);
    }
    expect({ delayed, heard: heard.length }).toEqual({ delayed: 0, heard: 30_000 });
  });

  it('still waits for a real frame that is only partly here', () => {
    const frame = noticeFor(EPC, -50, 1);
    const p = new FrameParser();
    expect(p.push(frame.subarray(0, 12))).toEqual([]);
    expect(p.push(frame.subarray(12)).map((f) => tagFromNotice(f)?.epc)).toEqual([EPC]);
    const long = encodeFrame(FrameType.RESPONSE, 0x39, Buffer.alloc(300, 0xbb)); // a memory read full of head bytes
    expect(p.push(long.subarray(0, 200))).toEqual([]);
    expect(p.push(long.subarray(200)).map((f) => f.params.length)).toEqual([300]);
  });
});
