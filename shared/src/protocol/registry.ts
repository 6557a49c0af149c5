import { z } from 'zod';

/**
 * The OCI registry (issue #23) on the wire, and the names the OCI distribution spec allows.
 *
 * Hub → store: `registry.release` — a release the store should run: a tagged artefact in a release repository
 * (`releases/…`), pinned by digest. The store node pulls it from the hub's `/v2/` with its store token, checks every
 * blob against its digest, and reports. A later entry for the same `track` supersedes an earlier one (the store keeps
 * the highest `changeSeq` per track); `withdrawn` tells the store to stop offering that release (it keeps running what
 * it runs until a newer one arrives).
 *
 * Store → hub: `registry.release-status` — where the store is with a release: DOWNLOADING, VERIFIED (every blob on the
 * store's disk and checked), RUNNING (the node or its devices now run it), FAILED (with the reason). `reportId`
 * makes a resent report count once; the hub keeps the newest per store and track.
 */

/** A repository name as the OCI distribution spec allows it (path components of lower-case letters, digits, separators). */
export const OCI_NAME = /^[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:\.|_|__|-+)[a-z0-9]+)*)*$/;
/** A tag as the spec allows it. */
export const OCI_TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
/** A digest this registry computes and accepts: SHA-256 only (any other algorithm is refused as unsupported). */
export const OCI_DIGEST = /^sha256:[a-f0-9]{64}$/;
/** Repositories whose tags are releases to stores: stores may pull these and nothing else. */
export const RELEASE_REPOSITORY_PREFIX = 'releases/';

export const OCI_MEDIA_TYPES = {
  imageManifest: 'application/vnd.oci.image.manifest.v1+json',
  imageIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  imageConfig: 'application/vnd.oci.image.config.v1+json',
  emptyJson: 'application/vnd.oci.empty.v1+json',
} as const;

export const ociNameSchema = z.string().min(1).max(255).regex(OCI_NAME, 'a repository name as the OCI spec allows');
export const ociTagSchema = z.string().regex(OCI_TAG, 'a tag as the OCI spec allows');
export const ociDigestSchema = z.string().regex(OCI_DIGEST, 'a sha256 digest');

const uuid = z.string().uuid();
const epochMs = z.number().int().min(0).max(8_640_000_000_000);

/** `registry.release` (hub → one store): a release to run, pinned by digest. */
export const registryReleaseSchema = z.strictObject({
  releaseId: uuid,
  /** What the release is of (`store-node`, `firmware/scanner-x`): one current release per track at a store. */
  track: z
    .string()
    .min(1)
    .max(100)
    .regex(/^[a-z0-9][a-z0-9._/-]*$/),
  /** Orders the entries of one track at this store: the store keeps the highest it has seen. */
  changeSeq: z.number().int().min(1).max(Number.MAX_SAFE_INTEGER),
  repository: ociNameSchema.refine((n) => n.startsWith(RELEASE_REPOSITORY_PREFIX), 'a release repository'),
  tag: ociTagSchema,
  digest: ociDigestSchema,
  mediaType: z.string().min(1).max(255),
  /** Bytes to download: the manifest and every blob it names (an index: every platform's). */
  size: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  /** What head office wrote about it, for the store's page. */
  note: z.string().max(500),
  withdrawn: z.boolean(),
  announcedAt: epochMs,
});
export type RegistryRelease = z.infer<typeof registryReleaseSchema>;

export const REGISTRY_RELEASE_STATES = ['DOWNLOADING', 'VERIFIED', 'RUNNING', 'FAILED'] as const;
export type RegistryReleaseState = (typeof REGISTRY_RELEASE_STATES)[number];

/** `registry.release-status` (store → hub): where this store is with a release. */
export const registryReleaseStatusSchema = z.strictObject({
  reportId: z.string().min(1).max(64),
  releaseId: uuid,
  track: registryReleaseSchema.shape.track,
  digest: ociDigestSchema,
  state: z.enum(REGISTRY_RELEASE_STATES),
  /** Why it failed, or what is running it; at most 500 characters. */
  detail: z.string().max(500),
  /** Bytes on the store's disk so far (progress while DOWNLOADING). */
  bytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER),
  at: epochMs,
});
export type RegistryReleaseStatus = z.infer<typeof registryReleaseStatusSchema>;

export const registryEventSchemas = { 'registry.release-status': registryReleaseStatusSchema } as const;
export const registryFeedSchemas = { 'registry.release': registryReleaseSchema } as const;
