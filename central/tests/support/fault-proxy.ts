import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';

interface Pair {
  readonly client: Socket;
  upstream: Socket | undefined;
  /** Bytes the client sent while the hole was open, delivered when it closes (as TCP would retransmit them). */
  readonly toUpstream: Buffer[];
  readonly toClient: Buffer[];
  /** This connection stopped at a marker (`holdAt`): nothing passes either way until `cut()` or `restore()`. */
  holding: boolean;
}

/**
 * A TCP proxy on 127.0.0.1 in front of a server (here Postgres) that a test can break the way networks break:
 * `cut()` severs every connection at once, `refuse()` also stops listening (new connections: ECONNREFUSED),
 * `blackHole()` lets nothing through either way and leaves every connection open (new ones too), `restore()` ends
 * any of these. What the client sent into the hole is kept (`held()`), and delivered on `restore()`.
 * `holdAt(marker)` stops only the connections that send `marker` (e.g. a transaction's BEGIN) from then on.
 */
export class FaultProxy {
  readonly #pairs = new Set<Pair>();
  #mode: 'pass' | 'black-hole' | 'refused' = 'pass';
  #holdAt: string | undefined;
  #port = 0;
  readonly #server: Server;

  private constructor(
    readonly targetHost: string,
    readonly targetPort: number,
  ) {
    this.#server = createServer((client) => this.#accept(client));
  }

  static async start(targetHost: string, targetPort: number): Promise<FaultProxy> {
    const proxy = new FaultProxy(targetHost, targetPort);
    await proxy.#listen(0);
    return proxy;
  }

  get port(): number {
    return this.#port;
  }

  /** Everything the clients sent into the hole so far, as text (Postgres statements are readable in it). */
  held(): string {
    return [...this.#pairs].map((p) => Buffer.concat(p.toUpstream).toString('latin1')).join('\n');
  }

  /** From now on, a connection whose client sends `marker` stops there (the chunk with it is held). */
  holdAt(marker: string): void {
    this.#holdAt = marker;
  }

  /** How many connections are stopped at the marker. */
  holding(): number {
    return [...this.#pairs].filter((p) => p.holding).length;
  }

  cut(): number {
    this.#holdAt = undefined;
    const n = this.#pairs.size;
    for (const p of this.#pairs) {
      p.client.destroy();
      p.upstream?.destroy();
    }
    this.#pairs.clear();
    return n;
  }

  blackHole(): void {
    this.#mode = 'black-hole';
  }

  async refuse(): Promise<void> {
    this.#mode = 'refused';
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async restore(): Promise<void> {
    const was = this.#mode;
    this.#mode = 'pass';
    this.#holdAt = undefined;
    if (was === 'refused') await this.#listen(this.#port);
    for (const p of this.#pairs) {
      p.holding = false;
      this.#flush(p);
    }
  }

  async close(): Promise<void> {
    this.#mode = 'refused';
    this.cut();
    if (this.#server.listening) await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }

  async #listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.#server.once('error', reject);
      this.#server.listen(port, '127.0.0.1', () => {
        this.#server.off('error', reject);
        resolve();
      });
    });
    this.#port = (this.#server.address() as AddressInfo).port;
  }

  #accept(client: Socket): void {
    const pair: Pair = { client, upstream: undefined, toUpstream: [], toClient: [], holding: false };
    this.#pairs.add(pair);
    const done = () => {
      this.#pairs.delete(pair);
      client.destroy();
      pair.upstream?.destroy();
    };
    client.on('data', (d: Buffer) => {
      if (this.#holdAt && d.toString('latin1').includes(this.#holdAt)) pair.holding = true;
      pair.toUpstream.push(d);
      this.#flush(pair);
    });
    client.on('error', done).on('close', done);
    this.#flush(pair);
  }

  #flush(pair: Pair): void {
    if (this.#mode !== 'pass' || pair.holding) return;
    if (!pair.upstream) {
      const upstream = connect(this.targetPort, this.targetHost);
      pair.upstream = upstream;
      upstream.on('data', (d: Buffer) => {
        pair.toClient.push(d);
        this.#flush(pair);
      });
      const done = () => {
        this.#pairs.delete(pair);
        pair.client.destroy();
        upstream.destroy();
      };
      upstream.on('error', done).on('close', done);
    }
    for (const d of pair.toUpstream.splice(0)) pair.upstream.write(d);
    for (const d of pair.toClient.splice(0)) pair.client.write(d);
  }
}
