import { registryReleaseStatusSchema, type RegistryReleaseStatus } from '@storefleet/shared';
import type { EventHandler } from '../../kernel/event-handlers.js';
import type { HubContext } from '../../kernel/module-contract.js';
import type { RegistryParts } from './index.js';
import { RegistryReleasesRepository, type StoreReportRow } from './releases-repository.js';

/**
 * `registry.release-status` from a store (lane: releases): kept per store and track, the newest report winning.
 *
 * A run of events is checked one by one (a malformed payload, a release that does not exist, is not aimed at the
 * reporting store, or whose track or digest differ from the report's, is refused alone via `rejected`); of the rest,
 * the newest by the store's `at` per store and track goes in, in one statement that keeps a report the hub already
 * holds when it is at least as new (a late or resent report changes nothing).
 */
export function releaseStatusHandler(_parts: RegistryParts, _ctx: HubContext): EventHandler {
  return async (tx, events) => {
    const rejected: { seq: number; reason: string }[] = [];
    const parsed: { seq: number; origin: string; status: RegistryReleaseStatus }[] = [];
    for (const e of events) {
      const r = registryReleaseStatusSchema.safeParse(e.payload);
      if (!r.success) {
        const issue = r.error.issues[0];
        rejected.push({
          seq: e.seq,
          reason: `not a release status (${issue?.path.join('.') || '(root)'}: ${issue?.message ?? 'invalid'})`,
        });
      } else parsed.push({ seq: e.seq, origin: e.origin, status: r.data });
    }
    const repo = new RegistryReleasesRepository(tx);
    const releases = new Map(
      (await repo.getMany([...new Set(parsed.map((p) => p.status.releaseId))])).map((r) => [r.id, r]),
    );
    const newest = new Map<string, StoreReportRow>();
    for (const { seq, origin, status } of parsed) {
      const release = releases.get(status.releaseId);
      const reason = !release
        ? `release ${status.releaseId} does not exist`
        : release.storeIds !== null && !release.storeIds.includes(origin)
          ? `release ${status.releaseId} is not aimed at store ${origin}`
          : release.track !== status.track
            ? `release ${status.releaseId} is of track ${release.track}, not ${status.track}`
            : release.digest !== status.digest
              ? `release ${status.releaseId} is ${release.digest}, not ${status.digest}`
              : null;
      if (reason) {
        rejected.push({ seq, reason });
        continue;
      }
      const key = `${origin} ${status.track}`;
      const held = newest.get(key);
      if (held && held.reportedAt >= status.at) continue;
      newest.set(key, {
        storeId: origin,
        track: status.track,
        releaseId: status.releaseId,
        digest: status.digest,
        state: status.state,
        detail: status.detail,
        bytes: status.bytes,
        reportedAt: status.at,
        reportId: status.reportId,
      });
    }
    await repo.upsertReports([...newest.values()]);
    return rejected.length ? { rejected } : {};
  };
}
