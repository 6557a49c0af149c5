import { createHash, randomBytes } from 'node:crypto';
import { request } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { RegistryTestHub } from './blobs-harness.js';

/** The upload's size: big enough that holding it whole would break the bound below. */
const MB = 64;
/** What the process (client and hub in one) may hold at a peak, whatever the blob's size. */
const HELD_LIMIT = 40 * 1024 ** 2;

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const live = () => {
  gc();
  const m = process.memoryUsage();
  return m.heapUsed + m.external;
};

/**
 * Issue #23, big blobs: a streamed PATCH of 64 MB and its read back go through the hub without the process holding
 * them; a client that goes away mid-PATCH leaves the session as it was before that chunk. One database: the point is
 * the streams, not the SQL.
 */
describe.each([dbTargets.at(-1)!])('registry uploads stream, on $name', (target) => {
  let h: RegistryTestHub;
  beforeAll(async () => {
    h = await RegistryTestHub.start(target);
  }, 180_000);
  afterAll(() => h?.stop(), 60_000);

  it(`a ${MB} MB streamed PATCH, PUT and GET hold less than 40 MB live at any time`, async () => {
    const base = randomBytes(1024 ** 2);
    const inHash = createHash('sha256');
    let peak = 0;
    // warm up the paths, then take the baseline
    const warm = await h.session('big/app');
    await h.v2('PATCH', warm, { body: base });
    await h.v2('DELETE', warm);
    const baseLive = live();

    const loc = await h.session('big/app');
    // a plain http client that waits for the socket to drain: what is held is the hub's doing, not a client buffer
    const patch = await new Promise<{ status: number; range: string | undefined }>((resolve, reject) => {
      const req = request(new URL(h.t.url + loc), {
        method: 'PATCH',
        headers: { cookie: h.cookie, 'content-type': 'application/octet-stream' },
      });
      req.on('error', reject);
      req.on('response', (res) => {
        res.resume();
        resolve({ status: res.statusCode ?? 0, range: res.headers.range as string | undefined });
      });
      let made = 0;
      const write = () => {
        while (made < MB) {
          const chunk = Buffer.from(base);
          chunk.writeUInt32BE(made, 0);
          inHash.update(chunk);
          made++;
          if (made % 8 === 0) peak = Math.max(peak, live());
          if (!req.write(chunk)) return void req.once('drain', write);
        }
        req.end();
      };
      write();
    });
    expect(patch.status).toBe(202);
    expect(patch.range).toBe(`0-${MB * 1024 ** 2 - 1}`);
    const digest = `sha256:${inHash.digest('hex')}`;
    const put = await h.v2('PUT', `${loc}?digest=${digest}`);
    expect(put.status, put.text).toBe(201);

    const res = await fetch(`${h.t.url}/v2/big/app/blobs/${digest}`, { headers: { cookie: h.cookie } });
    expect(res.headers.get('content-length')).toBe(String(MB * 1024 ** 2));
    const outHash = createHash('sha256');
    let read = 0;
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      if (Math.floor((read + chunk.length) / 8 / 1024 ** 2) > Math.floor(read / 8 / 1024 ** 2))
        peak = Math.max(peak, live());
      read += chunk.length;
      outHash.update(chunk);
    }
    expect(read).toBe(MB * 1024 ** 2);
    expect(`sha256:${outHash.digest('hex')}`).toBe(digest);
    const held = peak - baseLive;
    expect(held, `held ${(held / 1024 ** 2).toFixed(1)} MB for a ${MB} MB blob`).toBeLessThan(HELD_LIMIT);
  }, 240_000);

  it('a client that goes away mid-PATCH, after the hub wrote part of its body, leaves the session at the bytes it had before', async () => {
    const loc = await h.session('big/abort');
    const id = loc.split('/').at(-1)!;
    expect((await h.v2('PATCH', loc, { body: 'before ' })).status).toBe(202);
    expect(await h.parts.storage.uploadSize(id)).toBe(7);
    const req = request(new URL(h.t.url + loc), {
      method: 'PATCH',
      headers: { cookie: h.cookie, 'content-type': 'application/octet-stream' },
    });
    const closed = new Promise<void>((resolve) => {
      req.on('error', () => resolve());
      req.on('close', () => resolve());
    });
    req.on('response', (res) => res.resume());
    // keep the body coming until the hub's upload file holds some of it (so the abort has something to cut), bounded
    let grown = 7;
    try {
      for (let i = 0; i < 200 && grown <= 7; i++) {
        if (req.writableNeedDrain) await new Promise((r) => req.once('drain', r));
        req.write(Buffer.alloc(128 * 1024, 7));
        await new Promise((r) => setTimeout(r, 50));
        grown = await h.parts.storage.uploadSize(id);
      }
    } finally {
      req.destroy();
    }
    expect(grown, 'the hub wrote part of the aborted body before the client went away').toBeGreaterThan(7);
    await closed;
    // the hub sees the connection close a moment later: poll until the session is cut back, bounded
    let range: string | null = null;
    let size = -1;
    for (let i = 0; i < 200; i++) {
      size = await h.parts.storage.uploadSize(id);
      range = (await h.v2('GET', loc)).headers.get('range');
      if (size === 7 && range === '0-6') break;
      await new Promise((r) => setTimeout(r, 100));
    }
    expect({ size, range }).toEqual({ size: 7, range: '0-6' });
    const more = await h.v2('PATCH', loc, { body: 'after', headers: { 'content-range': '7-11' } });
    expect(more.status).toBe(202);
    expect(more.headers.get('range')).toBe('0-11');
    expect(await h.parts.storage.uploadSize(id)).toBe(12);
  }, 120_000);
});
