import type { Logger } from 'pino';
import type { WebSocket } from 'ws';
import type { SocketHandler } from '../http/module-sockets.js';
import type { StoreSyncState } from '../sync/sync-status.js';

/**
 * Live updates for console pages over one WebSocket (`/api/console/live`, ADMINs only):
 * - `{ type: 'fleet', items }` on connect and whenever a store's sync state changes (checked every `pollMs` while
 *   at least one console is open; nothing runs while none is);
 * - `{ type: 'store-changed', storeId }` when a store's feed gets an entry (a reservation, an order for pickup, an
 *   incident's repair…), heard from the change bus, so every replica's consoles see every replica's writes.
 * Pages re-read what they show when a message concerns it.
 */
export class ConsoleLive {
  readonly #sockets = new Set<WebSocket>();
  #timer: NodeJS.Timeout | undefined;
  #last = '';

  constructor(
    readonly fleet: () => Promise<StoreSyncState[]>,
    readonly log: Logger,
    readonly pollMs = 1000,
  ) {}

  readonly handler: SocketHandler = (ws, principal) => {
    if (principal.kind !== 'user' || principal.role !== 'ADMIN') return ws.close(1008, 'the console needs an ADMIN');
    this.#sockets.add(ws);
    ws.on('close', () => {
      this.#sockets.delete(ws);
      if (!this.#sockets.size) this.#stopPolling();
    });
    this.#last = ''; // the newcomer gets the current state at once
    void this.#poll();
    this.#timer ??= setInterval(() => void this.#poll(), this.pollMs);
  };

  storeChanged(storeId: string): void {
    this.#send({ type: 'store-changed', storeId });
  }

  close(): void {
    this.#stopPolling();
    for (const ws of this.#sockets) ws.terminate();
  }

  #stopPolling(): void {
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #poll(): Promise<void> {
    try {
      const items = await this.fleet();
      const json = JSON.stringify(items);
      if (json === this.#last) return;
      this.#last = json;
      this.#send({ type: 'fleet', items });
    } catch (err) {
      this.log.warn({ err }, 'console live: reading the fleet failed; will retry');
    }
  }

  #send(message: unknown): void {
    if (!this.#sockets.size) return;
    const data = JSON.stringify(message);
    for (const ws of this.#sockets) if (ws.readyState === ws.OPEN) ws.send(data);
  }
}
