import type { Logger } from 'pino';
import { ForbiddenError } from '@storefleet/shared';
import type { WebSocket } from 'ws';
import type { SocketHandler } from '../kernel/module-sockets.js';
import type { StoreSyncState } from '../sync/sync-status.js';
import type { Principal } from '../kernel/principal.js';

/**
 * Which stores a console socket hears about: every store for head office, their own store for a store's manager;
 * undefined for anyone else (refused).
 */
function scopeOf(p: Principal): Scope | undefined {
  if (p.kind !== 'user') return undefined;
  if (p.role === 'ADMIN') return ALL;
  if (p.role === 'STORE_MANAGER' && p.storeId) return p.storeId;
  return undefined;
}
const ALL = Symbol('every store');
type Scope = typeof ALL | string;
const REFUSED = 'the console needs an ADMIN or a store manager';

/**
 * Live updates for console pages over one WebSocket (`/api/console/live`): ADMINs hear every store, a store's manager
 * only their own store (the fleet list holds just it; another store's changes are not sent):
 * - `{ type: 'fleet', complete: true, items }` (every store) on connect, then `{ type: 'fleet', complete: false, items }`
 *   with only the stores whose sync state changed (checked every `pollMs` while at least one console is open; nothing
 *   runs while none is). A connected store's last-contact time is not a change (it moves with every heartbeat; the
 *   console shows "connected"), so a calm fleet of 5,000 stores sends nothing;
 * - `{ type: 'store-changed', storeId }` when a store's feed gets an entry (a reservation, an order for pickup, an
 *   incident's repair…), heard from the change bus, so every replica's consoles see every replica's writes.
 * Pages re-read what they show when a message concerns it.
 */
export class ConsoleLive {
  readonly #sockets = new Map<WebSocket, Scope>();
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
      const scope = scopeOf(principal);
      if (scope === undefined) return ws.close(1008, REFUSED);
      this.#open(ws, scope);
    },
    {
      // refused at the upgrade (403), before any socket exists
      authorize: (principal: Principal) => {
        if (scopeOf(principal) === undefined) throw new ForbiddenError(REFUSED);
      },
    },
  );

  #open(ws: WebSocket, scope: Scope): void {
    this.#sockets.set(ws, scope);
    ws.on('close', () => {
      this.#sockets.delete(ws);
      if (!this.#sockets.size) this.#stopPolling();
    });
    if (this.#timer) ws.send(JSON.stringify({ type: 'fleet', complete: true, items: inScope(this.#latest, scope) }));
    else {
      this.#sent = new Map(); // the first poll sends every store to everyone (only this newcomer is listening)
      void this.#poll();
      this.#timer = setInterval(() => void this.#poll(), this.pollMs);
    }
  }

  storeChanged(storeId: string): void {
    this.#send((scope) =>
      scope === ALL || scope === storeId || storeId === '*' ? { type: 'store-changed', storeId } : undefined,
    );
  }

  close(): void {
    this.#stopPolling();
    for (const ws of this.#sockets.keys()) ws.terminate();
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
      if (complete || changed.length) {
        const sent = complete ? items : changed;
        this.#send((scope) => {
          const mine = inScope(sent, scope);
          return complete || mine.length ? { type: 'fleet', complete, items: mine } : undefined;
        });
      }
    } catch (err) {
      this.log.warn({ err }, 'console live: reading the fleet failed; will retry');
    }
  }

  /** Sends each open socket what `messageFor` its scope returns (nothing for undefined); one encoding per scope. */
  #send(messageFor: (scope: Scope) => unknown): void {
    const encoded = new Map<Scope, string | undefined>();
    for (const [ws, scope] of this.#sockets) {
      if (ws.readyState !== ws.OPEN) continue;
      if (!encoded.has(scope)) {
        const m = messageFor(scope);
        encoded.set(scope, m === undefined ? undefined : JSON.stringify(m));
      }
      const data = encoded.get(scope);
      if (data !== undefined) ws.send(data);
    }
  }
}

/** A store's state as compared between polls: a connected store's heartbeat time is left out. */
function changeKey(s: StoreSyncState): string {
  return JSON.stringify({ ...s, lastSeenAt: s.connected ? null : s.lastSeenAt });
}

const inScope = (items: StoreSyncState[], scope: Scope) =>
  scope === ALL ? items : items.filter((s) => s.storeId === scope);
