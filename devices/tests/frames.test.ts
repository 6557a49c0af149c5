import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commands, encodeFrame, FrameParser, FrameType, noticeFor, tagFromNotice, type Frame } from '../src/index.js';

const EPC = '3074257BF7194E4000001A85';
const tags = (frames: Frame[]) => frames.map(tagFromNotice).filter((t) => t !== undefined);

describe('the UHF reader frame parser', () => {
  it('reads a tag notice: EPC, PC, RSSI and antenna', () => {
    const [frame] = new FrameParser().push(noticeFor(EPC, -52, 3));
    expect(tagFromNotice(frame!)).toEqual({ epc: EPC, pc: 0x3000, rssi: -52, antenna: 3 });
    expect(tagFromNotice(new FrameParser().push(noticeFor(EPC, -40))[0]!)).toMatchObject({ antenna: 1 }); // single-port module
    expect([...commands.multiPoll()]).toEqual([0xbb, 0x00, 0x27, 0x00, 0x03, 0x22, 0xff, 0xff, 0x4a, 0x7e]);
    expect([...commands.stopPoll()]).toEqual([0xbb, 0x00, 0x28, 0x00, 0x00, 0x28, 0x7e]);
  });

  it('reassembles frames split at every possible point', () => {
    const stream = Buffer.concat([
      noticeFor(EPC, -50, 1),
      encodeFrame(FrameType.RESPONSE, 0xb6, [0]),
      noticeFor('3034257BF7194E4000001A85', -61, 2),
    ]);
    for (let a = 0; a < stream.length; a++) {
      for (let b = a; b < stream.length; b++) {
        const p = new FrameParser();
        const frames = [
          ...p.push(stream.subarray(0, a)),
          ...p.push(stream.subarray(a, b)),
          ...p.push(stream.subarray(b)),
        ];
        expect(frames.map((f) => f.command)).toEqual([0x22, 0xb6, 0x22]);
        expect(p.counters.badFrames).toBe(0);
      }
    }
  });

  it('finds every frame among random garbage and chunking, and never throws', () => {
    const garbage = fc.uint8Array({ maxLength: 40 }).map((g) => g.map((b) => (b === 0xbb ? 0 : b))); // no false frame heads here
    const epc = fc
      .uint8Array({ minLength: 12, maxLength: 12 })
      .map((b) => Buffer.from(b).toString('hex').toUpperCase());
    fc.assert(
      fc.property(
        fc.array(fc.tuple(garbage, epc, fc.integer({ min: -90, max: -20 }))),
        fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1 }),
        (parts, cuts) => {
          const stream = Buffer.concat(parts.flatMap(([g, e, r]) => [Buffer.from(g), noticeFor(e, r, 1)]));
          const p = new FrameParser();
          const got: Frame[] = [];
          for (let at = 0, i = 0; at < stream.length; i++) {
            const n = cuts[i % cuts.length]!;
            got.push(...p.push(stream.subarray(at, at + n)));
            at += n;
          }
          expect(tags(got).map((t) => `${t.epc}/${t.rssi}`)).toEqual(parts.map(([, e, r]) => `${e}/${r}`));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('yields no tag from a frame whose checksum or end byte is wrong, and counts it', () => {
    const good = noticeFor(EPC, -50, 1);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: good.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, flip) => {
        const bad = Buffer.from(good);
        bad[at] = bad[at]! ^ flip;
        const p = new FrameParser();
        const frames = p.push(bad);
        // A flipped length byte can make the frame look incomplete (the parser waits); otherwise it is dropped.
        expect(tags(frames)).toEqual([]);
      }),
      { numRuns: 1000 },
    );
    const p = new FrameParser();
    p.push(Buffer.concat([Buffer.from([0xbb, 0x02, 0x22, 0x00, 0x01, 0x00, 0x99, 0x7e]), good]));
    expect(p.counters).toMatchObject({ frames: 1, badFrames: 1 });
  });

  it('survives any bytes at all', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), (chunks) => {
        const p = new FrameParser();
        for (const c of chunks) for (const f of p.push(c)) tagFromNotice(f);
      }),
      { numRuns: 500 },
    );
  });
});
