import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { teeInto } from '../stream-tee.js';

const sha = async (s: Readable) => {
  const h = createHash('sha256');
  for await (const c of s) h.update(c as Buffer);
  return h.digest('hex');
};
const pieces = (n: number, size: number) =>
  Readable.from(
    (function* () {
      for (let i = 0; i < n; i += 1) yield Buffer.alloc(size, i % 251);
    })(),
  );

describe('one read of a version, teed to the scanner and the thumbnail maker', () => {
  it('gives every consumer the same bytes', async () => {
    const [a, b] = await teeInto<[string, string]>(pieces(200, 10_000), [sha, sha]);
    expect(a).toBe(b);
    expect(a).toBe(await sha(pieces(200, 10_000)));
  });

  it('goes on for the others when one consumer stops early', async () => {
    const source = pieces(100, 64 * 1024);
    const [first, all] = await teeInto<[number, string]>(source, [
      async (s) => {
        for await (const c of s) return (c as Buffer).length;
        return 0;
      },
      sha,
    ]);
    expect(first).toBe(64 * 1024);
    expect(all).toBe(await sha(pieces(100, 64 * 1024)));
  });

  it("fails every consumer's stream and rejects with the source's error when the source fails", async () => {
    const failing = Readable.from(
      (async function* () {
        yield Buffer.alloc(1000);
        throw Object.assign(new Error('segment 2 failed its check'), { name: 'SealedTamperedError' });
      })(),
    );
    const seen: string[] = [];
    const consumer = async (s: Readable) => {
      try {
        await sha(s);
        return 'finished';
      } catch (err) {
        seen.push((err as Error).message);
        throw err;
      }
    };
    await expect(teeInto(failing, [consumer, consumer, async () => 'not reading'])).rejects.toThrow(
      'segment 2 failed its check',
    );
    expect(seen).toEqual(['segment 2 failed its check', 'segment 2 failed its check']);
  });

  it("rejects with a consumer's error after the others have finished", async () => {
    await expect(
      teeInto(pieces(10, 1000), [
        async () => {
          throw new Error('the scanner is unreachable');
        },
        sha,
      ]),
    ).rejects.toThrow('the scanner is unreachable');
  });
});
