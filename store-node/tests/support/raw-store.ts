import WebSocket from 'ws';

/** A hand-driven sync connection, for tests that must send what a well-behaved store node never would. */
export class RawStore {
  readonly received: any[] = [];
  closed: { code: number; reason: string } | undefined;
  #waiters: (() => void)[] = [];

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => {
      this.received.push(JSON.parse(d.toString()));
      this.#wake();
    });
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
      this.#wake();
    });
  }

  static async open(hubUrl: string, token: string | undefined): Promise<RawStore> {
    const ws = new WebSocket(
      `${hubUrl.replace('http', 'ws')}/sync`,
      token ? { headers: { authorization: `Bearer ${token}` } } : {},
    );
    await new Promise<void>((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
      ws.once('error', reject);
    });
    return new RawStore(ws);
  }

  send(message: unknown): void {
    this.ws.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  /** The next message of `type` not yet taken. */
  async next(type: string, timeoutMs = 5000): Promise<any> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const i = this.received.findIndex((m) => m.type === type);
      if (i >= 0) return this.received.splice(i, 1)[0];
      if (this.closed || Date.now() > deadline)
        throw new Error(`no ${type} (closed: ${JSON.stringify(this.closed)}, got ${JSON.stringify(this.received)})`);
      await new Promise<void>((r) => {
        this.#waiters.push(r);
        setTimeout(r, 50);
      });
    }
  }

  async waitClosed(timeoutMs = 5000): Promise<{ code: number; reason: string }> {
    const deadline = Date.now() + timeoutMs;
    while (!this.closed && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    if (!this.closed) throw new Error('connection was not closed');
    return this.closed;
  }

  #wake(): void {
    for (const w of this.#waiters.splice(0)) w();
  }
}

export const sale = (origin: string, seq: number, qty = 1) => ({
  origin,
  seq,
  hlc: `${(1_800_000_000_000 + seq).toString(16).padStart(13, '0')}-0000-${origin}`,
  type: 'test.sale',
  payload: { qty },
});
