import type { Db, Queryable } from '../db/db.js';

/**
 * How hub replicas tell each other that something changed (a store's feed grew, a document moved), so the replica
 * holding the affected connection acts within a second. `publish` goes out only if the transaction commits.
 * `subscribe` may call back with `*` after a gap in delivery: re-check everything then.
 */
export interface ChangeBus {
  /**
   * What carries the changes now, for `/healthz`: `postgres-notify`, `nats-jetstream`, or while NATS is named but away
   * `postgres-notify (NATS unreachable since <iso>: <reason>)` (sync/fallback-change-bus.ts). Only the plain
   * `postgres-notify` lets the feed writer send its notices inside its own statement.
   */
  readonly kind: 'postgres-notify' | 'nats-jetstream' | `postgres-notify (${string})`;
  publish(tx: Queryable, channel: string, payload: string): Promise<void>;
  publishMany(tx: Queryable, channel: string, payloads: readonly string[]): Promise<void>;
  subscribe(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>>;
  close(): Promise<void>;
}

/** The default: Postgres LISTEN/NOTIFY, which delivers at commit to every process listening on the database. */
export class PgChangeBus implements ChangeBus {
  readonly kind = 'postgres-notify' as const;
  constructor(readonly db: Db) {}

  async publish(tx: Queryable, channel: string, payload: string): Promise<void> {
    await tx.query('SELECT pg_notify($1, $2)', [channel, payload]);
  }

  async publishMany(tx: Queryable, channel: string, payloads: readonly string[]): Promise<void> {
    if (payloads.length) await tx.query('SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p', [channel, payloads]);
  }

  subscribe(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
    return this.db.listen(channel, onPayload);
  }

  async close(): Promise<void> {}
}
