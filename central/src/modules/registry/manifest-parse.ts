import { createHash } from 'node:crypto';
import { OCI_DIGEST, OCI_MEDIA_TYPES } from '@storefleet/shared';
import { OciError } from './errors.js';

/**
 * What a pushed manifest says, checked (lane: manifests). Pure: bytes and the request's Content-Type in, a
 * `ParsedManifest` or an `OciError` out. The four media types this registry stores are the OCI image manifest and
 * index and Docker's schema 2 manifest and manifest list; anything else (Docker schema 1, a JSON of some other kind)
 * is 415 UNSUPPORTED. A body that is not what its type says is 400 MANIFEST_INVALID with a message naming the field.
 */

/** The largest manifest this registry takes (the distribution spec asks registries to take at least 4 MiB). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

const IMAGE_TYPES: ReadonlySet<string> = new Set([OCI_MEDIA_TYPES.imageManifest, OCI_MEDIA_TYPES.dockerManifest]);
const INDEX_TYPES: ReadonlySet<string> = new Set([OCI_MEDIA_TYPES.imageIndex, OCI_MEDIA_TYPES.dockerManifestList]);
export const MANIFEST_MEDIA_TYPES: ReadonlySet<string> = new Set([...IMAGE_TYPES, ...INDEX_TYPES]);

/** A manifest's facts the registry keeps beside its bytes. */
export interface ParsedManifest {
  readonly mediaType: string;
  /** `artifactType`, else (an image manifest) the config's media type: what the referrers API answers. */
  readonly artifactType: string | null;
  /** The digest of the manifest this one refers to (`subject`), or null. */
  readonly subject: string | null;
  readonly annotations: Readonly<Record<string, string>> | null;
  /** Blobs it names (config, then layers), each once: all must be linked in the repository. */
  readonly blobs: readonly string[];
  /** Child manifests it names (an index's `manifests`), each once: all must be stored in the repository. */
  readonly manifests: readonly string[];
}

/** The SHA-256 digest of bytes, as the registry names content. */
export function sha256Digest(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** The media type of a Content-Type header: parameters dropped, lower-cased; '' when there is none. */
export function mediaTypeOf(contentType: string | undefined): string {
  return (contentType ?? '').split(';')[0]!.trim().toLowerCase();
}

const invalid = (message: string, detail?: unknown) => new OciError('MANIFEST_INVALID', message, detail);

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function annotationsAt(v: unknown, where: string): Record<string, string> | null {
  if (v === undefined || v === null) return null;
  if (!isObject(v) || Object.values(v).some((s) => typeof s !== 'string'))
    throw invalid(`${where} must be an object of strings`);
  return v as Record<string, string>;
}

function optionalString(v: unknown, where: string): string | null {
  if (v === undefined || v === null) return null;
  if (typeof v !== 'string' || v.length === 0 || v.length > 255)
    throw invalid(`${where} must be a media type (a string of 1 to 255 characters)`);
  return v;
}

/** A descriptor's digest after checking its fields (`where` names it in the message: `layers[2]`). */
function descriptor(v: unknown, where: string): { digest: string; mediaType: string } {
  if (!isObject(v)) throw invalid(`${where} must be a descriptor object`);
  const { mediaType, digest, size } = v;
  if (typeof mediaType !== 'string' || mediaType.length === 0 || mediaType.length > 255)
    throw invalid(`${where}.mediaType must be a non-empty media type`);
  if (typeof digest !== 'string' || !OCI_DIGEST.test(digest))
    throw invalid(`${where}.digest ${JSON.stringify(digest)} is not a sha256 digest (sha256:<64 hex>)`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
    throw invalid(`${where}.size ${JSON.stringify(size)} must be a whole number of bytes, 0 or more`);
  optionalString(v.artifactType, `${where}.artifactType`);
  annotationsAt(v.annotations, `${where}.annotations`);
  return { digest, mediaType };
}

function descriptorList(v: unknown, where: string): { digest: string; mediaType: string }[] {
  if (!Array.isArray(v)) throw invalid(`${where} must be an array of descriptors`);
  return v.map((d, i) => descriptor(d, `${where}[${i}]`));
}

/**
 * Checks a pushed manifest. The Content-Type must be one of the four manifest types (else 415 UNSUPPORTED); when the
 * body names a `mediaType` it must be the same (a body without one takes the header's).
 */
export function parseManifest(body: Buffer, contentType: string | undefined): ParsedManifest {
  const headerType = mediaTypeOf(contentType);
  if (!MANIFEST_MEDIA_TYPES.has(headerType))
    throw new OciError(
      'UNSUPPORTED',
      `manifest Content-Type ${JSON.stringify(headerType || '(none)')} is not one this registry stores: send ${[...MANIFEST_MEDIA_TYPES].join(', ')}`,
    );
  let json: unknown;
  try {
    json = JSON.parse(body.toString('utf8'));
  } catch (err) {
    throw invalid(`the manifest is not JSON: ${(err as Error).message}`);
  }
  if (!isObject(json)) throw invalid('the manifest must be a JSON object');
  if (json.schemaVersion !== 2)
    throw invalid(`schemaVersion must be 2, not ${JSON.stringify(json.schemaVersion ?? null)}`);
  if (json.mediaType !== undefined && json.mediaType !== headerType)
    throw invalid(
      `the manifest's mediaType ${JSON.stringify(json.mediaType)} is not its Content-Type ${JSON.stringify(headerType)}`,
    );
  const artifactType = optionalString(json.artifactType, 'artifactType');
  const annotations = annotationsAt(json.annotations, 'annotations');
  const subject = json.subject === undefined || json.subject === null ? null : descriptor(json.subject, 'subject');

  if (IMAGE_TYPES.has(headerType)) {
    if (json.manifests !== undefined) throw invalid('an image manifest has no manifests list (is it an index?)');
    const config = descriptor(json.config, 'config');
    const layers = descriptorList(json.layers, 'layers');
    return {
      mediaType: headerType,
      artifactType: artifactType ?? (headerType === OCI_MEDIA_TYPES.imageManifest ? config.mediaType : null),
      subject: subject?.digest ?? null,
      annotations,
      blobs: unique([config.digest, ...layers.map((l) => l.digest)]),
      manifests: [],
    };
  }
  if (json.layers !== undefined || json.config !== undefined)
    throw invalid('an index has no config or layers (is it an image manifest?)');
  const children = descriptorList(json.manifests, 'manifests');
  return {
    mediaType: headerType,
    artifactType,
    subject: subject?.digest ?? null,
    annotations,
    blobs: [],
    manifests: unique(children.map((c) => c.digest)),
  };
}

function unique(digests: readonly string[]): string[] {
  return [...new Set(digests)];
}
