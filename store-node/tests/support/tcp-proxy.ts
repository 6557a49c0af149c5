import { createServer, connect, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

/**
 * Forwards 127.0.0.1:port to the hub; `cut()` severs every connection at once, as a network failure would, and
 * `retarget(port)` sends new connections to a restarted hub that listens on another port.
 */
export class TcpProxy {
  readonly #pairs = new Set<[Socket, Socket]>();
  #targetPort: number;
  private constructor(
    readonly server: Server,
    targetPort: number,
  ) {
    this.#targetPort = targetPort;
  }

  static async start(targetPort: number): Promise<TcpProxy> {
    const proxy: TcpProxy = new TcpProxy(
      createServer((client) => {
        const upstream = connect(proxy.#targetPort, '127.0.0.1');
        const pair: [Socket, Socket] = [client, upstream];
        proxy.#pairs.add(pair);
        client.pipe(upstream).pipe(client);
        const done = () => {
          proxy.#pairs.delete(pair);
          client.destroy();
          upstream.destroy();
        };
        client.on('error', done).on('close', done);
        upstream.on('error', done).on('close', done);
      }),
      targetPort,
    );
    await new Promise<void>((r) => proxy.server.listen(0, '127.0.0.1', r));
    return proxy;
  }

  get url(): string {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  get targetPort(): number {
    return this.#targetPort;
  }

  /** Connections made from now on go to `port`; open ones stay where they are (cut them to move them). */
  retarget(port: number): void {
    this.#targetPort = port;
  }

  cut(): number {
    const n = this.#pairs.size;
    for (const [a, b] of this.#pairs) {
      a.destroy();
      b.destroy();
    }
    this.#pairs.clear();
    return n;
  }

  async close(): Promise<void> {
    this.cut();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
