import type { Queryable } from '../db/db.js';

/** An event from a store as a handler sees it: origin is the authenticated store. */
export interface AppliedEvent {
  readonly origin: string;
  readonly seq: number;
  readonly hlc: string;
  readonly type: string;
  readonly payload: unknown;
}

/** Events a handler refused one by one (a malformed payload); they are parked with the reason, the rest apply. */
export interface HandlerResult {
  readonly rejected?: readonly { readonly seq: number; readonly reason: string }[];
}

/**
 * Applies events of one type inside the hub's apply transaction. Gets a run of consecutive events of its type (in seq
 * order) so it can write them in one statement. It returns the events it refuses individually; a throw parks the
 * whole run with the message. Either way nothing is lost and the stream is never blocked.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: a handler with nothing to report is an async function returning Promise<void>
export type EventHandler = (tx: Queryable, events: readonly AppliedEvent[]) => Promise<HandlerResult | void>;

export class EventHandlerRegistry {
  readonly #handlers = new Map<string, { module: string; handle: EventHandler }>();

  register(module: string, type: string, handle: EventHandler): void {
    const existing = this.#handlers.get(type);
    if (existing) throw new Error(`event type ${type} is claimed by both ${existing.module} and ${module}`);
    this.#handlers.set(type, { module, handle });
  }

  get(type: string): EventHandler | undefined {
    return this.#handlers.get(type)?.handle;
  }

  types(): string[] {
    return [...this.#handlers.keys()].sort();
  }
}
