import type { Readable } from 'node:stream';
import type { Principal } from '../../kernel/principal.js';

/**
 * The registry's parts and what they offer each other (issue #23). Each part is a class in its own file, built in
 * `index.ts` from the hub's context and the parts it needs; routes are thin and call these.
 */

/** What a caller may do in a repository (the Docker token spec's actions; `delete` as Distribution has it). */
export type RegistryAction = 'pull' | 'push' | 'delete';
/** A caller of the OCI API: who they are and, when they came with a registry token, what it grants. */
export interface RegistryCaller {
  readonly principal: Principal;
  /** `user:<id>` or `store:<id>`: who owns an upload session, who announced a release. */
  readonly subject: string;
  /** The caller's address (logs, the sign-in limits). */
  readonly address: string;
}

/** A repository as the console lists it. */
export interface RepositorySummary {
  readonly name: string;
  readonly tags: number;
  readonly manifests: number;
  /** Bytes of the blobs and manifests linked to it (each once). */
  readonly bytes: number;
  readonly quotaBytes: number | null;
  readonly blockSeverity: Severity | null;
  readonly updatedAt: number;
}

export type Severity = 'CRITICAL' | 'HIGH' | 'MEDIUM' | 'LOW';
export const SEVERITIES: readonly Severity[] = ['CRITICAL', 'HIGH', 'MEDIUM', 'LOW'];

/** A manifest as stored. */
export interface StoredManifest {
  readonly repository: string;
  readonly digest: string;
  readonly mediaType: string;
  readonly artifactType: string | null;
  readonly subjectDigest: string | null;
  readonly annotations: Readonly<Record<string, string>> | null;
  readonly size: number;
  readonly body: Buffer;
  readonly createdAt: number;
}

/** A descriptor as the OCI image spec writes it (referrers answer a list of these). */
export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly artifactType?: string;
  readonly annotations?: Readonly<Record<string, string>>;
}

/**
 * Blob files by digest, and upload sessions' partial files (storage.ts, `FsRegistryStorage` on the blob folder's
 * `registry/` subfolder). The digest is always computed here from the bytes, never taken from a client.
 */
export interface RegistryStorage {
  /** A blob's bytes, or `[start, end]` inclusive of them; `BlobNotFoundError` (kernel/blobs.ts) when absent. */
  get(digest: string, range?: { readonly start: number; readonly end: number }): Promise<Readable>;
  stat(digest: string): Promise<{ readonly size: number; readonly writtenAt: number } | null>;
  delete(digest: string): Promise<void>;
  keys(): AsyncIterable<string>;
  /** A whole blob from a stream (a mirror's copy, a monolithic upload), checked against `expectDigest` when given. */
  put(
    source: Readable,
    options?: { readonly maxBytes?: number; readonly expectDigest?: string },
  ): Promise<{ digest: string; size: number }>;
  /**
   * Appends `source` to upload `id`'s file, which must hold exactly `offset` bytes (else `UploadOffsetError`, so an
   * out-of-order chunk changes nothing). Resolves with the bytes the file holds after. `maxBytes` bounds the file.
   */
  appendUpload(
    id: string,
    source: Readable,
    options: { readonly offset: number; readonly maxBytes?: number },
  ): Promise<number>;
  /** Bytes upload `id` holds (0 when it has no file yet). */
  uploadSize(id: string): Promise<number>;
  /**
   * Ends upload `id`: its bytes become the blob of their digest (moved, not copied), which must equal `expectDigest`
   * (else `BlobDigestMismatchError`, and the upload's file is kept for the client to fix). Resolves with the digest
   * and size.
   */
  commitUpload(id: string, expectDigest: string): Promise<{ digest: string; size: number }>;
  /** Removes upload `id`'s partial file; no error when there is none. */
  dropUpload(id: string): Promise<void>;
  /** The upload files' ids and last change, for the idle sweep (sessions with no row are orphans of a crash). */
  uploads(): AsyncIterable<{ readonly id: string; readonly touchedAt: number }>;
}

/** Thrown by `appendUpload` when the file does not hold `offset` bytes: the client's chunk is out of order. */
export class UploadOffsetError extends Error {
  override readonly name = 'UploadOffsetError';
  constructor(
    readonly expected: number,
    readonly got: number,
  ) {
    super(`the chunk starts at byte ${got}, but the upload holds ${expected} bytes`);
  }
}

/** The scanner adapter's side, shaped like Harbor's pluggable scanner API (scanner.ts holds the simulator and http). */
export interface VulnerabilityScanner {
  /** The scanner's name and version, for reports. */
  readonly name: string;
  /** Asks for a scan of a manifest; resolves with the scanner's request id (Harbor: `POST /api/v1/scan` → 202 {id}). */
  submit(artifact: {
    readonly repository: string;
    readonly digest: string;
    readonly mediaType: string;
  }): Promise<string>;
  /** The report, or `pending` while it is not ready (Harbor: `GET /api/v1/scan/{id}/report`, 302 while running). */
  report(
    requestId: string,
  ): Promise<{ readonly state: 'pending' } | { readonly state: 'done'; readonly report: ScanReport }>;
}

/** A vulnerability report in Harbor's `application/vnd.security.vulnerability.report; version=1.1` shape. */
export interface ScanReport {
  readonly generatedAt: string;
  readonly scanner: { readonly name: string; readonly vendor: string; readonly version: string };
  readonly severity: Severity | 'NONE';
  readonly vulnerabilities: readonly {
    readonly id: string;
    readonly package: string;
    readonly version: string;
    readonly fixVersion?: string;
    readonly severity: Severity;
    readonly description: string;
  }[];
}
