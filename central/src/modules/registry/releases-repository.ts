import type { RegistryReleaseState } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import { msParam as TS } from '../../kernel/sql-time.js';

const MS = (col: string) => `(extract(epoch FROM ${col}) * 1000)::float8`;

/** A release as the hub keeps it. */
export interface ReleaseRow {
  readonly id: string;
  readonly track: string;
  readonly repository: string;
  readonly tag: string;
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  readonly note: string;
  /** null = every store. */
  readonly storeIds: readonly string[] | null;
  readonly withdrawn: boolean;
  readonly announcedBy: string;
  readonly announcedAt: number;
}

/** What one store last reported on one track. */
export interface StoreReportRow {
  readonly storeId: string;
  readonly track: string;
  readonly releaseId: string;
  readonly digest: string;
  readonly state: RegistryReleaseState;
  readonly detail: string;
  readonly bytes: number;
  readonly reportedAt: number;
  readonly reportId: string;
}

const RELEASE_COLUMNS = `id, track, repository, tag, digest, media_type, size, note, store_ids, withdrawn, announced_by,
  ${MS('announced_at')} AS announced_at`;

interface ReleaseDbRow {
  id: string;
  track: string;
  repository: string;
  tag: string;
  digest: string;
  media_type: string;
  size: number | string;
  note: string;
  store_ids: string[] | null;
  withdrawn: boolean;
  announced_by: string;
  announced_at: number;
}

const toRelease = (r: ReleaseDbRow): ReleaseRow => ({
  id: r.id,
  track: r.track,
  repository: r.repository,
  tag: r.tag,
  digest: r.digest,
  mediaType: r.media_type,
  size: Number(r.size),
  note: r.note,
  storeIds: r.store_ids,
  withdrawn: r.withdrawn,
  announcedBy: r.announced_by,
  announcedAt: Math.round(Number(r.announced_at)),
});

interface ReportDbRow {
  store_id: string;
  track: string;
  release_id: string;
  digest: string;
  state: RegistryReleaseState;
  detail: string;
  bytes: number | string;
  reported_at: number;
  report_id: string;
}
const toReport = (r: ReportDbRow): StoreReportRow => ({
  storeId: r.store_id,
  track: r.track,
  releaseId: r.release_id,
  digest: r.digest,
  state: r.state,
  detail: r.detail,
  bytes: Number(r.bytes),
  reportedAt: Math.round(Number(r.reported_at)),
  reportId: r.report_id,
});
const REPORT_COLUMNS = `store_id, track, release_id, digest, state, detail, bytes, ${MS('reported_at')} AS reported_at, report_id`;

/** All SQL of the releases to stores (releases.ts, release-status-handler.ts). */
export class RegistryReleasesRepository {
  constructor(readonly db: Queryable) {}

  async insert(r: ReleaseRow): Promise<void> {
    await this.db.query(
      `INSERT INTO registry_releases (id, track, repository, tag, digest, media_type, size, note, store_ids, withdrawn,
         announced_by, announced_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::uuid[], $10, $11, ${TS(12)})`,
      [
        r.id,
        r.track,
        r.repository,
        r.tag,
        r.digest,
        r.mediaType,
        r.size,
        r.note,
        r.storeIds,
        r.withdrawn,
        r.announcedBy,
        r.announcedAt,
      ],
    );
  }

  /** The release, locked for the caller's transaction when `lock`. */
  async get(id: string, lock = false): Promise<ReleaseRow | null> {
    const { rows } = await this.db.query<ReleaseDbRow>(
      `SELECT ${RELEASE_COLUMNS} FROM registry_releases WHERE id = $1${lock ? ' FOR UPDATE' : ''}`,
      [id],
    );
    return rows[0] ? toRelease(rows[0]) : null;
  }

  async getMany(ids: readonly string[]): Promise<ReleaseRow[]> {
    if (ids.length === 0) return [];
    const { rows } = await this.db.query<ReleaseDbRow>(
      `SELECT ${RELEASE_COLUMNS} FROM registry_releases WHERE id = ANY($1::uuid[])`,
      [ids],
    );
    return rows.map(toRelease);
  }

  async setWithdrawn(id: string): Promise<void> {
    await this.db.query('UPDATE registry_releases SET withdrawn = true WHERE id = $1', [id]);
  }

  /** Newest first, `before` (announced_at, id) excluded; with the count of reports in each state. */
  async list(
    limit: number,
    before: { readonly at: number; readonly id: string } | null,
    track: string | null,
    id: string | null = null,
  ): Promise<(ReleaseRow & { readonly reported: Record<string, number> })[]> {
    const { rows } = await this.db.query<ReleaseDbRow & { reported: Record<string, number> | null }>(
      `SELECT ${RELEASE_COLUMNS},
         (SELECT jsonb_object_agg(state, n) FROM (SELECT s.state, count(*)::int AS n FROM registry_store_releases s
            WHERE s.release_id = r.id GROUP BY s.state) c) AS reported
       FROM registry_releases r
       WHERE ($1::text IS NULL OR r.track = $1) AND ($5::uuid IS NULL OR r.id = $5)
         AND ($2::double precision IS NULL OR (r.announced_at, r.id) < (to_timestamp($2::double precision / 1000), $3::uuid))
       ORDER BY r.announced_at DESC, r.id DESC LIMIT $4`,
      [track, before?.at ?? null, before?.id ?? null, limit, id],
    );
    return rows.map((r) => ({ ...toRelease(r), reported: r.reported ?? {} }));
  }

  /** How many stores a release goes to: its list, or every STORE location. */
  async targetCount(release: ReleaseRow): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM locations WHERE kind = 'STORE' AND ($1::uuid[] IS NULL OR id = ANY($1::uuid[]))`,
      [release.storeIds],
    );
    return rows[0]!.n;
  }

  /** The ids of `ids` that are STORE locations. */
  async stores(ids: readonly string[]): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT id FROM locations WHERE kind = 'STORE' AND id = ANY($1::uuid[]) ORDER BY id`,
      [ids],
    );
    return rows.map((r) => r.id);
  }

  /** STORE locations after `after` by id (the fan-out's batches), limited to `only` when given. */
  async storePage(after: string | null, limit: number, only: readonly string[] | null): Promise<string[]> {
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT id FROM locations WHERE kind = 'STORE' AND ($1::uuid IS NULL OR id > $1)
         AND ($2::uuid[] IS NULL OR id = ANY($2::uuid[]))
       ORDER BY id LIMIT $3`,
      [after, only, limit],
    );
    return rows.map((r) => r.id);
  }

  /** The next `changeSeq` of `track` for each of `storeIds` (one statement; the rows stay locked to the commit). */
  async nextSeqs(storeIds: readonly string[], track: string): Promise<Map<string, number>> {
    if (storeIds.length === 0) return new Map();
    const { rows } = await this.db.query<{ store_id: string; seq: number }>(
      `INSERT INTO registry_release_seq (store_id, track, seq) SELECT s, $2, 1 FROM unnest($1::uuid[]) AS s
       ON CONFLICT (store_id, track) DO UPDATE SET seq = registry_release_seq.seq + 1
       RETURNING store_id, seq`,
      [storeIds, track],
    );
    return new Map(rows.map((r) => [r.store_id, Number(r.seq)]));
  }

  /**
   * A page of a release's target stores by id after `after`, with what each last reported on the release's track
   * (whatever release that report is about).
   */
  async targets(
    release: ReleaseRow,
    after: string | null,
    limit: number,
  ): Promise<{ storeId: string; code: string; name: string; report: StoreReportRow | null }[]> {
    const { rows } = await this.db.query<
      { id: string; code: string; name: string } & { [K in keyof ReportDbRow]: ReportDbRow[K] | null }
    >(
      `SELECT l.id, l.code, l.name, s.store_id, s.track, s.release_id, s.digest, s.state, s.detail, s.bytes,
         ${MS('s.reported_at')} AS reported_at, s.report_id
       FROM locations l LEFT JOIN registry_store_releases s ON s.store_id = l.id AND s.track = $1
       WHERE l.kind = 'STORE' AND ($2::uuid[] IS NULL OR l.id = ANY($2::uuid[])) AND ($3::uuid IS NULL OR l.id > $3)
       ORDER BY l.id LIMIT $4`,
      [release.track, release.storeIds, after, limit],
    );
    return rows.map((r) => ({
      storeId: r.id,
      code: r.code,
      name: r.name,
      report: r.store_id ? toReport(r as ReportDbRow) : null,
    }));
  }

  /** For each track with a release aimed at `storeId`: the newest such release that is not withdrawn. */
  async currentFor(storeId: string): Promise<ReleaseRow[]> {
    const { rows } = await this.db.query<ReleaseDbRow>(
      `SELECT DISTINCT ON (track) ${RELEASE_COLUMNS} FROM registry_releases
       WHERE NOT withdrawn AND (store_ids IS NULL OR $1::uuid = ANY(store_ids))
       ORDER BY track, announced_at DESC, id DESC`,
      [storeId],
    );
    return rows.map(toRelease);
  }

  async reportsOf(storeId: string): Promise<StoreReportRow[]> {
    const { rows } = await this.db.query<ReportDbRow>(
      `SELECT ${REPORT_COLUMNS} FROM registry_store_releases WHERE store_id = $1 ORDER BY track`,
      [storeId],
    );
    return rows.map(toReport);
  }

  /**
   * Keeps each report unless the store already holds one of that track at least as new (by the store's `at`), in
   * one statement. Resolves with how many were applied.
   */
  async upsertReports(reports: readonly StoreReportRow[]): Promise<number> {
    if (reports.length === 0) return 0;
    const { rowCount } = await this.db.query(
      `INSERT INTO registry_store_releases (store_id, track, release_id, digest, state, detail, bytes, reported_at, report_id)
       SELECT s, t, r, d, st, de, b, to_timestamp(at / 1000), rid
       FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[], $7::bigint[],
                   $8::double precision[], $9::text[]) AS x(s, t, r, d, st, de, b, at, rid)
       ON CONFLICT (store_id, track) DO UPDATE SET release_id = EXCLUDED.release_id, digest = EXCLUDED.digest,
         state = EXCLUDED.state, detail = EXCLUDED.detail, bytes = EXCLUDED.bytes, reported_at = EXCLUDED.reported_at,
         report_id = EXCLUDED.report_id
       WHERE EXCLUDED.reported_at > registry_store_releases.reported_at
         AND EXCLUDED.report_id <> registry_store_releases.report_id`,
      [
        reports.map((r) => r.storeId),
        reports.map((r) => r.track),
        reports.map((r) => r.releaseId),
        reports.map((r) => r.digest),
        reports.map((r) => r.state),
        reports.map((r) => r.detail),
        reports.map((r) => r.bytes),
        reports.map((r) => r.reportedAt),
        reports.map((r) => r.reportId),
      ],
    );
    return rowCount;
  }
}
