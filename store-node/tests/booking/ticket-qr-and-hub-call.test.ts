import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode } from 'uqr';
import { bookingHubCaller, HubUnreachable } from '../../src/booking/hub-client.js';
import { ticketQrSvg } from '../../src/booking/ticket-qr.js';
import { hubCaller } from '../../src/carts/hub-call.js';

/** The dark modules the SVG draws (`M x y h n v1 h-n z` runs), as "x,y". */
function drawn(svg: string): Set<string> {
  const cells = new Set<string>();
  const d = /<path fill="#000" d="([^"]*)"\/>/.exec(svg)![1]!;
  for (const m of d.matchAll(/M(\d+) (\d+)h(\d+)v1h-\3z/g))
    for (let i = 0; i < Number(m[3]); i++) cells.add(`${Number(m[1]) + i},${m[2]}`);
  return cells;
}

describe('a ticket’s QR code', () => {
  it('draws exactly the code’s QR modules inside a four-module quiet zone, and nothing of its text', () => {
    const code = `SFT1.${Buffer.from(JSON.stringify({ b: 'x'.repeat(36), n: 1 })).toString('base64url')}.${'s'.repeat(86)}`;
    const svg = ticketQrSvg(code);
    const { size, data } = encode(code, { ecc: 'M', border: 0 });
    const want = new Set<string>();
    for (let y = 0; y < size; y++) for (let x = 0; x < size; x++) if (data[y]![x]) want.add(`${x + 4},${y + 4}`);
    expect(drawn(svg)).toEqual(want);
    expect(svg).toContain(`viewBox="0 0 ${size + 8} ${size + 8}"`);
    expect(svg).not.toContain('SFT1');
  });

  it('is squares and numbers whatever the code says: markup in a code never reaches the SVG', () => {
    const svg = ticketQrSvg('"><script>alert(1)</script><a href="javascript:x">');
    expect(svg).not.toMatch(/script|href|alert|javascript/);
    // the whole SVG: one white square and one path of numbers
    expect(svg).toMatch(
      /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg" viewBox="0 0 \d+ \d+" shape-rendering="crispEdges"><rect width="\d+" height="\d+" fill="#fff"\/><path fill="#000" d="[Mhvz\d -]+"\/><\/svg>$/,
    );
  });
});

// The hub's own server problems (503 "no payment provider is configured") are its answer, not "offline", for booking;
// a 5xx without a problem (a proxy's page) and no answer at all stay unreachable; the carts' caller is unchanged.
describe('the hub caller', () => {
  let server: Server;
  let url: string;
  const seen: { method: string; key: string | undefined }[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push({ method: req.method!, key: req.headers['idempotency-key'] as string | undefined });
      if (req.url === '/problem') {
        res.writeHead(503, { 'content-type': 'application/problem+json' });
        res.end(
          JSON.stringify({
            type: 'about:blank',
            title: 'Unavailable',
            status: 503,
            detail: 'no payment provider is configured',
          }),
        );
      } else if (req.url === '/proxy') {
        res.writeHead(502, { 'content-type': 'text/html' });
        res.end('<h1>Bad gateway</h1>');
      } else if (req.url === '/token') {
        res.writeHead(401, { 'content-type': 'application/problem+json' });
        res.end(JSON.stringify({ status: 401, detail: 'token expired' }));
      } else req.socket.destroy();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  const token = async () => 'a-token';

  it('booking: passes the hub’s 503 problem on with its sentence, and the caller’s key and method with it', async () => {
    const call = bookingHubCaller(url, token, 5000);
    expect(await call('DELETE', '/problem', undefined, 'key-1')).toEqual({
      status: 503,
      body: expect.objectContaining({ detail: 'no payment provider is configured' }),
    });
    expect(seen.at(-1)).toEqual({ method: 'DELETE', key: 'key-1' });
    await expect(call('POST', '/proxy', {})).rejects.toBeInstanceOf(HubUnreachable);
    await expect(call('POST', '/gone', {})).rejects.toBeInstanceOf(HubUnreachable);
    const refused: string[] = [];
    const withToken = bookingHubCaller(url, token, 5000, (_t, why) => refused.push(why));
    await expect(withToken('POST', '/token', {})).rejects.toBeInstanceOf(HubUnreachable);
    expect(refused).toEqual(['HTTP 401: token expired']);
  });

  it('carts: any 5xx is still unreachable (the kiosk cart words it as offline)', async () => {
    await expect(hubCaller(url, token)('POST', '/problem', {})).rejects.toBeInstanceOf(HubUnreachable);
  });
});
