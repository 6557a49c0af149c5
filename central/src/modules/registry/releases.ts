import { randomUUID } from 'node:crypto';
import {
  feedEntry,
  NotFoundError,
  RELEASE_REPOSITORY_PREFIX,
  type RegistryRelease,
  type RegistryReleaseState,
  ValidationError,
} from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import type { HubContext } from '../../kernel/module-contract.js';
import type { RegistryManifests } from './manifests.js';
import { type ReleaseRow, RegistryReleasesRepository, type StoreReportRow } from './releases-repository.js';

/** Stores told per statement when a release goes out: 5,000 stores are five feed writes in the one transaction. */
const FAN_OUT_BATCH = 1_000;

/** What head office asks for (routes validate the shape). */
export interface AnnounceInput {
  readonly repository: string;
  readonly tag: string;
  readonly track?: string | undefined;
  readonly note?: string | undefined;
  readonly storeIds?: readonly string[] | undefined;
}

/** A release as the console shows it: the row, how many stores it goes to, and how many reported each state. */
export interface ReleaseView extends ReleaseRow {
  readonly stores: number;
  readonly states: Readonly<Record<'PENDING' | RegistryReleaseState, number>>;
}

/** One target store of a release and where it is with it. */
export interface ReleaseStoreView {
  readonly storeId: string;
  readonly code: string;
  readonly name: string;
  /** PENDING until the store reports on this release. */
  readonly state: 'PENDING' | RegistryReleaseState;
  readonly detail: string;
  readonly bytes: number;
  readonly reportedAt: number | null;
  /** What the store last reported on the release's track when that is about another release (an older one it runs). */
  readonly otherRelease: { readonly releaseId: string; readonly state: RegistryReleaseState } | null;
}

/**
 * Releases to stores (lane: releases): head office announces a tag of a release repository (`releases/…`) pinned by
 * its digest, for every store or some; each store gets `registry.release` in its feed; stores report
 * `registry.release-status` (event handler); the console shows which store runs which release.
 *
 * Announce and withdraw write the release and every target store's feed entry in one transaction (entries in batches
 * of FAN_OUT_BATCH stores per statement), each entry's `changeSeq` the next of that store's track
 * (`registry_release_seq`, whose rows stay locked to the commit, so two announcements of one track reach every store
 * in one order). The tag is resolved to its digest when announced: a later push to the tag changes nothing sent.
 */
export class RegistryReleases {
  constructor(
    readonly ctx: HubContext,
    readonly manifests: RegistryManifests,
  ) {}
  start(): Promise<void> {
    return Promise.resolve();
  }

  /** 400 for a repository that is not a release repository or an unknown store; 404 when the tag does not exist. */
  async announce(input: AnnounceInput, announcedBy: string): Promise<ReleaseView> {
    if (!input.repository.startsWith(RELEASE_REPOSITORY_PREFIX))
      throw new ValidationError(
        `${input.repository} is not a release repository: releases come from repositories named ${RELEASE_REPOSITORY_PREFIX}…`,
        [{ path: 'repository', message: `must begin with ${RELEASE_REPOSITORY_PREFIX}` }],
      );
    const track = input.track ?? input.repository.slice(RELEASE_REPOSITORY_PREFIX.length);
    const resolved = await this.manifests.resolve(input.repository, input.tag);
    if (!resolved) throw new NotFoundError('tag', `${input.repository}:${input.tag}`);
    const storeIds = input.storeIds ? [...new Set(input.storeIds)].sort() : null;
    return this.ctx.db.transaction(async (tx) => {
      const repo = new RegistryReleasesRepository(tx);
      if (storeIds) {
        const known = new Set(await repo.stores(storeIds));
        const unknown = storeIds.filter((s) => !known.has(s));
        if (unknown.length)
          throw new ValidationError(`no such store: ${unknown.slice(0, 5).join(', ')}`, [
            { path: 'storeIds', message: `${unknown.length} of them are not stores` },
          ]);
      }
      const release: ReleaseRow = {
        id: randomUUID(),
        track,
        repository: input.repository,
        tag: input.tag,
        digest: resolved.digest,
        mediaType: resolved.mediaType,
        size: resolved.size,
        note: input.note ?? '',
        storeIds,
        withdrawn: false,
        announcedBy,
        announcedAt: this.ctx.now(),
      };
      await repo.insert(release);
      await this.#fanOut(tx, release);
      return this.#view(repo, release, {});
    });
  }

  /** Tells the release's stores it is withdrawn (once; withdrawing again changes nothing). 404 when unknown. */
  async withdraw(id: string): Promise<ReleaseView> {
    return this.ctx.db.transaction(async (tx) => {
      const repo = new RegistryReleasesRepository(tx);
      const release = await repo.get(id, true);
      if (!release) throw new NotFoundError('release', id);
      if (release.withdrawn) return this.#view(repo, release);
      await repo.setWithdrawn(id);
      const withdrawn = { ...release, withdrawn: true };
      await this.#fanOut(tx, withdrawn);
      return this.#view(repo, withdrawn);
    });
  }

  async get(id: string): Promise<ReleaseView> {
    const repo = new RegistryReleasesRepository(this.ctx.db);
    const release = await repo.get(id);
    if (!release) throw new NotFoundError('release', id);
    return this.#view(repo, release);
  }

  /** Newest first; `before` is the last item's `announcedAt` and `id` of the page before. */
  async list(limit: number, before: { at: number; id: string } | null, track: string | null): Promise<ReleaseView[]> {
    const repo = new RegistryReleasesRepository(this.ctx.db);
    const rows = await repo.list(limit, before, track);
    return Promise.all(rows.map(({ reported, ...r }) => this.#view(repo, r, reported)));
  }

  /** A page of the release's target stores by id, each with its state (PENDING until it reports on this release). */
  async stores(id: string, after: string | null, limit: number): Promise<ReleaseStoreView[]> {
    const repo = new RegistryReleasesRepository(this.ctx.db);
    const release = await repo.get(id);
    if (!release) throw new NotFoundError('release', id);
    const rows = await repo.targets(release, after, limit);
    return rows.map(({ storeId, code, name, report }) => {
      const mine = report?.releaseId === id ? report : null;
      return {
        storeId,
        code,
        name,
        state: mine?.state ?? 'PENDING',
        detail: mine?.detail ?? '',
        bytes: mine?.bytes ?? 0,
        reportedAt: mine?.reportedAt ?? null,
        otherRelease: report && !mine ? { releaseId: report.releaseId, state: report.state } : null,
      };
    });
  }

  /** Per track: the release `storeId` should run (the newest not withdrawn aimed at it) and what it last reported. */
  async forStore(storeId: string): Promise<
    {
      track: string;
      release: ReleaseRow | null;
      reported: Omit<StoreReportRow, 'storeId' | 'track' | 'reportId'> | null;
    }[]
  > {
    const repo = new RegistryReleasesRepository(this.ctx.db);
    const current = await repo.currentFor(storeId);
    const reports = await repo.reportsOf(storeId);
    const tracks = [...new Set([...current.map((r) => r.track), ...reports.map((r) => r.track)])].sort();
    return tracks.map((track) => {
      const report = reports.find((r) => r.track === track);
      return {
        track,
        release: current.find((r) => r.track === track) ?? null,
        reported: report
          ? {
              releaseId: report.releaseId,
              digest: report.digest,
              state: report.state,
              detail: report.detail,
              bytes: report.bytes,
              reportedAt: report.reportedAt,
            }
          : null,
      };
    });
  }

  /** One `registry.release` entry per target store, FAN_OUT_BATCH stores per statement. */
  async #fanOut(tx: Queryable, release: ReleaseRow): Promise<number> {
    const repo = new RegistryReleasesRepository(tx);
    let after: string | null = null;
    let told = 0;
    for (;;) {
      const batch = await repo.storePage(after, FAN_OUT_BATCH, release.storeIds);
      if (batch.length === 0) break;
      after = batch.at(-1)!;
      const seqs = await repo.nextSeqs(batch, release.track);
      await this.ctx.feed.appendMany(
        tx,
        batch.map((storeId) => ({
          storeId,
          ...feedEntry('registry.release', toWire(release, seqs.get(storeId)!)),
        })),
      );
      told += batch.length;
      if (batch.length < FAN_OUT_BATCH) break;
    }
    this.ctx.log.info(
      {
        releaseId: release.id,
        track: release.track,
        digest: release.digest,
        stores: told,
        withdrawn: release.withdrawn,
      },
      release.withdrawn ? 'release withdrawn from stores' : 'release announced to stores',
    );
    return told;
  }

  async #view(
    repo: RegistryReleasesRepository,
    release: ReleaseRow,
    reported?: Record<string, number>,
  ): Promise<ReleaseView> {
    const counts = reported ?? (await repo.list(1, null, null, release.id))[0]?.reported ?? {};
    const stores = await repo.targetCount(release);
    const states = {
      DOWNLOADING: counts.DOWNLOADING ?? 0,
      VERIFIED: counts.VERIFIED ?? 0,
      RUNNING: counts.RUNNING ?? 0,
      FAILED: counts.FAILED ?? 0,
    };
    const reportedTotal = states.DOWNLOADING + states.VERIFIED + states.RUNNING + states.FAILED;
    return { ...release, stores, states: { PENDING: Math.max(0, stores - reportedTotal), ...states } };
  }
}

/** The feed entry's payload for one store. */
export function toWire(release: ReleaseRow, changeSeq: number): RegistryRelease {
  return {
    releaseId: release.id,
    track: release.track,
    changeSeq,
    repository: release.repository,
    tag: release.tag,
    digest: release.digest,
    mediaType: release.mediaType,
    size: release.size,
    note: release.note,
    withdrawn: release.withdrawn,
    announcedAt: release.announcedAt,
  };
}
