import type { Db, Queryable } from '../db/db.js';

/** A store's registered client certificate as the hub keeps it (never its key; not even its PEM). */
export interface StoreCertificate {
  readonly storeId: string;
  /** sha256 of the DER, lower-case hex without colons. */
  readonly fingerprint: string;
  readonly subject: string;
  readonly issuer: string;
  readonly serial: string;
  readonly notBefore: number;
  readonly notAfter: number;
  readonly registeredAt: number;
  readonly registeredBy: string | null;
}

interface CertificateRow {
  store_id: string;
  fingerprint: string;
  subject: string;
  issuer: string;
  serial: string;
  not_before: number;
  not_after: number;
  registered_at: number;
  registered_by: string | null;
}

const toCertificate = (r: CertificateRow): StoreCertificate => ({
  storeId: r.store_id,
  fingerprint: r.fingerprint,
  subject: r.subject,
  issuer: r.issuer,
  serial: r.serial,
  notBefore: Number(r.not_before),
  notAfter: Number(r.not_after),
  registeredAt: Number(r.registered_at),
  registeredBy: r.registered_by,
});

/** All SQL of the stores' client certificates (core/schema/004_store_certificates.sql). */
export class StoreCertificatesRepository {
  constructor(readonly db: Db) {}

  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
    return this.db.transaction(fn);
  }

  /** Takes the store's policy row (made when missing) for the rest of `tx`: one change of a store's set at a time. */
  async lockStore(tx: Queryable, storeId: string, now: number): Promise<{ required: boolean }> {
    await tx.query(
      `INSERT INTO store_certificate_policy (store_id, required, updated_at) VALUES ($1, false, $2)
       ON CONFLICT (store_id) DO NOTHING`,
      [storeId, now],
    );
    const { rows } = await tx.query<{ required: boolean }>(
      'SELECT required FROM store_certificate_policy WHERE store_id = $1 FOR UPDATE',
      [storeId],
    );
    return { required: rows[0]?.required === true };
  }

  async list(q: Queryable, storeId: string): Promise<StoreCertificate[]> {
    const { rows } = await q.query<CertificateRow>(
      'SELECT * FROM store_certificates WHERE store_id = $1 ORDER BY not_after DESC, fingerprint',
      [storeId],
    );
    return rows.map(toCertificate);
  }

  /** `q`: the transaction when called inside one (PGlite has one connection: a query beside it would wait forever). */
  async byFingerprint(q: Queryable, fingerprint: string): Promise<StoreCertificate | undefined> {
    const { rows } = await q.query<CertificateRow>('SELECT * FROM store_certificates WHERE fingerprint = $1', [
      fingerprint,
    ]);
    return rows[0] ? toCertificate(rows[0]) : undefined;
  }

  async insert(tx: Queryable, c: StoreCertificate): Promise<void> {
    await tx.query(
      `INSERT INTO store_certificates
         (store_id, fingerprint, subject, issuer, serial, not_before, not_after, registered_at, registered_by)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
      [
        c.storeId,
        c.fingerprint,
        c.subject,
        c.issuer,
        c.serial,
        c.notBefore,
        c.notAfter,
        c.registeredAt,
        c.registeredBy,
      ],
    );
  }

  async delete(tx: Queryable, storeId: string, fingerprint: string): Promise<boolean> {
    const { rowCount } = await tx.query('DELETE FROM store_certificates WHERE store_id = $1 AND fingerprint = $2', [
      storeId,
      fingerprint,
    ]);
    return rowCount > 0;
  }

  async setRequired(tx: Queryable, storeId: string, required: boolean, now: number): Promise<void> {
    await tx.query('UPDATE store_certificate_policy SET required = $2, updated_at = $3 WHERE store_id = $1', [
      storeId,
      required,
      now,
    ]);
  }

  async required(storeId: string): Promise<boolean> {
    const { rows } = await this.db.query<{ required: boolean }>(
      'SELECT required FROM store_certificate_policy WHERE store_id = $1',
      [storeId],
    );
    return rows[0]?.required === true;
  }
}
