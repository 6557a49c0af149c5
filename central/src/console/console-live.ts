import type { Logger } from 'pino';
import { ForbiddenError } from '@storefleet/shared';
import type { WebSocket } from 'ws';
import type { SocketHandler } from '../kernel/module-sockets.js';
import type { StoreSyncState } from '../sync/sync-status.js';
import type { Principal } from '../kernel/principal.js';

const isAdmin = (p: Principal) => p.kind === 'user' && p.role === 'ADMIN';

/**
 * Live updates for console pages over one WebSocket (`/api/console/live`, ADMINs only):
 * - `{ type: 'fleet', complete: true, items }` (every store) on connect, then `{ type: 'fleet', complete: false, items }`
 *   with only the stores whose sync state changed (checked every `pollMs` while at least one console is open; nothing
 *   runs while none is). A connected store's last-contact time is not a change (it moves with every heartbeat; the
 *   console shows "connected"), so a calm fleet of 5,000 stores sends nothing;
 * - `{ type: 'store-changed', storeId }` when a store's feed gets an entry (a reservation, an order for pickup, an
 *   incident's repair…), heard from the change bus, so every replica's consoles see every replica's writes.
 * Pages re-read what they show when a message concerns it.
 */
export class ConsoleLive {
  readonly #sockets = new Set<WebSocket>();
  #timer: NodeJS.Timeout | undefined;
  /** What each store looked like when last sent, as compared (see `changeKey`). */
  #sent = new Map<string, string>();
  #latest: StoreSyncState[] = [];

  constructor(
    readonly fleet: () => Promise<StoreSyncState[]>,
    readonly log: Logger,
    readonly pollMs = 1000,
  ) {}

  readonly handler: SocketHandler = Object.assign(
    (ws: WebSocket, principal: Principal) => {
      if (!isAdmin(principal)) return ws.close(1008, 'the console needs an ADMIN');
      this.#open(ws);
    },
    {
      // refused at the upgrade (403), before any socket exists
      authorize: (principal: Principal) => {
        if (!isAdmin(principal)) throw new ForbiddenError('the console needs an ADMIN');
      },
    },
  );

  #open(ws: WebSocket): void {
    this.#sockets.add(ws);
    ws.on('close', () => {
      this.#sockets.delete(ws);
      if (!this.#sockets.size) this.#stopPolling();
    });
    if (this.#timer) ws.send(JSON.stringify({ type: 'fleet', complete: true, items: this.#latest }));
    else {
      this.#sent = new Map(); // the first poll sends every store to everyone (only this newcomer is listening)
      void this.#poll();
      this.#timer = setInterval(() => void this.#poll(), this.pollMs);
    }
  }

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
      const complete = this.#sent.size === 0;
      const changed = items.filter((s) => this.#sent.get(s.storeId) !== changeKey(s));
      this.#latest = items;
      for (const s of changed) this.#sent.set(s.storeId, changeKey(s));
      if (complete || changed.length) this.#send({ type: 'fleet', complete, items: complete ? items : changed });
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

/** A store's state as compared between polls: a connected store's heartbeat time is left out. */
function changeKey(s: StoreSyncState): string {
  return JSON.stringify({ ...s, lastSeenAt: s.connected ? null : s.lastSeenAt });
}
