import { OCI_DIGEST, OCI_TAG } from '@storefleet/shared';
import type { HubContext } from '../../kernel/module-contract.js';
import type { RegistryBlobs } from './blobs.js';
import { OciError } from './errors.js';
import { parseManifest, sha256Digest } from './manifest-parse.js';
import { manifestsRepository as repo } from './manifests-repository.js';
import type { RegistryRepositories } from './repositories.js';
import type { RegistryScans } from './scans.js';
import type { Descriptor, RegistryCaller, StoredManifest } from './types.js';

/** The most tags or repository names one page of `tags/list` or `_catalog` answers. */
export const MAX_PAGE = 1000;

/** Missing blobs (and missing manifests) a refused push names in its answer; the rest are counted. */
export const MAX_NAMED_MISSING = 20;

/** One page of a listing, and whether there is more after it. */
export interface Page {
  readonly items: readonly string[];
  readonly more: boolean;
}

/**
 * Manifests, tags and referrers (lane: manifests): PUT by tag or digest (OCI image manifest and index, Docker schema 2
 * manifest and list; every blob and child manifest it names must be in the repository), GET/HEAD with
 * `Docker-Content-Digest`, DELETE, `tags/list` with `n`/`last`, the referrers API, the catalog.
 *
 * A push is one transaction: the repository's row is locked (its quota sees one push at a time), the blobs the
 * manifest names are locked FOR SHARE through `blobs.missing` (a garbage collection cannot take one before the
 * manifest that names it commits), then the manifest, its references (the collector's marks) and its tag are written.
 */
export class RegistryManifests {
  constructor(
    readonly ctx: HubContext,
    readonly blobs: RegistryBlobs,
    readonly repositories: RegistryRepositories,
    readonly scans: RegistryScans,
  ) {}

  /** Stores a manifest; resolves with its digest and the subject it refers to (for `OCI-Subject`). */
  async put(
    repository: string,
    reference: string,
    body: Buffer,
    contentType: string,
    _caller: RegistryCaller,
  ): Promise<{ readonly digest: string; readonly subject: string | null }> {
    const parsed = parseManifest(body, contentType);
    const digest = sha256Digest(body);
    const byDigest = reference.includes(':');
    if (byDigest && !OCI_DIGEST.test(reference))
      throw new OciError('DIGEST_INVALID', `${reference} is not a sha256 digest (sha256:<64 hex>)`);
    if (!byDigest && !OCI_TAG.test(reference))
      throw new OciError('MANIFEST_INVALID', `tag ${JSON.stringify(reference)} is not a tag the OCI spec allows`);
    if (byDigest && reference !== digest)
      throw new OciError(
        'DIGEST_INVALID',
        `the manifest's bytes have digest ${digest}, not ${reference} as the URL says`,
        { expected: reference, actual: digest },
      );
    const { db } = this.ctx;
    await db.transaction(async (tx) => {
      const now = this.ctx.now();
      await this.repositories.ensure(tx, repository);
      await repo.lockRepository(tx, repository, now);
      const missingBlobs = await this.blobs.missing(tx, repository, parsed.blobs);
      const stored = await repo.storedManifests(tx, repository, parsed.manifests);
      const missingManifests = parsed.manifests.filter((d) => !stored.has(d));
      if (missingBlobs.length > 0 || missingManifests.length > 0) {
        // a manifest may name thousands of missing blobs: the answer names the first few and counts the rest
        const listed = (what: string, digests: readonly string[]) =>
          digests.length === 0
            ? ''
            : `${digests.length} ${what} not pushed to ${repository}: ${digests.slice(0, MAX_NAMED_MISSING).join(', ')}${
                digests.length > MAX_NAMED_MISSING ? `, and ${digests.length - MAX_NAMED_MISSING} more` : ''
              }`;
        throw new OciError(
          'MANIFEST_BLOB_UNKNOWN',
          `the manifest names ${[listed('blobs', missingBlobs), listed('manifests', missingManifests)]
            .filter(Boolean)
            .join('; ')}; push them first`,
          {
            blobs: missingBlobs.slice(0, MAX_NAMED_MISSING),
            missingBlobs: missingBlobs.length,
            manifests: missingManifests.slice(0, MAX_NAMED_MISSING),
            missingManifests: missingManifests.length,
          },
        );
      }
      if (!(await repo.byDigest(tx, repository, digest)))
        await this.repositories.checkQuota(tx, repository, body.length);
      await repo.insert(
        tx,
        {
          repository,
          digest,
          mediaType: parsed.mediaType,
          artifactType: parsed.artifactType,
          subject: parsed.subject,
          annotations: parsed.annotations,
          body,
          blobs: parsed.blobs,
          manifests: parsed.manifests,
        },
        now,
      );
      if (!byDigest) await repo.setTag(tx, repository, reference, digest, now);
    });
    this.scans.requested(repository, digest, parsed.mediaType).catch((err: unknown) => {
      this.ctx.log.warn({ err, repository, digest }, 'registry: asking for a scan of a pushed manifest failed');
    });
    return { digest, subject: parsed.subject };
  }

  /** The manifest a tag or digest names in `repository`, or null. */
  get(repository: string, reference: string): Promise<StoredManifest | null> {
    if (OCI_DIGEST.test(reference)) return repo.byDigest(this.ctx.db, repository, reference);
    // a reference that is neither a digest nor a tag (a NUL, which the database cannot even take) names nothing
    if (!OCI_TAG.test(reference)) return Promise.resolve(null);
    return repo.byTag(this.ctx.db, repository, reference);
  }

  /**
   * A pull (GET/HEAD): the manifest, or NAME_UNKNOWN (no such repository) / MANIFEST_UNKNOWN; DENIED with the scan
   * policy's reason when the repository blocks it.
   */
  async pull(repository: string, reference: string): Promise<StoredManifest> {
    const m = await this.get(repository, reference);
    if (!m) throw await this.#unknown(repository, `manifest ${reference} is not in repository ${repository}`);
    const blocked = await this.scans.blockedReason(repository, m.digest);
    if (blocked !== null) throw new OciError('DENIED', blocked, { digest: m.digest });
    return m;
  }

  /**
   * DELETE by tag (that tag only) or by digest (the manifest, its tags and references). A delete by digest is refused
   * (403 DENIED) while an index of the repository names the manifest or a release not withdrawn pins it: its blobs
   * would be collected while the index or the stores still pull them. The check and the delete hold the repository's
   * row, the lock a push takes, so an index pushed at the same moment cannot slip in between.
   */
  async delete(repository: string, reference: string): Promise<void> {
    if (!OCI_DIGEST.test(reference)) {
      if (!OCI_TAG.test(reference) || !(await repo.deleteTag(this.ctx.db, repository, reference)))
        throw await this.#unknown(repository, `manifest ${reference} is not in repository ${repository}`);
      return;
    }
    const gone = await this.ctx.db.transaction(async (tx) => {
      await repo.lockRepository(tx, repository, this.ctx.now());
      if (!(await repo.byDigest(tx, repository, reference))) return false;
      const { indexes, releases } = await repo.dependents(tx, repository, reference);
      if (indexes.length > 0)
        throw new OciError(
          'DENIED',
          `manifest ${reference} is named by the index ${indexes.join(', ')} in ${repository}; ` +
            'delete that index by its digest first',
          { digest: reference, indexes },
        );
      if (releases.length > 0)
        throw new OciError(
          'DENIED',
          `manifest ${reference} is pinned by release ${releases
            .map((r) => `${r.id} (track ${r.track}, tag ${r.tag})`)
            .join(', ')}, which stores download; withdraw the release first`,
          { digest: reference, releases: releases.map((r) => r.id) },
        );
      return repo.deleteManifest(tx, repository, reference);
    });
    if (!gone) throw await this.#unknown(repository, `manifest ${reference} is not in repository ${repository}`);
  }

  /** The digest, media type and total bytes (manifest + everything it names, an index's children too) of a tag. */
  async resolve(repository: string, tag: string): Promise<{ digest: string; mediaType: string; size: number } | null> {
    const m = await repo.byTag(this.ctx.db, repository, tag);
    if (!m) return null;
    return { digest: m.digest, mediaType: m.mediaType, size: await repo.totalSize(this.ctx.db, repository, m.digest) };
  }

  /** Manifests in `repository` whose subject is `digest` (an empty list when there are none or no subject). */
  referrers(repository: string, digest: string, artifactType?: string): Promise<Descriptor[]> {
    return repo.referrers(this.ctx.db, repository, digest, artifactType ?? null);
  }

  /** A page of the repository's tags in lexical order; NAME_UNKNOWN when there is no such repository. */
  async tags(repository: string, last: string | null, n: number): Promise<Page> {
    const rows = await repo.tags(this.ctx.db, repository, last, n + 1);
    if (rows.length === 0 && !(await repo.repositoryExists(this.ctx.db, repository)))
      throw new OciError('NAME_UNKNOWN', `repository ${repository} is not known to this registry`);
    return { items: rows.slice(0, n), more: rows.length > n };
  }

  /** A page of repository names in lexical order. */
  async catalog(last: string | null, n: number): Promise<Page> {
    const rows = await repo.catalog(this.ctx.db, last, n + 1);
    return { items: rows.slice(0, n), more: rows.length > n };
  }

  async #unknown(repository: string, message: string): Promise<OciError> {
    return (await repo.repositoryExists(this.ctx.db, repository))
      ? new OciError('MANIFEST_UNKNOWN', message)
      : new OciError('NAME_UNKNOWN', `repository ${repository} is not known to this registry`);
  }
}
