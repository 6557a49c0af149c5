import { randomUUID } from 'node:crypto';

/** Views a session remembers (most recent first): the re-ranking looks at these. */
export const VIEWS_REMEMBERED = 10;
/** A session untouched this long is forgotten (the kiosk page starts a new one on "Done" and after 90 s idle). */
export const BROWSING_IDLE_MS = 30 * 60_000;
/** Sessions kept at once on this node; past it, the least recently used goes. */
export const MAX_BROWSING_SESSIONS = 1_000;
/** One `recs.viewed` per session and product within this time: a held key or a reload does not count again. */
export const SAME_VIEW_MS = 60_000;
/** `recs.viewed` events one screen may queue per minute, whatever its sessions: the outbox is not a flood gate. */
export const VIEWS_PER_SCREEN_PER_MINUTE = 30;
/** Screens whose minute is tracked at once (a node has a few kiosks; paired devices are bounded too). */
const MAX_SCREENS = 1_000;

interface Session {
  /** What the hub is told (`recs.viewed.sessionId`): random, never the page's token. */
  readonly id: string;
  /** Viewed skus, most recent first, at most VIEWS_REMEMBERED. */
  views: string[];
  /** When each sku's last `recs.viewed` was queued (only those within SAME_VIEW_MS are kept). */
  readonly counted: Map<string, number>;
  touchedAt: number;
}

/** What a view did: whether a `recs.viewed` event is due, and the session id it carries. */
export interface ViewDecision {
  readonly sessionId: string;
  readonly count: boolean;
}

/**
 * The kiosk sessions' recent views, in memory (nothing of it needs to survive a restart). A session is named by a
 * random token the kiosk page draws for each customer at the screen (a new one on "Done" and after the screen clears),
 * scoped to the screen that drew it: another screen naming the same token gets a session of its own. The store tells
 * the hub a session id of its own drawing instead of the token, so nothing the page holds leaves the store.
 */
export class KioskBrowsing {
  readonly #sessions = new Map<string, Session>();
  /** Per screen, when its counted views of the last minute were queued (oldest first). */
  readonly #screens = new Map<string, number[]>();

  constructor(readonly now: () => number) {}

  /** The session's recent views, most recent first (none for a session this node does not know). */
  recentViews(screen: string, token: string | undefined): readonly string[] {
    if (!token) return [];
    const s = this.#sessions.get(keyOf(screen, token));
    return s && this.now() - s.touchedAt <= BROWSING_IDLE_MS ? s.views : [];
  }

  /**
   * Records that the session looked at `sku` (it moves to the front of its views) and decides whether the hub hears
   * of it: not when the session counted the same product within SAME_VIEW_MS, nor past the screen's budget.
   */
  view(screen: string, token: string, sku: string): ViewDecision {
    const now = this.now();
    const s = this.#touch(screen, token, now);
    s.views = [sku, ...s.views.filter((v) => v !== sku)].slice(0, VIEWS_REMEMBERED);
    for (const [seen, at] of s.counted) if (now - at >= SAME_VIEW_MS) s.counted.delete(seen);
    if (s.counted.has(sku) || !this.#spend(screen, now)) return { sessionId: s.id, count: false };
    s.counted.set(sku, now);
    return { sessionId: s.id, count: true };
  }

  #touch(screen: string, token: string, now: number): Session {
    const key = keyOf(screen, token);
    let s = this.#sessions.get(key);
    if (s && now - s.touchedAt > BROWSING_IDLE_MS) s = undefined; // gone idle: a new session, a new id
    this.#sessions.delete(key); // re-inserted last: the map runs from least to most recently used
    if (!s) {
      s = { id: randomUUID(), views: [], counted: new Map(), touchedAt: now };
      while (this.#sessions.size >= MAX_BROWSING_SESSIONS) this.#sessions.delete(this.#sessions.keys().next().value!);
    }
    s.touchedAt = now;
    this.#sessions.set(key, s);
    return s;
  }

  /** Takes one of the screen's views of the last minute; false when it has used them all. */
  #spend(screen: string, now: number): boolean {
    const recent = (this.#screens.get(screen) ?? []).filter((at) => now - at < 60_000);
    this.#screens.delete(screen);
    while (this.#screens.size >= MAX_SCREENS) this.#screens.delete(this.#screens.keys().next().value!);
    const ok = recent.length < VIEWS_PER_SCREEN_PER_MINUTE;
    if (ok) recent.push(now);
    this.#screens.set(screen, recent);
    return ok;
  }
}

const keyOf = (screen: string, token: string) => `${screen}\n${token}`;
