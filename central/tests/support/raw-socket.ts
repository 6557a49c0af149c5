import { connect } from 'node:net';

/**
 * Sends `request` as raw bytes over a plain TCP socket to `url`'s host and port, and resolves to everything the server
 * answers until it closes the connection — for inputs an HTTP client would refuse to send or would normalise
 * (malformed request lines, oversized headers, unmasked frames). Rejects on a socket error, or after 10 s of silence
 * naming what had arrived, so a server that never closes fails the test with its answer instead of hanging it.
 * Used by the hub's and the store node's hostile-input tests.
 */
export function rawExchange(url: string, request: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const s = connect(Number(port), hostname, () => s.write(request));
    let got = '';
    s.setEncoding('utf8');
    s.on('data', (d: string) => (got += d));
    s.on('close', () => resolve(got));
    s.on('error', reject);
    s.setTimeout(10_000, () => s.destroy(new Error(`no answer; got ${JSON.stringify(got)}`)));
  });
}
