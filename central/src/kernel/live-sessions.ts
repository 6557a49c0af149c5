import type { Logger } from 'pino';
import type { Queryable } from '../db/db.js';

/**
 * The NOTIFY channel on which a customer's ended sessions are announced (issue #26): the accounts module says so when
 * a customer signs out, signs out everywhere or resets their password, and every hub process closes the live sockets
 * (graphql-ws, /automerge) those sessions opened. It is the database's own NOTIFY, delivered at commit to every hub
 * process on the database, whatever change bus carries the stores' feeds.
 */
export const SESSIONS_ENDED_CHANNEL = 'customer_sessions_ended';

/** One ended session (a sign-out), or every session of a customer (sign out everywhere, a password reset). */
export type SessionsEnded = { readonly sessionId: string } | { readonly customerId: string };

/**
 * Tells every hub process that these sessions ended, at the commit of `q`'s transaction (at once outside one). The
 * accounts service calls it where it ends sessions; nothing else about sockets is its concern.
 */
export async function announceSessionsEnded(q: Queryable, ended: SessionsEnded): Promise<void> {
  await q.query('SELECT pg_notify($1, $2)', [SESSIONS_ENDED_CHANNEL, JSON.stringify(ended)]);
}

/** A NOTIFY payload as announced, or undefined for anything else (`*`, after a lost listening connection). */
export function readSessionsEnded(payload: string): SessionsEnded | undefined {
  try {
    const v = JSON.parse(payload) as Record<string, unknown>;
    if (typeof v?.sessionId === 'string') return { sessionId: v.sessionId };
    if (typeof v?.customerId === 'string') return { customerId: v.customerId };
  } catch {
    // not JSON: the listener's "maybe missed" marker, or junk; either way, re-check every socket
  }
  return undefined;
}

/** A live socket, as LiveSessions keeps it. */
export interface LiveSocket {
  /** The customer and session it was opened with (absent for staff and stores: they are only re-checked). */
  readonly customerId?: string;
  readonly sessionId?: string;
  /** Asks the credential's owner again; false (or a failure to answer: see `recheck`) closes the socket. */
  readonly stillSignedIn: () => Promise<boolean>;
  /** Closes the socket, telling the client why; its push paths stop with it. */
  readonly close: (reason: string) => void;
}

/** How often every live socket's session is asked again, for an ending no announcement reached (another process). */
export const DEFAULT_SESSION_RECHECK_MS = 30_000;

const ENDED = 'the session ended (signed out, signed out everywhere, or the password was reset); sign in again';

/**
 * The hub's live sockets by customer and session, so an ended session reaches them promptly: an announcement
 * (`ended`, from SESSIONS_ENDED_CHANNEL) closes the sockets it names at once; `recheckAll` (on a timer, and after the
 * listening connection was lost) asks every socket's session again, the backstop for an announcement never heard.
 */
export class LiveSessions {
  readonly #sockets = new Set<LiveSocket>();
  #timer: NodeJS.Timeout | undefined;

  constructor(readonly log: Logger) {}

  /** Keeps `socket` until the returned function is called (its socket closed). */
  add(socket: LiveSocket): () => void {
    this.#sockets.add(socket);
    return () => this.#sockets.delete(socket);
  }

  get size(): number {
    return this.#sockets.size;
  }

  /** Closes the sockets of the ended sessions (or of every session of the customer). */
  ended(e: SessionsEnded): void {
    for (const s of [...this.#sockets]) {
      const match = 'sessionId' in e ? s.sessionId === e.sessionId : s.customerId === e.customerId;
      if (match) this.#close(s);
    }
  }

  /** The channel's payload: an announcement closes what it names, anything else re-checks every socket. */
  heard(payload: string): void {
    const e = readSessionsEnded(payload);
    if (e) this.ended(e);
    else void this.recheckAll();
  }

  /**
   * Asks each socket's session again and closes those that ended. A check that fails (the database briefly away) keeps
   * the socket: the next round asks again, and a hub hiccup must not sign every shopper out.
   */
  async recheckAll(): Promise<void> {
    await Promise.all(
      [...this.#sockets].map(async (s) => {
        try {
          if (!(await s.stillSignedIn())) this.#close(s);
        } catch (err) {
          this.log.warn({ err }, 'could not re-check a live socket’s session; asking again next round');
        }
      }),
    );
  }

  /** Re-checks every `everyMs` until `stop`. */
  start(everyMs: number = DEFAULT_SESSION_RECHECK_MS): void {
    this.stop();
    this.#timer = setInterval(() => void this.recheckAll(), everyMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  #close(s: LiveSocket): void {
    this.#sockets.delete(s);
    try {
      s.close(ENDED);
    } catch (err) {
      this.log.warn({ err }, 'could not close a socket whose session ended');
    }
  }
}
