import { UnprocessableError } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import type { HubContext } from '../../kernel/module-contract.js';
import { canonicalJson, chainHash, GENESIS_HASH, storableText } from './audit-chain.js';
import { auditRepository as repo, toEntry } from './audit-repository.js';
import { VAULT_AUDIT_ACTIONS, type VaultAuditEntry, type VaultAuditInput } from './types.js';

/** Where the chain first breaks, or ok. */
export interface AuditVerdict {
  readonly ok: boolean;
  /** Rows checked. */
  readonly checked: number;
  readonly firstBroken: { readonly seq: number; readonly reason: string } | null;
}

/** A line's detail, as canonical JSON, is at most this many bytes: the trail records what happened, not content. */
export const MAX_AUDIT_DETAIL_BYTES = 4096;
/** Actors and origins are short (`user:<uuid>`, an address); a longer origin (a forwarded chain) keeps its start. */
const MAX_ACTOR_CHARS = 200;
const MAX_ORIGIN_CHARS = 200;
/** How many lines `verify` holds at once, whatever the chain's length. */
export const VERIFY_BATCH = 1000;

const ACTIONS: ReadonlySet<string> = new Set(VAULT_AUDIT_ACTIONS);

/**
 * What `VaultAudit` does when a transaction runs a statement after its append (the `append last` rule): nothing
 * (production), a warning in the log, or an error that rolls the transaction back (tests, development).
 */
export type AppendLastCheck = 'off' | 'warn' | 'throw';

/** Statements that frame the transaction rather than work in it (a sync apply's savepoint around each handler). */
const FRAMING = /^\s*(SAVEPOINT|RELEASE|ROLLBACK\s+TO)\b/i;

type Prepared = Omit<VaultAuditInput, 'detail' | 'origin'> & {
  readonly actor: string;
  readonly detail: Record<string, unknown>;
  readonly detailJson: string;
  readonly origin: string | null;
};

/**
 * The vault's audit trail (lane: audit): append-only (a trigger refuses UPDATE, DELETE, TRUNCATE) and hash-chained
 * (each row's hash covers its fields and the previous row's hash). `append` runs in the caller's transaction, so the
 * line exists exactly when the change does; appends are serialised by one database-wide transaction lock so the chain
 * never forks.
 *
 * The rule: APPEND LAST. The lock is held from the append until the transaction ends, and every audited write and
 * view of every hub process waits for it. So a transaction writes, locks and reads everything it needs first, and
 * the append is its last statement (with the lock, it reads the last line and inserts, nothing else): the lock is
 * held for two short statements and the commit. A transaction that locks rows after the append can also deadlock
 * with one that holds those rows and waits for the append lock. Several lines from one transaction go in one
 * `appendMany`. `appendLastCheck` ('warn' or 'throw', for tests and development) catches a statement run on the
 * transaction after its append.
 */
export class VaultAudit {
  /** See AppendLastCheck; for every trail in the process. */
  static appendLastCheck: AppendLastCheck = 'off';
  /** A guarded transaction's own query and exec, for the audit's own statements (a second append). */
  static readonly #unguarded = new WeakMap<Queryable, Queryable>();

  constructor(readonly ctx: HubContext) {}

  /**
   * Appends one line in the caller's transaction (`q` must be one: the lock is held until it ends), as its LAST
   * statement (see the class). Throws UnprocessableError (422, nothing written) when the detail is over
   * MAX_AUDIT_DETAIL_BYTES; a bad actor or action is a programming error (500).
   */
  async append(q: Queryable, entry: VaultAuditInput): Promise<void> {
    await this.appendMany(q, [entry]);
  }

  /** As `append`, answering the line as written (its seq and hash). */
  async appendLine(q: Queryable, entry: VaultAuditInput): Promise<VaultAuditEntry> {
    const [line] = await this.appendMany(q, [entry]);
    return line!;
  }

  /**
   * Appends the lines in order, with consecutive seqs, under one take of the lock and in one insert (a batch of store
   * views holds the lock once, not once per view); LAST in the transaction, as `append`. Every line is checked before
   * the lock is taken: one that is refused refuses them all, nothing written. No lines: nothing done, no lock.
   */
  async appendMany(q: Queryable, entries: readonly VaultAuditInput[]): Promise<VaultAuditEntry[]> {
    if (!entries.length) return [];
    const prepared = entries.map(prepare);
    const db = VaultAudit.#unguarded.get(q) ?? q;

    await repo.lockForAppend(db);
    const head = await repo.head(db);
    const at = Math.floor(this.ctx.now());
    let seq = head?.seq ?? 0;
    let prevHash = head?.hash ?? GENESIS_HASH;
    const rows = prepared.map(({ detailJson, ...p }) => {
      const record = {
        seq: ++seq,
        at,
        actor: p.actor,
        action: p.action,
        nodeId: p.nodeId ?? null,
        versionId: p.versionId ?? null,
        detail: p.detail,
        origin: p.origin,
      };
      const hash = chainHash(prevHash, record);
      const row = { ...record, detailJson, prevHash, hash };
      prevHash = hash;
      return row;
    });
    await repo.insertMany(db, rows);
    this.#guard(q);
    return rows.map(({ detailJson: _json, ...row }) => toEntry(row));
  }

  /**
   * With appendLastCheck on: from now on, a statement on `q` (but the audit's own and savepoints) is reported — it
   * runs while every other audited writer waits. `q` is the transaction's own object (the Db makes one per
   * transaction; COMMIT does not go through it), so nothing outlives the transaction.
   */
  #guard(q: Queryable): void {
    const mode = VaultAudit.appendLastCheck;
    if (mode === 'off' || VaultAudit.#unguarded.has(q)) return;
    const own: Queryable = { query: q.query.bind(q), exec: q.exec.bind(q), afterCommit: q.afterCommit.bind(q) };
    VaultAudit.#unguarded.set(q, own);
    let warned = false;
    const check = (sql: string) => {
      if (FRAMING.test(sql)) return;
      const message = `a statement ran after the vault audit line was appended in its transaction, while every audited writer waits for the trail's lock: append last (${sql.replace(/\s+/g, ' ').trim().slice(0, 80)})`;
      if (mode === 'throw') throw new Error(message);
      if (!warned) this.ctx.log?.warn({ sql: sql.slice(0, 200) }, message);
      warned = true;
    };
    Object.assign(q, {
      query: (sql: string, params?: readonly unknown[]) => {
        check(sql);
        return own.query(sql, params);
      },
      exec: (sql: string) => {
        check(sql);
        return own.exec(sql);
      },
    });
  }

  /** Lines newest first matching every filter; `next` is the `before` of the following page, null at the end. */
  async list(
    q: Queryable,
    filter: { nodeId?: string; actor?: string; action?: string; before?: number; limit: number },
  ): Promise<{ items: VaultAuditEntry[]; next: number | null }> {
    const rows = await repo.list(q, filter);
    const items = rows.slice(0, filter.limit).map(toEntry);
    return { items, next: rows.length > filter.limit ? (items.at(-1)?.seq ?? null) : null };
  }

  /** The whole chain checked (verifyAuditChain). */
  async verify(q: Queryable, onProgress?: (checked: number, total: number) => void): Promise<AuditVerdict> {
    return verifyAuditChain(q, onProgress);
  }
}

/** A line checked and made storable (canonical detail, bounded actor and origin), before the lock is taken. */
function prepare(entry: VaultAuditInput): Prepared {
  const actor = storableText(entry.actor);
  if (!actor || actor.length > MAX_ACTOR_CHARS) throw new Error(`audit actor “${actor.slice(0, 40)}” is not one`);
  if (!ACTIONS.has(entry.action)) throw new Error(`audit action “${String(entry.action).slice(0, 40)}” is not one`);
  const detail = JSON.parse(canonicalJson(entry.detail ?? {})) as Record<string, unknown>;
  const detailJson = canonicalJson(detail);
  const bytes = Buffer.byteLength(detailJson);
  if (bytes > MAX_AUDIT_DETAIL_BYTES)
    throw new UnprocessableError(
      `the audit line's detail is ${bytes} bytes; at most ${MAX_AUDIT_DETAIL_BYTES} are kept per line`,
    );
  const origin = entry.origin ? storableText(entry.origin).slice(0, MAX_ORIGIN_CHARS) : null;
  return { ...entry, actor, detail, detailJson, origin };
}

/**
 * Walks the chain in seq order, VERIFY_BATCH lines at a time (memory bounded, whatever the length), recomputing every
 * hash; stops at the first line that breaks it and says why:
 * - a seq missing (the lines jump): a line was removed;
 * - a line whose link (`prev_hash`) is not the hash of the line before: a line before it was removed, inserted or
 *   rewritten with a fresh hash;
 * - a line whose fields do not give its hash: the line was edited.
 * `onProgress(checked, total)` after each batch (total: the highest seq when the walk began). A chain cut off at its
 * end (the newest lines removed) still checks whole: only a copy of the last hash kept elsewhere shows that.
 * The CLI (`npm run vault:verify-audit`) calls this without a hub.
 */
export async function verifyAuditChain(
  q: Queryable,
  onProgress?: (checked: number, total: number) => void,
  batchSize = VERIFY_BATCH,
): Promise<AuditVerdict> {
  const total = await repo.lastSeq(q);
  let prevHash = GENESIS_HASH;
  let expected = 1;
  let checked = 0;
  const broken = (seq: number, reason: string): AuditVerdict => ({ ok: false, checked, firstBroken: { seq, reason } });
  for (;;) {
    const batch = await repo.batchAfter(q, expected - 1, batchSize);
    if (!batch.length) break;
    for (const row of batch) {
      if (row.seq !== expected)
        return broken(
          expected,
          expected === 1
            ? `line 1 is missing: the trail starts at line ${row.seq} (lines were removed)`
            : `line ${expected} is missing: the trail jumps from line ${expected - 1} to line ${row.seq} (lines were removed)`,
        );
      if (row.prevHash !== prevHash)
        return broken(
          row.seq,
          expected === 1
            ? 'line 1 does not start the chain: its link is not the genesis hash (lines were removed or inserted before it)'
            : `line ${row.seq} does not follow line ${row.seq - 1}: its link is not that line's hash (a line was removed, inserted or rewritten before it)`,
        );
      if (chainHash(row.prevHash, row) !== row.hash)
        return broken(row.seq, `line ${row.seq} was changed after it was written: its fields no longer give its hash`);
      prevHash = row.hash;
      expected++;
      checked++;
    }
    onProgress?.(checked, Math.max(total, checked));
  }
  return { ok: true, checked, firstBroken: null };
}
