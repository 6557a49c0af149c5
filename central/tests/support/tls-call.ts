import { request } from 'node:https';

/** What a TLS caller presents: the CA it trusts, and a client certificate when it has one. */
export interface TlsCaller {
  readonly ca: string;
  readonly cert?: string;
  readonly key?: string;
  readonly bearer?: string;
}

/**
 * One HTTPS request on a new connection (no pooled socket carries another certificate), trusting `who.ca` only.
 * Resolves to the status and JSON (or text) body; rejects when the TLS handshake fails.
 */
export function tlsCall(
  baseUrl: string,
  method: string,
  path: string,
  body: unknown,
  who: TlsCaller,
): Promise<{ status: number; body: any; contentType: string }> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      new URL(path, baseUrl),
      {
        method,
        agent: false,
        ca: who.ca,
        cert: who.cert,
        key: who.key,
        headers: {
          ...(payload ? { 'content-type': 'application/json' } : {}),
          ...(who.bearer ? { authorization: `Bearer ${who.bearer}` } : {}),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const contentType = String(res.headers['content-type'] ?? '');
          resolve({
            status: res.statusCode ?? 0,
            body: contentType.includes('json') && text ? JSON.parse(text) : text,
            contentType,
          });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
