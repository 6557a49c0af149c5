import { WebSocket } from 'ws';
import { waitFor } from './wait-for.js';

/** A store's raw sync connection to a hub (`/sync`, protocol 2): the frames it got, and whether it is still open. */
export class SyncPeer {
  readonly frames: { type: string; [k: string]: unknown }[] = [];
  closed: { code: number; reason: string } | undefined;

  private constructor(readonly ws: WebSocket) {
    ws.on('message', (d) => this.frames.push(JSON.parse(d.toString()) as { type: string }));
    ws.on('close', (code, reason) => {
      this.closed = { code, reason: reason.toString() };
    });
    ws.on('error', () => undefined);
  }

  /** Connects as the store (its token), says hello and waits for `welcome`. */
  static async connect(
    hubUrl: string,
    store: { id: string; token: string },
    at: { outboxHead: number; feedCursor: number },
  ): Promise<SyncPeer> {
    const ws = new WebSocket(`${hubUrl.replace('http', 'ws')}/sync`, {
      headers: { authorization: `Bearer ${store.token}` },
    });
    const peer = new SyncPeer(ws);
    await new Promise((resolve, reject) => {
      ws.once('open', resolve);
      ws.once('error', reject);
    });
    ws.send(JSON.stringify({ type: 'hello', protocol: 2, storeId: store.id, ...at }));
    await waitFor('welcome', () => peer.frames.some((f) => f.type === 'welcome'));
    return peer;
  }

  of(type: string): { type: string; [k: string]: unknown }[] {
    return this.frames.filter((f) => f.type === type);
  }

  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  close(): void {
    this.ws.terminate();
  }
}
