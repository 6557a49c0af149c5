import { NotFoundError } from '@storefleet/shared';
import type { Db, Queryable } from '../db/db.js';
import type { AppliedEvent, EventHandlerRegistry } from '../kernel/event-handlers.js';
import { applyIsolated, type IsolatedFailure } from './apply-isolated.js';
import { retryTransient, type RetryOptions } from './transient-errors.js';

/** What one replay did to one parked event. */
export interface ReplayOutcome {
  readonly storeId: string;
  readonly seq: number;
  readonly type: string;
  /**
   * `applied`: applied now and resolved; `already-applied`: an earlier replay applied it (nothing done again);
   * `failed`: it failed again and stays parked, with `reason` the new failure.
   */
  readonly outcome: 'applied' | 'already-applied' | 'failed';
  readonly reason?: string;
  readonly resolvedAt?: number;
  readonly resolvedBy?: string;
}

export interface TypeReplay {
  readonly type: string;
  readonly applied: number;
  readonly failed: number;
  /** The events that failed again (the first 100), each still parked with its new reason. */
  readonly failures: readonly ReplayOutcome[];
}

interface ParkedRow {
  origin: string;
  seq: number;
  hlc: string | null;
  type: string;
  payload: unknown;
  resolved_at: number | null;
  resolved_by: string | null;
}

/** How many parked events of one store one replay transaction takes (a type's replay loops over them). */
const CHUNK = 500;

/**
 * Replays parked events once a fix is deployed: through the same handlers and the same isolation as an upload
 * (`applyIsolated`), in a transaction that first locks the store's `sync_origins` row — so a replay is serialised
 * with that store's uploads and with other replays — and then the parked rows. An event applies once whatever
 * happens: a resolved row is never applied again (a second replay answers `already-applied`), and a resend from the
 * store is refused by the upload's seq guard since the parked event was acknowledged. Every attempt is recorded in
 * `sync_parked_replays` (who, when, outcome); an applied event gets `resolved_at`, `resolved_by`, outcome `applied`;
 * one that fails again stays parked with the new reason. Transient database errors retry the transaction.
 */
export class ParkedReplay {
  constructor(
    readonly db: Db,
    readonly handlers: EventHandlerRegistry,
    readonly now: () => number,
    readonly retry: RetryOptions = {},
    /** Told how many events a replay applied (the repository's apply counter). */
    readonly onApplied: (n: number) => void = () => {},
  ) {}

  /** Replays one parked event; NotFoundError when the store has no parked event at `seq`. */
  async one(storeId: string, seq: number, by: string): Promise<ReplayOutcome> {
    const outcomes = await retryTransient(
      () =>
        this.db.transaction(async (tx) => {
          await lockOrigin(tx, storeId);
          const { rows } = await tx.query<ParkedRow>(
            'SELECT origin, seq, hlc, type, payload, resolved_at, resolved_by FROM sync_parked WHERE origin = $1 AND seq = $2 FOR UPDATE',
            [storeId, seq],
          );
          if (!rows[0]) throw new NotFoundError('parked event', `${storeId}/${seq}`);
          return this.#replay(tx, rows, by);
        }),
      this.retry,
    );
    return outcomes[0]!;
  }

  /** Replays every open parked event of `type` (of one store, or all), store by store, in seq order. */
  async ofType(type: string, by: string, storeId?: string): Promise<TypeReplay> {
    const { rows: origins } = await this.db.query<{ origin: string }>(
      'SELECT DISTINCT origin FROM sync_parked WHERE type = $1 AND resolved_at IS NULL AND ($2::uuid IS NULL OR origin = $2) ORDER BY origin',
      [type, storeId ?? null],
    );
    let applied = 0;
    let failed = 0;
    const failures: ReplayOutcome[] = [];
    for (const { origin } of origins) {
      // Events that fail again stay open: the cursor moves past them so each is tried once per call.
      for (let after = 0; ; ) {
        const outcomes = await retryTransient(
          () =>
            this.db.transaction(async (tx) => {
              await lockOrigin(tx, origin);
              const { rows } = await tx.query<ParkedRow>(
                `SELECT origin, seq, hlc, type, payload, resolved_at, resolved_by FROM sync_parked
                 WHERE origin = $1 AND type = $2 AND resolved_at IS NULL AND seq > $3 ORDER BY seq LIMIT $4 FOR UPDATE`,
                [origin, type, after, CHUNK],
              );
              return rows.length ? this.#replay(tx, rows, by) : [];
            }),
          this.retry,
        );
        for (const o of outcomes) {
          if (o.outcome === 'applied') applied++;
          if (o.outcome === 'failed') {
            failed++;
            if (failures.length < 100) failures.push(o);
          }
        }
        if (outcomes.length < CHUNK) break;
        after = outcomes.at(-1)!.seq;
      }
    }
    return { type, applied, failed, failures };
  }

  /** Applies the open rows among `rows` (all of one store, in seq order) and records each attempt. */
  async #replay(tx: Queryable, rows: readonly ParkedRow[], by: string): Promise<ReplayOutcome[]> {
    const now = this.now();
    const open = rows.filter((r) => r.resolved_at === null);
    const events: AppliedEvent[] = open.map((r) => ({
      origin: r.origin,
      seq: r.seq,
      hlc: r.hlc ?? '',
      type: r.type,
      payload: r.payload,
    }));
    const failures = new Map<number, string>();
    // Consecutive rows of one type go to their handler together, as an upload's run would.
    for (const run of runsOf(events)) {
      const handle = this.handlers.get(run[0]!.type);
      const failed: IsolatedFailure[] = handle
        ? await applyIsolated(tx, handle, run)
        : run.map((event) => ({ event, reason: `no module handles event type ${event.type}` }));
      for (const f of failed) failures.set(f.event.seq, f.reason);
    }
    const outcomes: ReplayOutcome[] = [];
    for (const r of rows) {
      if (r.resolved_at !== null) {
        outcomes.push({
          storeId: r.origin,
          seq: r.seq,
          type: r.type,
          outcome: 'already-applied',
          resolvedAt: r.resolved_at,
          resolvedBy: r.resolved_by ?? undefined,
        });
        continue;
      }
      const reason = failures.get(r.seq);
      await tx.query(
        `WITH bumped AS (
           UPDATE sync_parked SET replays = replays + 1,
             reason = COALESCE($4, reason),
             resolved_at = CASE WHEN $4::text IS NULL THEN $3::bigint END,
             resolved_by = CASE WHEN $4::text IS NULL THEN $5 END,
             outcome = CASE WHEN $4::text IS NULL THEN 'applied' END
           WHERE origin = $1 AND seq = $2 RETURNING replays)
         INSERT INTO sync_parked_replays (origin, seq, attempt, replayed_at, replayed_by, outcome, reason)
         SELECT $1, $2, replays, $3, $5, CASE WHEN $4::text IS NULL THEN 'applied' ELSE 'failed' END, $4 FROM bumped`,
        [r.origin, r.seq, now, reason ?? null, by],
      );
      outcomes.push(
        reason === undefined
          ? { storeId: r.origin, seq: r.seq, type: r.type, outcome: 'applied', resolvedAt: now, resolvedBy: by }
          : { storeId: r.origin, seq: r.seq, type: r.type, outcome: 'failed', reason },
      );
    }
    const applied = outcomes.filter((o) => o.outcome === 'applied').length;
    if (applied) tx.afterCommit(() => this.onApplied(applied));
    return outcomes;
  }
}

/** Serialises with the store's uploads (`applyBatch` takes the same lock first). */
async function lockOrigin(tx: Queryable, storeId: string): Promise<void> {
  await tx.query('SELECT 1 FROM sync_origins WHERE store_id = $1 FOR UPDATE', [storeId]);
}

function runsOf(events: readonly AppliedEvent[]): AppliedEvent[][] {
  const runs: AppliedEvent[][] = [];
  for (const e of events) {
    const last = runs.at(-1);
    if (last && last[0]!.type === e.type) last.push(e);
    else runs.push([e]);
  }
  return runs;
}
