import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  readonly method: string | undefined;
  readonly path: string | undefined;
  readonly idempotencyKey: string | undefined;
  readonly authorization: string | undefined;
  readonly contentType: string | undefined;
  readonly body: any;
}

/** One scripted answer: a status with a JSON (or text) body and headers, `bodyMB` of filler, or `hold` (no answer). */
export type Answer =
  | 'hold'
  | {
      readonly status: number;
      readonly body?: unknown;
      readonly text?: string;
      readonly headers?: Record<string, string>;
      /** A body of this many MB of filler, written as fast as the client takes it. */
      readonly bodyMB?: number;
    };

/**
 * A customer notice sender's endpoint on 127.0.0.1 (`url` is its `/notices`): records every request it gets (any
 * path, so a followed redirect shows) and answers each request to `/notices` with the next scripted answer (200 once
 * the script is used up); any other path gets 200. `hold` answers nothing until the client gives up or `stop()`.
 */
export class SenderEndpoint {
  readonly received: Received[] = [];
  readonly script: Answer[] = [];
  /** Filler bytes handed to the socket while the client still listened, per `bodyMB` answer. */
  readonly fillerWritten: number[] = [];
  /** Requests the client abandoned before they were answered (a held request it aborted). */
  abandoned = 0;
  readonly #held: ServerResponse[] = [];
  #server!: Server;
  url!: string;

  async start(): Promise<this> {
    this.#server = createServer((req: IncomingMessage, res: ServerResponse) => {
      let text = '';
      req.on('data', (c) => (text += c));
      req.on('end', () => {
        let body: unknown = text;
        try {
          body = JSON.parse(text);
        } catch {
          // a GET after a redirect has no body
        }
        this.received.push({
          method: req.method,
          path: req.url,
          idempotencyKey: req.headers['idempotency-key'] as string | undefined,
          authorization: req.headers.authorization,
          contentType: req.headers['content-type'],
          body,
        });
        const next = req.url === '/notices' ? (this.script.shift() ?? { status: 200 }) : { status: 200 };
        if (next === 'hold') {
          this.#held.push(res);
          res.on('close', () => void (res.writableEnded || this.abandoned++));
          return;
        }
        if (next.bodyMB) return this.#filler(res, next.status, next.bodyMB);
        const payload = next.text ?? JSON.stringify(next.body ?? { accepted: true });
        res.writeHead(next.status, { 'content-type': 'application/json', ...next.headers }).end(payload);
      });
    });
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.#server.address() as AddressInfo).port}/notices`;
    return this;
  }

  /** Writes `mb` MB in 1 MB chunks, as the socket drains, until done or the client goes away. */
  #filler(res: ServerResponse, status: number, mb: number): void {
    const slot = this.fillerWritten.push(0) - 1;
    const chunk = Buffer.alloc(1 << 20, 97);
    res.writeHead(status, { 'content-type': 'text/plain', 'content-length': String(mb << 20) });
    let left = mb;
    const pump = () => {
      while (left > 0 && !res.destroyed) {
        left--;
        this.fillerWritten[slot]! += chunk.length;
        if (!res.write(chunk)) return void res.once('drain', pump);
      }
      if (!res.destroyed) res.end();
    };
    pump();
  }

  async stop(): Promise<void> {
    for (const res of this.#held.splice(0)) res.destroy();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
