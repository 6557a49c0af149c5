import { HybridClock, hlcDecode, hlcEncode, LIMITS } from '@storefleet/shared';
import { MultiRowInsert } from '../db/multi-row.js';
import type { SqliteDb } from '../db/open-sqlite.js';

export interface OutboxEvent {
  readonly seq: number;
  readonly hlc: string;
  readonly type: string;
  readonly payload: unknown;
}

/**
 * The store's outbox. `append` must run inside the transaction that makes the change it describes (it refuses to run
 * outside one), so a change and its event commit or vanish together. Each event gets the next seq and an HLC stamp;
 * the clock resumes from the newest stamp on disk, so stamps keep rising across restarts and clock jumps.
 */
export class SqliteOutbox {
  readonly clock: HybridClock;
  readonly #insert;
  readonly #insertAll;
  readonly #head;
  readonly #validTypes = new Set<string>();

  constructor(
    readonly db: SqliteDb,
    node: string,
    now: () => number = Date.now,
  ) {
    const last = db.prepare('SELECT hlc FROM sync_outbox ORDER BY seq DESC LIMIT 1').get() as
      | { hlc: string }
      | undefined;
    this.clock = new HybridClock(node, now, last ? { ...hlcDecode(last.hlc), node } : undefined);
    // The next seq follows both the newest row and what the hub acknowledged: after pruning every row, or after a
    // reconcile with a hub that is ahead of this file, numbering must not restart (the hub would drop the repeats).
    const lastSeq = `MAX(COALESCE((SELECT MAX(seq) FROM sync_outbox), 0), (SELECT value FROM sync_state WHERE key = 'acked_seq'))`;
    this.#insert = db.prepare(
      `INSERT INTO sync_outbox (seq, hlc, type, payload, created_at) SELECT ${lastSeq} + 1, ?, ?, ?, ? RETURNING seq`,
    );
    this.#head = db.prepare(`SELECT ${lastSeq} AS head`);
    this.#insertAll = new MultiRowInsert(
      db,
      'INSERT INTO sync_outbox (seq, hlc, type, payload, created_at) VALUES',
      '(?, ?, ?, ?, ?)',
    );
  }

  append(type: string, payload: unknown): OutboxEvent {
    this.#requireTransaction(type);
    const json = this.#json(type, payload);
    const stamp = this.clock.tick();
    const hlc = hlcEncode(stamp);
    const { seq } = this.#insert.get(hlc, type, json, stamp.wallMs) as { seq: number };
    return { seq, hlc, type, payload };
  }

  /** Several events in one statement (numbered after the head read once): the hot path of a sale. */
  appendAll(events: readonly { type: string; payload: unknown }[]): OutboxEvent[] {
    if (!events.length) return [];
    this.#requireTransaction(events[0]!.type);
    const rows = events.map((e) => [e.type, this.#json(e.type, e.payload)] as const);
    const first = this.head() + 1;
    const out: OutboxEvent[] = [];
    const params = rows.map(([type, json], i) => {
      const stamp = this.clock.tick();
      const hlc = hlcEncode(stamp);
      out.push({ seq: first + i, hlc, type, payload: events[i]!.payload });
      return [first + i, hlc, type, json, stamp.wallMs];
    });
    this.#insertAll.run(params);
    return out;
  }

  #requireTransaction(type: string): void {
    if (!this.db.inTransaction)
      throw new Error(`outbox.append(${type}) must run inside the transaction of the change it records`);
  }

  #json(type: string, payload: unknown): string {
    if (!this.#validTypes.has(type)) {
      if (!/^[a-z][a-z0-9._-]*$/.test(type) || type.length > LIMITS.maxEventTypeLength)
        throw new Error(`invalid event type ${type}`);
      this.#validTypes.add(type);
    }
    const json = JSON.stringify(payload ?? null);
    if (json.length > LIMITS.maxPayloadBytes)
      throw new Error(`event ${type} payload is ${json.length} bytes, over ${LIMITS.maxPayloadBytes}`);
    return json;
  }

  head(): number {
    return (this.#head.get() as { head: number }).head;
  }
}
