import { backoffDelay, type SyncLogger } from '@storefleet/sync';
import type { SqliteDb } from '../db/open-sqlite.js';
import type { HubGet } from '../hub-link/hub-get.js';

/** Writes one page of a section inside the page's transaction (`next`: the hub's cursor after it, null on the last). */
export type BootstrapSink = (db: SqliteDb, rows: readonly unknown[], next?: string | null) => void;

export interface SectionProgress {
  readonly name: string;
  readonly rows: number;
  readonly total: number;
  readonly done: boolean;
}

export interface BootstrapProgress {
  readonly state: 'not-needed' | 'pending' | 'running' | 'done';
  readonly sections: readonly SectionProgress[];
  readonly lastError: string | null;
  /** Sections being pulled again after the feed skipped entries the hub no longer holds (`afterFeedSkip`). */
  readonly refreshing: readonly string[];
}

const PAGE = 5000;

/**
 * A new store's cold start (or one whose disk was replaced): every section the hub offers and this node has a sink
 * for, page by page. Each page and the section's cursor commit together, so after any break the next run asks for
 * the page after the last one applied. The feed then replays from the store's own cursor: skipping entries because
 * a snapshot "probably" covers them would lose any feed type no section captures, so feed handlers are idempotent and
 * keep the newer version instead (the catalog sink ignores rows older than what it holds).
 */
export class Bootstrapper {
  readonly sinks = new Map<string, BootstrapSink>();
  /**
   * Sections pulled again, from their start, after the hub said feed entries this store never applied are gone
   * (`feed-skip`): what those entries carried reaches the store no other way (the holds retention removed).
   */
  readonly afterFeedSkip = new Set<string>();
  #running = false;
  #refreshing: string[] = [];
  #refreshAttempt = 0;
  #refreshTimer: NodeJS.Timeout | undefined;
  #stopped = false;
  #lastError: string | null = null;

  constructor(
    readonly db: SqliteDb,
    readonly get: HubGet,
    readonly log: SyncLogger,
    readonly now: () => number = Date.now,
  ) {
    this.sinks.set('history', (d, rows) => {
      const insert = d.prepare(
        'INSERT OR IGNORE INTO sync_history (seq, hlc, type, payload, received_at) VALUES (?, ?, ?, ?, ?)',
      );
      for (const r of rows as { seq: number; hlc: string; type: string; payload: unknown; received_at: number }[]) {
        insert.run(r.seq, r.hlc, r.type, JSON.stringify(r.payload ?? null), r.received_at);
      }
    });
  }

  /** A file that never finished a bootstrap and never received its feed. */
  needed(): boolean {
    const state = this.db
      .prepare("SELECT key, value FROM sync_state WHERE key IN ('bootstrap_done', 'feed_cursor')")
      .all() as { key: string; value: number }[];
    const get = (k: string) => state.find((s) => s.key === k)?.value ?? 0;
    return get('bootstrap_done') === 0 && get('feed_cursor') === 0;
  }

  progress(): BootstrapProgress {
    const sections = (
      this.db.prepare('SELECT section AS name, rows, total, done FROM sync_bootstrap ORDER BY rowid').all() as {
        name: string;
        rows: number;
        total: number;
        done: number;
      }[]
    ).map((s) => ({ ...s, done: s.done === 1 }));
    const done =
      (this.db.prepare("SELECT value FROM sync_state WHERE key = 'bootstrap_done'").pluck().get() as number) === 1;
    const state =
      this.#running || this.#refreshing.length ? 'running' : done ? 'done' : this.needed() ? 'pending' : 'not-needed';
    return { state, sections, lastError: this.#lastError, refreshing: this.#refreshing };
  }

  /** Runs (or resumes) the bootstrap; throws when the hub cannot be reached or refuses (call again later). */
  async run(): Promise<void> {
    this.#running = true;
    try {
      const plan = (await this.get('/api/sync/bootstrap')) as { sections: { name: string; total: number }[] };
      const upsert = this.db.prepare(
        `INSERT INTO sync_bootstrap (section, total, updated_at) VALUES (?, ?, ?)
         ON CONFLICT (section) DO UPDATE SET total = MAX(total, excluded.total)`,
      );
      for (const s of plan.sections) if (this.sinks.has(s.name)) upsert.run(s.name, s.total, this.now());
      for (const s of plan.sections) {
        const sink = this.sinks.get(s.name);
        if (!sink) {
          this.log.warn({ section: s.name }, 'the hub offers a bootstrap section this node does not know; skipped');
          continue;
        }
        await this.#section(s.name, sink);
      }
      this.db.prepare("UPDATE sync_state SET value = 1 WHERE key = 'bootstrap_done'").run();
      this.#lastError = null;
      this.log.info({ sections: this.progress().sections }, 'bootstrap from the hub complete');
    } catch (err) {
      this.#lastError = (err as Error).message;
      throw err;
    } finally {
      this.#running = false;
    }
  }

  /**
   * The feed skipped entries this store never applied: the `afterFeedSkip` sections are marked to be pulled again from
   * their start (in the file, so a restart resumes them) and pulled in the background, retried with backoff.
   */
  feedSkipped(): void {
    const mark = this.db.prepare(
      `INSERT INTO sync_bootstrap (section, updated_at) VALUES (?, ?)
       ON CONFLICT (section) DO UPDATE SET cursor = NULL, rows = 0, done = 0, updated_at = excluded.updated_at`,
    );
    this.db
      .transaction(() => {
        for (const name of this.afterFeedSkip) if (this.sinks.has(name)) mark.run(name, this.now());
      })
      .immediate();
    this.resumeRefresh();
  }

  /** Pulls the `afterFeedSkip` sections a feed skip left unfinished (at start, and after a skip); one run at a time. */
  resumeRefresh(): void {
    this.#stopped = false;
    if (this.#refreshing.length || this.#refreshTimer) return;
    const unfinished = new Set(
      this.db.prepare('SELECT section FROM sync_bootstrap WHERE done = 0').pluck().all() as string[],
    );
    const names = [...this.afterFeedSkip].filter((n) => unfinished.has(n) && this.sinks.has(n));
    if (!names.length) return;
    this.#refreshing = names;
    this.#refresh(names).then(
      () => {
        this.#refreshing = [];
        this.#refreshAttempt = 0;
        this.#lastError = null;
        this.log.info({ sections: names }, `pulled ${names.join(', ')} from the hub again after a feed skip`);
        if (!this.#stopped) this.resumeRefresh(); // a skip during the pull marked them again
      },
      (err: unknown) => {
        this.#refreshing = [];
        if (this.#stopped) return;
        this.#lastError = (err as Error).message;
        const attempt = this.#refreshAttempt++;
        this.log.warn(
          { err: this.#lastError, sections: names, attempt },
          'pulling sections again after a feed skip failed; it resumes where it stopped',
        );
        this.#refreshTimer = setTimeout(
          () => {
            this.#refreshTimer = undefined;
            this.resumeRefresh();
          },
          backoffDelay(attempt, { baseMs: 1000, capMs: 30_000 }),
        );
        this.#refreshTimer.unref();
      },
    );
  }

  /** Stops a background pull (the next page is not asked for); `resumeRefresh` goes on from where it stopped. */
  stop(): void {
    this.#stopped = true;
    clearTimeout(this.#refreshTimer);
    this.#refreshTimer = undefined;
  }

  async #refresh(names: readonly string[]): Promise<void> {
    const plan = (await this.get('/api/sync/bootstrap')) as { sections: { name: string; total: number }[] };
    const total = this.db.prepare('UPDATE sync_bootstrap SET total = ?, done = ? WHERE section = ?');
    const offered = new Map(plan.sections.map((s) => [s.name, s.total]));
    for (const name of names) total.run(offered.get(name) ?? 0, offered.has(name) ? 0 : 1, name); // a hub without it: nothing to pull
    for (const name of names.filter((n) => offered.has(n))) {
      if (this.#stopped) throw new Error('the store node stopped while pulling sections again');
      await this.#section(name, this.sinks.get(name)!);
    }
  }

  async #section(name: string, sink: BootstrapSink): Promise<void> {
    const row = () =>
      this.db.prepare('SELECT cursor, rows, total, done FROM sync_bootstrap WHERE section = ?').get(name) as {
        cursor: string | null;
        rows: number;
        total: number;
        done: number;
      };
    const advance = this.db.prepare(
      'UPDATE sync_bootstrap SET cursor = ?, rows = rows + ?, done = ?, updated_at = ? WHERE section = ?',
    );
    let reported = 0;
    for (let state = row(); !state.done; state = row()) {
      const q = new URLSearchParams({ limit: String(PAGE), ...(state.cursor ? { after: state.cursor } : {}) });
      const page = (await this.get(`/api/sync/bootstrap/${encodeURIComponent(name)}?${q}`)) as {
        rows: unknown[];
        next: string | null;
      };
      this.db
        .transaction(() => {
          sink(this.db, page.rows, page.next);
          advance.run(page.next ?? state.cursor, page.rows.length, page.next === null ? 1 : 0, this.now(), name);
        })
        .immediate();
      const pct = state.total ? Math.floor(((state.rows + page.rows.length) / state.total) * 10) * 10 : 100;
      if (pct >= reported + 10 || page.next === null) {
        reported = pct;
        this.log.info(
          { section: name, rows: state.rows + page.rows.length, total: state.total },
          `bootstrap ${name}: ${Math.min(pct, 100)} %`,
        );
      }
    }
  }
}
