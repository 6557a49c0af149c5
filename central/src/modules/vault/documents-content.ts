import { pipeline, type Readable } from 'node:stream';
import { AppError, ConflictError, NotFoundError, uuidv7, ValidationError } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import { isHeadOffice } from '../../kernel/access.js';
import type { LeveledNode, VaultDocuments } from './documents.js';
import { nameTaken, VAULT_MAX_UPLOAD_BYTES } from './documents-rules.js';
import { isTsvectorTooLong, isUniqueViolation, type StoredVersion, tryAgain } from './documents-repository.js';
import { type SealedObject, SealedTamperedError, SealedTooLargeError } from './sealed-store.js';
import { TextTee } from './text-extract.js';
import { actorOf, type VaultCaller, type VaultNode } from './types.js';

/** What comes with an uploaded file (validated by the route before the body is read). */
export interface UploadMeta {
  readonly mediaType: string;
  /** The request's Content-Length, when it sent one: past the limit the upload is refused before reading. */
  readonly contentLength: number | null;
  /**
   * The SHA-256 (hex) the client says the file has (`Repr-Digest` / `Content-Digest`, RFC 9530), when it sent one: a
   * file that does not match is refused and nothing is kept. See `uploadDigestOf`.
   */
  readonly sha256?: string | null | undefined;
}

/**
 * The sha-256 a request's `Repr-Digest` or `Content-Digest` header gives (RFC 9530: `sha-256=:<base64>:`, maybe among
 * other algorithms), hex; null when neither header is sent or neither names sha-256. Two that disagree, or a sha-256
 * that is not 32 bytes of base64, are a 400: the client meant to have its file checked and it cannot be.
 */
export function uploadDigestOf(headers: Record<string, string | string[] | undefined>): string | null {
  let found: string | null = null;
  for (const name of ['repr-digest', 'content-digest']) {
    const raw = headers[name];
    if (raw === undefined) continue;
    const value = Array.isArray(raw) ? raw.join(',') : raw;
    if (value.length > 1024) throw new ValidationError(`${name}: too long`);
    for (const member of value.split(',')) {
      const m = /^\s*([a-z0-9-]+)\s*=\s*(.*?)\s*$/i.exec(member);
      if (!m) throw new ValidationError(`${name}: not an RFC 9530 digest (sha-256=:<base64>:)`);
      if (m[1]!.toLowerCase() !== 'sha-256') continue;
      const b64 = /^:([A-Za-z0-9+/]{43}=):$/.exec(m[2]!);
      if (!b64) throw new ValidationError(`${name}: sha-256 must be 32 bytes in base64 between colons`);
      const hex = Buffer.from(b64[1]!, 'base64').toString('hex');
      if (found !== null && found !== hex)
        throw new ValidationError('Repr-Digest and Content-Digest give different sha-256 digests');
      found = hex;
    }
  }
  return found;
}
export interface NewDocumentMeta extends UploadMeta {
  readonly name: string;
  readonly tags: readonly string[];
  readonly offline: boolean;
}

/** A document with one of its versions, as an upload, a new version or a restore answers. */
export interface DocumentAndVersion {
  readonly node: LeveledNode;
  readonly version: StoredVersion;
}

/** When the full text of a huge vocabulary is too much for one tsvector, this much of it is indexed instead. */
const TEXT_FALLBACK_CHARS = 64 * 1024;

const tooLarge = () =>
  new AppError(
    'payload-too-large',
    `a document version is at most ${VAULT_MAX_UPLOAD_BYTES} bytes; this upload is larger and was not stored`,
  );

/**
 * Document content (lane: documents): uploads sealed as they stream in (the permission and the name are checked
 * before the body is read), downloads opened as they stream out, the version list, restores and thumbnails.
 */
export class VaultContent {
  constructor(readonly d: VaultDocuments) {}

  /** A new document in a folder: WRITE on the folder; 409 (with `existingId`) when a live sibling has the name. */
  async upload(
    caller: VaultCaller,
    folderId: string,
    meta: NewDocumentMeta,
    body: Readable,
  ): Promise<DocumentAndVersion> {
    const { db } = this.d.ctx;
    const { repo } = this.d;
    this.#refuseDeclaredTooLarge(meta);
    await this.d.requireFolder(db, caller, folderId, 'WRITE');
    const taken = await repo.siblingNamed(db, folderId, meta.name);
    if (taken) throw nameTaken(meta.name, taken);
    const { sealed, text } = await this.#seal(body, meta.mediaType, undefined, meta.sha256);
    const actor = actorOf(caller.principal);
    let result: DocumentAndVersion;
    try {
      result = await db.transaction(async (tx) => {
        // checked again: a revoke, a delete or a rival upload during a long upload wins
        const parent = await this.d.requireFolder(tx, caller, folderId, 'WRITE');
        // the folder and those above it held until commit and checked live: a delete of any of them either waits for
        // this upload (and trashes the new document with the rest) or has committed and refuses it here
        if (!(await repo.holdLive(tx, [...parent.ancestors, parent.id])))
          throw new ConflictError(`the folder ${folderId} was deleted during the upload; nothing was stored`);
        const now = this.d.ctx.now();
        const doc = await repo.insertNode(tx, {
          id: uuidv7(now),
          kind: 'DOCUMENT',
          parent,
          name: meta.name,
          owner: actor,
          tags: meta.tags,
          offline: meta.offline,
          now,
        });
        return this.#addVersion(tx, caller, doc, parent.level, sealed, meta.mediaType, text, null);
      });
    } catch (err) {
      await this.#discard(sealed);
      if (isUniqueViolation(err)) throw nameTaken(meta.name, await repo.siblingNamed(db, folderId, meta.name));
      throw tryAgain(err, `${meta.name} was not stored`);
    }
    await this.#enqueue(result.version.id);
    return result;
  }

  /** A new version of a document (WRITE). */
  async put(caller: VaultCaller, documentId: string, meta: UploadMeta, body: Readable): Promise<DocumentAndVersion> {
    const { db } = this.d.ctx;
    this.#refuseDeclaredTooLarge(meta);
    await this.#requireDocument(db, caller, documentId, 'WRITE');
    const { sealed, text } = await this.#seal(body, meta.mediaType, undefined, meta.sha256);
    return this.#commitVersion(caller, documentId, sealed, meta.mediaType, text, null);
  }

  /** The version list, newest first, each saying whether it is the current one; audited VIEW (`versions: true`). */
  async versions(caller: VaultCaller, documentId: string): Promise<{ doc: VaultNode; versions: StoredVersion[] }> {
    const { db } = this.d.ctx;
    const doc = await this.#requireDocument(db, caller, documentId, 'READ');
    const versions = await this.d.repo.versions(db, documentId);
    await db.transaction((tx) =>
      this.d.audit.append(tx, {
        actor: actorOf(caller.principal),
        action: 'VIEW',
        nodeId: doc.id,
        versionId: doc.currentVersionId,
        detail: { versions: true },
        origin: caller.origin,
      }),
    );
    return { doc, versions };
  }

  /**
   * A version's plaintext as a stream (the current one when `versionNo` is null), audited DOWNLOAD. Quarantined
   * versions are never served; one still being scanned only to its uploader and head office.
   */
  async download(
    caller: VaultCaller,
    documentId: string,
    versionNo: number | null,
  ): Promise<{ doc: VaultNode; version: StoredVersion; body: Readable }> {
    const { db } = this.d.ctx;
    const doc = await this.#requireDocument(db, caller, documentId, 'READ');
    const version = await this.#readableVersion(caller, doc, versionNo);
    const body = await this.d.sealed.open(version);
    await db.transaction((tx) =>
      this.d.audit.append(tx, {
        actor: actorOf(caller.principal),
        action: 'DOWNLOAD',
        nodeId: doc.id,
        versionId: version.id,
        detail: { versionNo: version.versionNo, size: version.size },
        origin: caller.origin,
      }),
    );
    return { doc, version, body };
  }

  /** A download whose content failed its integrity check mid-stream: logged and audited (the transfer was cut). */
  async recordTampered(caller: VaultCaller, doc: VaultNode, version: StoredVersion, err: unknown): Promise<void> {
    this.d.ctx.log.error(
      { err, documentId: doc.id, versionId: version.id, blobKey: version.blobKey },
      'vault: a stored version failed its integrity check while being downloaded; the transfer was cut',
    );
    await this.d.ctx.db.transaction((tx) =>
      this.d.audit.append(tx, {
        actor: actorOf(caller.principal),
        action: 'DOWNLOAD',
        nodeId: doc.id,
        versionId: version.id,
        detail: {
          versionNo: version.versionNo,
          failed: 'the content failed its integrity check; the transfer was cut',
        },
        origin: caller.origin,
      }),
    );
  }

  /**
   * The thumbnail of an image version (PNG), or 404 when it has none. A thumbnail shows the content, so each one
   * served is audited VIEW (`thumbnail: true`): the console's lists load one per image row, one line each.
   */
  async thumbnail(caller: VaultCaller, documentId: string, versionNo: number | null): Promise<Readable> {
    const { db } = this.d.ctx;
    const doc = await this.#requireDocument(db, caller, documentId, 'READ');
    const version = await this.#readableVersion(caller, doc, versionNo);
    if (!version.thumb) throw new NotFoundError('thumbnail of document', `${doc.id} version ${version.versionNo}`);
    const body = await this.d.sealed.open(version.thumb);
    try {
      await db.transaction((tx) =>
        this.d.audit.append(tx, {
          actor: actorOf(caller.principal),
          action: 'VIEW',
          nodeId: doc.id,
          versionId: version.id,
          detail: { thumbnail: true, versionNo: version.versionNo },
          origin: caller.origin,
        }),
      );
    } catch (err) {
      body.destroy();
      throw err;
    }
    return body;
  }

  /** An old version's content as a new current version (sealed again under its own data key), audited RESTORE_VERSION. */
  async restore(caller: VaultCaller, documentId: string, versionNo: number): Promise<DocumentAndVersion> {
    const { db } = this.d.ctx;
    const doc = await this.#requireDocument(db, caller, documentId, 'WRITE');
    const old = await this.#readableVersion(caller, doc, versionNo);
    const { sealed, text } = await this.#seal(await this.d.sealed.open(old), old.mediaType, () => {
      throw new ConflictError(`version ${versionNo} of document ${documentId} failed its integrity check`);
    });
    return this.#commitVersion(caller, documentId, sealed, old.mediaType, text, versionNo);
  }

  async #requireDocument(q: Queryable, caller: VaultCaller, id: string, perm: 'READ' | 'WRITE'): Promise<LeveledNode> {
    const node = await this.d.acl.require(q, caller.principal, id, perm);
    if (node.kind !== 'DOCUMENT') throw new NotFoundError('document', id);
    return node;
  }

  async #readableVersion(caller: VaultCaller, doc: VaultNode, versionNo: number | null): Promise<StoredVersion> {
    const version = await this.d.repo.version(this.d.ctx.db, doc, versionNo);
    if (!version) throw new NotFoundError(`version of document ${doc.id}`, String(versionNo ?? 'current'));
    if (version.scanState === 'INFECTED')
      throw new ConflictError(
        `version ${version.versionNo} of document ${doc.id} is quarantined: the virus scan found ${version.scanDetail ?? 'a threat'}`,
      );
    const p = caller.principal;
    if (version.scanState === 'PENDING' && version.createdBy !== actorOf(p) && !isHeadOffice(p))
      throw new ConflictError(
        `version ${version.versionNo} of document ${doc.id} is being scanned for viruses; try again shortly`,
      );
    return version;
  }

  #refuseDeclaredTooLarge(meta: UploadMeta): void {
    if (meta.contentLength !== null && meta.contentLength > VAULT_MAX_UPLOAD_BYTES) throw tooLarge();
  }

  /** Streams `body` through the text tee into a sealed blob; a cut or oversized upload leaves nothing recorded. */
  async #seal(
    body: Readable,
    mediaType: string,
    onTampered?: () => never,
    expectedSha256?: string | null,
  ): Promise<{ sealed: SealedObject; text: string | null }> {
    const tee = new TextTee(mediaType);
    // an error or early close of the body (a client that hung up) destroys the tee, so the seal fails and keeps nothing
    pipeline(body, tee, () => {});
    let sealed: SealedObject;
    try {
      sealed = await this.d.sealed.seal(tee, { maxBytes: VAULT_MAX_UPLOAD_BYTES });
    } catch (err) {
      if (err instanceof SealedTooLargeError) throw tooLarge();
      if (err instanceof SealedTamperedError && onTampered) onTampered();
      if (body.destroyed && !body.readableEnded)
        throw new ValidationError('the upload was cut short by the client; nothing was stored');
      throw err;
    }
    if (expectedSha256 && expectedSha256 !== sealed.sha256) {
      await this.#discard(sealed);
      throw new ValidationError(
        `the file's sha-256 is ${sealed.sha256}, not the ${expectedSha256} its digest header gives; nothing was stored`,
      );
    }
    return { sealed, text: tee.text() };
  }

  async #commitVersion(
    caller: VaultCaller,
    documentId: string,
    sealed: SealedObject,
    mediaType: string,
    text: string | null,
    restoredFrom: number | null,
  ): Promise<DocumentAndVersion> {
    let result: DocumentAndVersion;
    try {
      result = await this.d.ctx.db.transaction(async (tx) => {
        const doc = await this.#requireDocument(tx, caller, documentId, 'WRITE');
        // version numbers are taken one writer at a time; a delete that committed meanwhile is seen once locked
        const locked = await this.d.repo.lockNodes(tx, [documentId]);
        if (locked.get(documentId)?.state !== 'ACTIVE') throw new NotFoundError('document', documentId);
        return this.#addVersion(tx, caller, doc, doc.level, sealed, mediaType, text, restoredFrom);
      });
    } catch (err) {
      await this.#discard(sealed);
      throw tryAgain(err, `the new version of document ${documentId} was not stored`);
    }
    await this.#enqueue(result.version.id);
    return result;
  }

  /** Inserts the version, makes it current, tells the stores and, last, audits (in the caller's transaction). */
  async #addVersion(
    tx: Queryable,
    caller: VaultCaller,
    doc: VaultNode,
    level: LeveledNode['level'],
    sealed: SealedObject,
    mediaType: string,
    text: string | null,
    restoredFrom: number | null,
  ): Promise<DocumentAndVersion> {
    const { repo, ctx } = this.d;
    const now = ctx.now();
    const actor = actorOf(caller.principal);
    const version = await repo.insertVersion(tx, {
      id: uuidv7(now),
      documentId: doc.id,
      versionNo: await repo.nextVersionNo(tx, doc.id),
      size: sealed.size,
      mediaType,
      sha256: sealed.sha256,
      blobKey: sealed.blobKey,
      wrappedKey: sealed.wrappedKey,
      kekId: sealed.kekId,
      scanState: ctx.settings.vault.scanner ? 'PENDING' : 'UNSCANNED',
      restoredFrom,
      createdBy: actor,
      now,
    });
    const node = await this.#setCurrent(tx, doc, version, text, now);
    await this.d.storeFeed.changed(tx, [doc.id]);
    // last: the trail's lock is held from here to the commit (see VaultAudit)
    await this.d.audit.append(tx, {
      actor,
      action: restoredFrom === null ? 'UPLOAD' : 'RESTORE_VERSION',
      nodeId: doc.id,
      versionId: version.id,
      detail: {
        name: doc.name,
        versionNo: version.versionNo,
        size: version.size,
        sha256: version.sha256,
        ...(restoredFrom === null ? {} : { restoredFrom }),
      },
      origin: caller.origin,
    });
    return { node: { ...node, level }, version };
  }

  /** `setCurrent`, falling back to a shorter text when a huge vocabulary would overflow the tsvector. */
  async #setCurrent(tx: Queryable, doc: VaultNode, version: StoredVersion, text: string | null, now: number) {
    if (text === null || text.length <= TEXT_FALLBACK_CHARS) return this.d.repo.setCurrent(tx, doc, version, text, now);
    await tx.query('SAVEPOINT vault_text');
    try {
      const node = await this.d.repo.setCurrent(tx, doc, version, text, now);
      await tx.query('RELEASE SAVEPOINT vault_text');
      return node;
    } catch (err) {
      if (!isTsvectorTooLong(err)) throw err;
      await tx.query('ROLLBACK TO SAVEPOINT vault_text');
      await tx.query('RELEASE SAVEPOINT vault_text');
      return this.d.repo.setCurrent(tx, doc, version, text.slice(0, TEXT_FALLBACK_CHARS), now);
    }
  }

  /** A sealed blob no version came to use (the transaction failed): removed, unless some version shares its bytes. */
  async #discard(sealed: SealedObject): Promise<void> {
    try {
      if (!(await this.d.repo.blobReferenced(this.d.ctx.db, sealed.blobKey)))
        await this.d.sealed.blobs.delete(sealed.blobKey);
    } catch (err) {
      this.d.ctx.log.warn({ err, blobKey: sealed.blobKey }, 'vault: could not remove the blob of a failed upload');
    }
  }

  /** After commit: the scan and thumbnail job. A failure leaves the version PENDING for the processing sweep. */
  async #enqueue(versionId: string): Promise<void> {
    try {
      await this.d.processing.enqueue(this.d.ctx.db, versionId);
    } catch (err) {
      this.d.ctx.log.error({ err, versionId }, 'vault: could not queue the scan of a new version');
    }
  }
}
