import { Agent, createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request a client sent through the proxy, and the status the registry answered. */
export interface Recorded {
  readonly method: string;
  /** Path and query as sent (`/v2/team/app/blobs/uploads/?mount=…&from=…`). */
  readonly url: string;
  readonly status: number;
}

/**
 * A pass-through HTTP proxy on 127.0.0.1 in front of a registry that notes every request (method, path and query,
 * status): how the client tests see what skopeo actually sent — a mount instead of an upload, say — against our hub
 * and against Docker Distribution alike. The Host header goes through unchanged, so a registry that builds absolute
 * `Location`s from it keeps the client on the proxy.
 */
export class RecordingProxy {
  readonly requests: Recorded[] = [];
  private constructor(
    private readonly server: Server,
    private readonly agent: Agent,
  ) {}

  get host(): string {
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Proxies to `target` (`127.0.0.1:<port>`). */
  static async start(target: string): Promise<RecordingProxy> {
    const [hostname, port] = target.split(':');
    const agent = new Agent({ keepAlive: true });
    let proxy: RecordingProxy | undefined;
    const server = createServer((req, res) => {
      const up = request(
        { hostname, port: Number(port), method: req.method, path: req.url, headers: req.headers, agent },
        (answer) => {
          proxy?.requests.push({ method: req.method ?? '', url: req.url ?? '', status: answer.statusCode ?? 0 });
          res.writeHead(answer.statusCode ?? 502, answer.rawHeaders);
          answer.pipe(res);
        },
      );
      up.on('error', (err) => {
        proxy?.requests.push({ method: req.method ?? '', url: req.url ?? '', status: 502 });
        if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
        res.end(`proxy: ${err.message}`);
      });
      req.pipe(up);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new RecordingProxy(server, agent);
    return proxy;
  }

  /** The requests recorded since `mark` (an earlier `requests.length`). */
  since(mark: number): Recorded[] {
    return this.requests.slice(mark);
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.agent.destroy();
  }
}
