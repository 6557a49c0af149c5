import { request, Agent } from 'node:http';

/** One answer as a client sees it: status, headers, the body as text and (when it is JSON) parsed. */
export interface RawAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly text: string;
  readonly json: any;
  readonly contentType: string;
}

export interface RawRequest {
  readonly method: string;
  /** Sent exactly as given (no URL normalisation: `..`, `%2e%2e` and bad escapes reach the server as written). */
  readonly path: string;
  readonly headers?: Record<string, string>;
  readonly body?: string | Buffer;
  /** The source address, to be a LAN device (127.0.0.1) or a trusted screen (127.0.0.2) of the same server. */
  readonly localAddress?: string;
}

const agents = new Map<string, Agent>();
const agentFor = (localAddress: string | undefined) => {
  const key = localAddress ?? '';
  let a = agents.get(key);
  if (!a) {
    a = new Agent({ keepAlive: true, maxSockets: 16, ...(localAddress ? { localAddress } : {}) });
    agents.set(key, a);
  }
  return a;
};

/**
 * A plain node:http call to `base` (`http://127.0.0.1:port`): no fetch, because fetch normalises paths and refuses
 * some headers. Rejects only when the connection fails (a server that died, or hung up without an answer).
 */
export async function rawCall(base: string, r: RawRequest): Promise<RawAnswer> {
  try {
    return await rawCallOnce(base, r);
  } catch (err) {
    // A kept-alive socket the server closed as idle just as this request went out on it: the request never reached
    // the server (Node's documented race, `req.reusedSocket`), so it is sent once more on a fresh connection. A
    // request that hung up on a fresh connection is the server's doing and still rejects.
    if (!(err instanceof ReusedSocketReset)) throw err;
    return rawCallOnce(base, r);
  }
}

class ReusedSocketReset extends Error {}

function rawCallOnce(base: string, r: RawRequest): Promise<RawAnswer> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const headers: Record<string, string | number> = { ...r.headers };
    if (r.body !== undefined) headers['content-length'] = Buffer.byteLength(r.body);
    const req = request(
      { host: url.hostname, port: url.port, method: r.method, path: r.path, headers, agent: agentFor(r.localAddress) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          const contentType = String(res.headers['content-type'] ?? '');
          let json: unknown;
          if (contentType.includes('json') && text) {
            try {
              json = JSON.parse(text);
            } catch {
              json = undefined;
            }
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json, contentType });
        });
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) =>
      reject(
        req.reusedSocket && (err.code === 'ECONNRESET' || err.message === 'socket hang up')
          ? new ReusedSocketReset(err.message)
          : err,
      ),
    );
    if (r.body !== undefined) req.write(r.body);
    req.end();
  });
}

/** Runs `tasks` at most `width` at a time, in order of start; resolves to their results in the same order. */
export async function inBatches<T>(tasks: readonly (() => Promise<T>)[], width = 12): Promise<T[]> {
  const out: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      out[i] = await tasks[i]!();
    }
  };
  await Promise.all(Array.from({ length: Math.min(width, tasks.length) }, worker));
  return out;
}
