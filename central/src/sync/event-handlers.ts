import type { Queryable } from '../db/db.js';

/** An event from a store as a handler sees it: origin is the authenticated store. */
export interface AppliedEvent {
  readonly origin: string;
  readonly seq: number;
  readonly hlc: string;
  readonly type: string;
  readonly payload: unknown;
}

/**
 * Applies events of one type inside the hub's apply transaction. Gets a run of consecutive events of its type (in seq
 * order) so it can write them in one statement. A throw parks these events with the message; it never loses them
 * and never blocks the stream.
 */
export type EventHandler = (tx: Queryable, events: readonly AppliedEvent[]) => Promise<void>;

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
