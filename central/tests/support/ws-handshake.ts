import WebSocket from 'ws';

/** What a client saw of one WebSocket upgrade. */
export interface HandshakeAnswer {
  /** 101 when the upgrade succeeded, else the HTTP status the server answered it with. */
  readonly status: number;
  /** The body of an answer that refused the upgrade (a problem+json), as text. */
  readonly body?: string;
  /** The first frame the server sent (asked for with `waitForFrame`), as text. */
  readonly firstFrame?: string;
  /** The close code, when the server closed the socket before sending any frame. */
  readonly closedWith?: number;
}

export interface HandshakeOptions {
  readonly headers?: Record<string, string>;
  /** After a 101, wait for the server's first frame (or its close) before hanging up. */
  readonly waitForFrame?: boolean;
  /** Sent right after a 101 (the `/sync` hello, say), so the server has something to answer. */
  readonly send?: string | Uint8Array;
  /** How long to wait for each step before failing with what was seen so far. */
  readonly timeoutMs?: number;
  /** Subprotocols the client offers (`graphql-transport-ws` for /graphql's graphql-ws socket). */
  readonly protocols?: string[];
}

/**
 * Upgrades `url` (`ws://127.0.0.1:port/path`) with `headers` and reports the answer. Always leaves the socket closed
 * by the time it settles; rejects with a message naming the path when the server gives no answer within the bound.
 */
export function handshake(url: string, o: HandshakeOptions = {}): Promise<HandshakeAnswer> {
  const timeoutMs = o.timeoutMs ?? 10_000;
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, o.protocols ?? [], { headers: o.headers ?? {} });
    let stage = 'the upgrade answer';
    let settled = false;
    const done = (err: Error | undefined, answer?: HandshakeAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      ws.removeAllListeners('message');
      ws.on('error', () => undefined);
      if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
      if (err) reject(err);
      else resolve(answer!);
    };
    const timer = setTimeout(
      () => done(new Error(`${new URL(url).pathname}: no ${stage} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    ws.on('unexpected-response', (req, res) => {
      stage = 'body of the refusal';
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => done(undefined, { status: res.statusCode ?? 0, body }));
      res.on('error', () => done(undefined, { status: res.statusCode ?? 0, body }));
      res.on('close', () => done(undefined, { status: res.statusCode ?? 0, body }));
      void req;
    });
    ws.on('error', (err) => done(new Error(`${new URL(url).pathname}: ${stage} failed: ${err.message}`)));
    ws.on('open', () => {
      if (!o.waitForFrame) return done(undefined, { status: 101 });
      stage = 'first frame after the 101';
      ws.once('message', (data) => done(undefined, { status: 101, firstFrame: String(data) }));
      ws.once('close', (code) => done(undefined, { status: 101, closedWith: code }));
      if (o.send) ws.send(o.send);
    });
  });
}
