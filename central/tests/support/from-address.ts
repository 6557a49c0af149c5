import { request } from 'node:http';

export interface AnswerFrom {
  readonly status: number;
  readonly body: any;
  readonly headers: Record<string, string | string[] | undefined>;
}

/**
 * One HTTP call to the hub from a chosen loopback address (127.0.0.2, 127.0.0.3…: Linux routes all of 127/8 to lo),
 * so a test can play several clients at different addresses over real sockets, with no proxy header to trust.
 */
export function callFrom(
  baseUrl: string,
  localAddress: string,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<AnswerFrom> {
  const url = new URL(path, baseUrl);
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname + url.search,
        method,
        localAddress,
        agent: false,
        headers: { ...(payload === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const json = (res.headers['content-type'] ?? '').includes('json') && text !== '';
          resolve({ status: res.statusCode ?? 0, body: json ? JSON.parse(text) : text, headers: res.headers });
        });
      },
    );
    req.on('error', reject);
    req.end(payload);
  });
}
