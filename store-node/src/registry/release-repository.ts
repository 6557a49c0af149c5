import type { RegistryRelease } from '@storefleet/shared';
import type { SqliteDb } from '../db/open-sqlite.js';

/** Where this node is with a release. */
export type StoreReleaseState = 'PENDING' | 'DOWNLOADING' | 'VERIFIED' | 'RUNNING' | 'FAILED';

/** The newest release of a track this store was told of, and where the node is with it. */
export interface StoreRelease {
  readonly track: string;
  readonly releaseId: string;
  readonly changeSeq: number;
  readonly repository: string;
  readonly tag: string;
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  readonly note: string;
  readonly withdrawn: boolean;
  readonly announcedAt: number;
  readonly state: StoreReleaseState;
  readonly detail: string;
  readonly bytes: number;
  readonly attempts: number;
  readonly nextTryAt: number;
  readonly reportedAt: number;
}

export interface RunningRelease {
  readonly track: string;
  readonly releaseId: string;
  readonly repository: string;
  readonly tag: string;
  readonly digest: string;
  readonly since: number;
}

interface Row {
  track: string;
  release_id: string;
  change_seq: number;
  repository: string;
  tag: string;
  digest: string;
  media_type: string;
  size: number;
  note: string;
  withdrawn: number;
  announced_at: number;
  state: StoreReleaseState;
  detail: string;
  bytes: number;
  attempts: number;
  next_try_at: number;
  reported_at: number;
}
const toRelease = (r: Row): StoreRelease => ({
  track: r.track,
  releaseId: r.release_id,
  changeSeq: r.change_seq,
  repository: r.repository,
  tag: r.tag,
  digest: r.digest,
  mediaType: r.media_type,
  size: r.size,
  note: r.note,
  withdrawn: r.withdrawn === 1,
  announcedAt: r.announced_at,
  state: r.state,
  detail: r.detail,
  bytes: r.bytes,
  attempts: r.attempts,
  nextTryAt: r.next_try_at,
  reportedAt: r.reported_at,
});

/** All SQL of the store's releases and its registry cache (SQLite). */
export class StoreReleaseRepository {
  constructor(readonly db: SqliteDb) {}

  get(track: string): StoreRelease | null {
    const r = this.db.prepare('SELECT * FROM registry_releases WHERE track = ?').get(track) as Row | undefined;
    return r ? toRelease(r) : null;
  }

  all(): StoreRelease[] {
    return (this.db.prepare('SELECT * FROM registry_releases ORDER BY track').all() as Row[]).map(toRelease);
  }

  /** Releases to pull now: not withdrawn, not yet verified, due. */
  due(now: number): StoreRelease[] {
    return (
      this.db
        .prepare(
          `SELECT * FROM registry_releases WHERE withdrawn = 0 AND state IN ('PENDING', 'DOWNLOADING', 'FAILED')
           AND next_try_at <= ? ORDER BY announced_at`,
        )
        .all(now) as Row[]
    ).map(toRelease);
  }

  /** The earliest retry of a failed pull, or null. */
  nextTry(): number | null {
    const r = this.db
      .prepare(
        `SELECT min(next_try_at) AS at FROM registry_releases WHERE withdrawn = 0 AND state IN ('PENDING', 'DOWNLOADING', 'FAILED')`,
      )
      .get() as { at: number | null };
    return r.at;
  }

  /**
   * Keeps the entry when newer than the one held for its track: a new release starts PENDING; the same release again
   * (withdrawn) keeps where the node is with it.
   */
  apply(e: RegistryRelease, now: number): boolean {
    const held = this.get(e.track);
    if (held && e.changeSeq <= held.changeSeq) return false;
    const same = held?.releaseId === e.releaseId;
    this.db
      .prepare(
        `INSERT INTO registry_releases (track, release_id, change_seq, repository, tag, digest, media_type, size, note,
           withdrawn, announced_at, state, detail, bytes, attempts, next_try_at, reported_at, updated_at)
         VALUES (@track, @releaseId, @changeSeq, @repository, @tag, @digest, @mediaType, @size, @note, @withdrawn,
           @announcedAt, @state, @detail, @bytes, @attempts, 0, @reportedAt, @now)
         ON CONFLICT (track) DO UPDATE SET release_id = excluded.release_id, change_seq = excluded.change_seq,
           repository = excluded.repository, tag = excluded.tag, digest = excluded.digest,
           media_type = excluded.media_type, size = excluded.size, note = excluded.note, withdrawn = excluded.withdrawn,
           announced_at = excluded.announced_at, state = excluded.state, detail = excluded.detail,
           bytes = excluded.bytes, attempts = excluded.attempts, next_try_at = 0, updated_at = excluded.updated_at`,
      )
      .run({
        track: e.track,
        releaseId: e.releaseId,
        changeSeq: e.changeSeq,
        repository: e.repository,
        tag: e.tag,
        digest: e.digest,
        mediaType: e.mediaType,
        size: e.size,
        note: e.note,
        withdrawn: e.withdrawn ? 1 : 0,
        announcedAt: e.announcedAt,
        state: same ? held.state : 'PENDING',
        detail: same ? held.detail : '',
        bytes: same ? held.bytes : 0,
        attempts: same ? held.attempts : 0,
        reportedAt: held?.reportedAt ?? 0,
        now,
      });
    return true;
  }

  /** Records where the node is with `releaseId` (ignored when the track has moved on to another release). */
  setState(
    track: string,
    releaseId: string,
    s: { state: StoreReleaseState; detail: string; bytes: number; reportedAt: number; now: number },
    retryAt?: number,
  ): boolean {
    const { changes } = this.db
      .prepare(
        `UPDATE registry_releases SET state = ?, detail = ?, bytes = ?, reported_at = ?, updated_at = ?,
           attempts = CASE WHEN ? IS NULL THEN 0 ELSE attempts + 1 END, next_try_at = coalesce(?, 0)
         WHERE track = ? AND release_id = ?`,
      )
      .run(s.state, s.detail, s.bytes, s.reportedAt, s.now, retryAt ?? null, retryAt ?? null, track, releaseId);
    return changes === 1;
  }

  running(): RunningRelease[] {
    return (
      this.db.prepare('SELECT * FROM registry_running ORDER BY track').all() as {
        track: string;
        release_id: string;
        repository: string;
        tag: string;
        digest: string;
        since: number;
      }[]
    ).map((r) => ({
      track: r.track,
      releaseId: r.release_id,
      repository: r.repository,
      tag: r.tag,
      digest: r.digest,
      since: r.since,
    }));
  }

  setRunning(r: RunningRelease): void {
    this.db
      .prepare(
        `INSERT INTO registry_running (track, release_id, repository, tag, digest, since) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (track) DO UPDATE SET release_id = excluded.release_id, repository = excluded.repository,
           tag = excluded.tag, digest = excluded.digest, since = excluded.since`,
      )
      .run(r.track, r.releaseId, r.repository, r.tag, r.digest, r.since);
  }

  /** A manifest now on this node (its bytes are the blob file of its digest); `tag` points at it when given. */
  keepManifest(repository: string, digest: string, mediaType: string, size: number, tag?: string): void {
    this.db.transaction(() => {
      this.db
        .prepare(
          `INSERT INTO registry_manifests (repository, digest, media_type, size) VALUES (?, ?, ?, ?)
           ON CONFLICT (repository, digest) DO NOTHING`,
        )
        .run(repository, digest, mediaType, size);
      if (tag)
        this.db
          .prepare(
            `INSERT INTO registry_tags (repository, tag, digest) VALUES (?, ?, ?)
             ON CONFLICT (repository, tag) DO UPDATE SET digest = excluded.digest`,
          )
          .run(repository, tag, digest);
    })();
  }

  /** Forgets where `tag` of `repository` pointed (the hub no longer serves it); its manifest stays, by digest. */
  dropTag(repository: string, tag: string): void {
    this.db.prepare('DELETE FROM registry_tags WHERE repository = ? AND tag = ?').run(repository, tag);
  }

  /** The manifest a tag or digest names in `repository` on this node. */
  manifest(repository: string, reference: string): { digest: string; mediaType: string; size: number } | null {
    const digest = reference.startsWith('sha256:')
      ? reference
      : (
          this.db
            .prepare('SELECT digest FROM registry_tags WHERE repository = ? AND tag = ?')
            .get(repository, reference) as { digest: string } | undefined
        )?.digest;
    if (!digest) return null;
    const r = this.db
      .prepare('SELECT digest, media_type, size FROM registry_manifests WHERE repository = ? AND digest = ?')
      .get(repository, digest) as { digest: string; media_type: string; size: number } | undefined;
    return r ? { digest: r.digest, mediaType: r.media_type, size: r.size } : null;
  }
}
