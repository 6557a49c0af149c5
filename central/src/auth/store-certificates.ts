import { X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import {
  AppError,
  ConflictError,
  NotFoundError,
  UnauthorizedError,
  UnprocessableError,
  ValidationError,
} from '@storefleet/shared';
import type { Db } from '../db/db.js';
import type { EdgeSettings } from '../kernel/edge/edge-settings.js';
import type { AuthService } from './auth-service.js';
import { StoreCertificatesRepository, type StoreCertificate } from './store-certificates-repository.js';

/** At most this many unexpired certificates per store: the one in use, the next one, one spare. */
export const MAX_ACTIVE_CERTIFICATES = 3;

const CLIENT_AUTH = '1.3.6.1.5.5.7.3.2';

/** What the TLS connection says of the client's certificate (the request's socket). */
export interface PeerCertificate {
  /** A certificate was presented. */
  readonly present: boolean;
  /** It chains to TLS_CLIENT_CA_FILE's CA and is within its dates (node's `socket.authorized`). */
  readonly authorized: boolean;
  /** Why not, in node's words (CERT_HAS_EXPIRED, UNABLE_TO_VERIFY_LEAF_SIGNATURE …). */
  readonly error?: string | undefined;
  /** sha256 of the DER, lower-case hex. */
  readonly fingerprint?: string | undefined;
}

/** `AA:BB:…` (node's form) → `aabb…`. */
export const normalFingerprint = (f: string): string => f.replace(/:/g, '').toLowerCase();

/** A registered certificate as the API answers it. */
export type StoreCertificateAnswer = Omit<StoreCertificate, 'registeredBy'> & { readonly expired: boolean };

/**
 * Stores' client certificates (issue #27, mutual TLS). An ADMIN registers a store's certificate (it must chain to the
 * client CA, be a client certificate and be unexpired; at most 3 unexpired per store); a store presenting a registered
 * one on its TLS connection trades it for a token without its secret; a store whose policy is `required` may not
 * trade its secret at all (AuthService.hooks.secretRefused). Rotating: register the new one, the store switches,
 * delete the old one — both are accepted in between. Tokens already issued live out their hour (as with a secret).
 */
export class StoreCertificates {
  readonly repo: StoreCertificatesRepository;
  #clientCa: Promise<X509Certificate | undefined> | undefined;

  constructor(
    db: Db,
    readonly auth: AuthService,
    readonly edge: EdgeSettings,
  ) {
    this.repo = new StoreCertificatesRepository(db);
  }

  /** TLS_CLIENT_CA_FILE's CA, or undefined when mutual TLS is off (read once; the server's start checked it). */
  clientCa(): Promise<X509Certificate | undefined> {
    const file = this.edge.tls?.clientCaFile;
    this.#clientCa ??= file
      ? readFile(file).then(
          (pem) => new X509Certificate(pem),
          () => undefined,
        )
      : Promise.resolve(undefined);
    return this.#clientCa;
  }

  async #mutualTls(): Promise<X509Certificate> {
    const ca = await this.clientCa();
    if (!ca)
      throw new AppError('not-found', 'mutual TLS is not set up at this hub (no TLS_CLIENT_CA_FILE): use the secret');
    return ca;
  }

  async #store(storeId: string): Promise<string> {
    const loc = await this.auth.fleet.get(storeId);
    if (loc.kind !== 'STORE') throw new ConflictError(`location ${storeId} is a ${loc.kind}, not a store`);
    return loc.id;
  }

  #answer(c: StoreCertificate): StoreCertificateAnswer {
    const { registeredBy: _by, ...rest } = c;
    return { ...rest, expired: c.notAfter <= this.auth.now() };
  }

  /** Registers `pem` for the store (201); refuses text that is not one PEM certificate (400), or one it cannot take. */
  async register(storeId: string, pem: string, by: string | null): Promise<StoreCertificateAnswer> {
    const ca = await this.#mutualTls();
    const id = await this.#store(storeId);
    if (/PRIVATE KEY-----/.test(pem))
      throw new ValidationError(
        'the text holds a private key: send the certificate only, and keep the key at the store',
      );
    const blocks = pem.match(/-----BEGIN CERTIFICATE-----/g)?.length ?? 0;
    if (blocks !== 1)
      throw new ValidationError('pem must hold exactly one PEM certificate (-----BEGIN CERTIFICATE-----)');
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(pem);
    } catch {
      throw new ValidationError('pem is not a readable PEM certificate');
    }
    const now = this.auth.now();
    if (!cert.checkIssued(ca) || !cert.verify(ca.publicKey))
      throw new UnprocessableError(`the certificate (${cert.subject}) is not signed by this hub's client CA`);
    if (cert.ca) throw new UnprocessableError('the certificate is a CA certificate, not a store’s');
    if (cert.keyUsage && !cert.keyUsage.includes(CLIENT_AUTH))
      throw new UnprocessableError('the certificate is not for client authentication (extendedKeyUsage clientAuth)');
    const notBefore = Date.parse(cert.validFrom);
    const notAfter = Date.parse(cert.validTo);
    if (notAfter <= now) throw new UnprocessableError(`the certificate expired at ${cert.validTo}`);
    if (notBefore > now) throw new UnprocessableError(`the certificate is valid only from ${cert.validFrom}`);
    const entry: StoreCertificate = {
      storeId: id,
      fingerprint: normalFingerprint(cert.fingerprint256),
      subject: cert.subject.replace(/\n/g, ', '),
      issuer: cert.issuer.replace(/\n/g, ', '),
      serial: cert.serialNumber.toLowerCase(),
      notBefore,
      notAfter,
      registeredAt: now,
      registeredBy: by,
    };
    await this.repo.transaction(async (tx) => {
      await this.repo.lockStore(tx, id, now);
      const elsewhere = await this.repo.byFingerprint(tx, entry.fingerprint);
      if (elsewhere)
        throw new ConflictError(
          elsewhere.storeId === id
            ? 'this certificate is already registered for the store'
            : 'this certificate is registered for another store',
          { fingerprint: entry.fingerprint },
        );
      const active = (await this.repo.list(tx, id)).filter((c) => c.notAfter > now);
      if (active.length >= MAX_ACTIVE_CERTIFICATES)
        throw new ConflictError(
          `store ${id} has ${active.length} unexpired certificates already (at most ${MAX_ACTIVE_CERTIFICATES}); delete one first`,
        );
      await this.repo.insert(tx, entry);
    });
    return this.#answer(entry);
  }

  async list(storeId: string): Promise<{ items: StoreCertificateAnswer[]; required: boolean }> {
    const id = await this.#store(storeId);
    const items = await this.repo.list(this.repo.db, id);
    return { items: items.map((c) => this.#answer(c)), required: await this.repo.required(id) };
  }

  /** Deletes one; the last unexpired one of a store whose policy is `required` is refused (409), or it is locked out. */
  async remove(storeId: string, fingerprint: string): Promise<void> {
    const id = await this.#store(storeId);
    const fp = normalFingerprint(fingerprint);
    const now = this.auth.now();
    await this.repo.transaction(async (tx) => {
      const { required } = await this.repo.lockStore(tx, id, now);
      const all = await this.repo.list(tx, id);
      if (!all.some((c) => c.fingerprint === fp)) throw new NotFoundError('certificate', fp);
      if (required && !all.some((c) => c.fingerprint !== fp && c.notAfter > now))
        throw new ConflictError(
          `store ${id} must present a certificate and this is its last valid one: register another first, or set required false`,
        );
      await this.repo.delete(tx, id, fp);
    });
  }

  /** Sets whether the store must present its certificate; `required` with no unexpired certificate is refused (409). */
  async setPolicy(storeId: string, required: boolean): Promise<{ storeId: string; required: boolean }> {
    const id = await this.#store(storeId);
    if (required) await this.#mutualTls();
    const now = this.auth.now();
    await this.repo.transaction(async (tx) => {
      await this.repo.lockStore(tx, id, now);
      if (required && !(await this.repo.list(tx, id)).some((c) => c.notAfter > now))
        throw new ConflictError(`store ${id} has no valid certificate registered: register one before requiring it`);
      await this.repo.setRequired(tx, id, required, now);
    });
    return { storeId: id, required };
  }

  /** For AuthService.hooks.secretRefused: why the store may not trade its secret, or undefined. */
  async secretRefused(storeId: string): Promise<string | undefined> {
    return (await this.repo.required(storeId))
      ? `store ${storeId} must present its client certificate (its certificate policy is required); the secret is refused`
      : undefined;
  }

  /**
   * A token for `storeId` when the connection's certificate is authorized by the client CA and registered, unexpired,
   * for that store; 401 saying why otherwise (404 when the hub has no client CA, so a store falls back to its secret).
   */
  async token(storeId: string, peer: PeerCertificate): Promise<{ token: string; expiresAt: number }> {
    await this.#mutualTls();
    const id = storeId.toLowerCase();
    if (!peer.present || !peer.fingerprint)
      throw new UnauthorizedError('no client certificate was presented on this connection');
    if (!peer.authorized)
      throw new UnauthorizedError(
        `the client certificate is not accepted: ${peer.error ?? 'not signed by the client CA'}`,
      );
    const now = this.auth.now();
    const found = await this.repo.byFingerprint(this.repo.db, normalFingerprint(peer.fingerprint));
    if (!found || found.storeId !== id || found.notAfter <= now)
      throw new UnauthorizedError(`this client certificate is not registered for store ${id}`);
    const version = await this.auth.fleet.credentialVersion(id);
    if (version === undefined) throw new UnauthorizedError(`store ${id} has no credential at this hub`);
    return this.auth.tokens.issue(id, version, now, this.auth.settings.storeTokenTtlSeconds);
  }
}

/**
 * `AuthService.hooks.secretRefused` for the hub (one line in hub.ts): a store whose certificate policy is `required`
 * may not trade its secret for a token.
 */
export function secretRefusedByCertificatePolicy(
  db: Db,
  auth: AuthService,
  edge: EdgeSettings,
): (storeId: string) => Promise<string | undefined> {
  const certs = new StoreCertificates(db, auth, edge);
  return (storeId) => certs.secretRefused(storeId);
}
