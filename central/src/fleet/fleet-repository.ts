import type { StoreId } from '@storefleet/shared';
import type { Queryable } from '../db/db.js';
import type { Location, LocationKind, NewLocation } from './types.js';

interface LocationRow {
  id: string;
  code: string;
  name: string;
  kind: LocationKind;
  lat: number;
  lon: number;
  timezone: string;
  created_at: number;
  updated_at: number;
}

const COLUMNS = 'id, code, name, kind, lat, lon, timezone, created_at, updated_at';

function toLocation(r: LocationRow): Location {
  return {
    id: r.id as StoreId,
    code: r.code,
    name: r.name,
    kind: r.kind,
    lat: r.lat,
    lon: r.lon,
    timezone: r.timezone,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

export class FleetRepository {
  constructor(readonly db: Queryable) {}

  /** Inserts unless the code is taken; undefined then. */
  async insert(id: string, loc: NewLocation, secretHash: string | null, now: number): Promise<Location | undefined> {
    const { rows } = await this.db.query<LocationRow>(
      `INSERT INTO locations (id, code, name, kind, lat, lon, timezone, secret_hash, created_at, updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)
       ON CONFLICT (code) DO NOTHING RETURNING ${COLUMNS}`,
      [id, loc.code, loc.name, loc.kind, loc.lat, loc.lon, loc.timezone ?? 'UTC', secretHash, now],
    );
    return rows[0] && toLocation(rows[0]);
  }

  async get(id: string): Promise<Location | undefined> {
    const { rows } = await this.db.query<LocationRow>(`SELECT ${COLUMNS} FROM locations WHERE id = $1`, [id]);
    return rows[0] && toLocation(rows[0]);
  }

  async list(kind: LocationKind | undefined, limit: number, afterCode: string | undefined): Promise<Location[]> {
    const { rows } = await this.db.query<LocationRow>(
      `SELECT ${COLUMNS} FROM locations
       WHERE ($1::text IS NULL OR kind = $1) AND ($2::text IS NULL OR code > $2)
       ORDER BY code LIMIT $3`,
      [kind ?? null, afterCode ?? null, limit],
    );
    return rows.map(toLocation);
  }

  async update(
    id: string,
    patch: Partial<Pick<Location, 'name' | 'lat' | 'lon' | 'timezone'>>,
    now: number,
  ): Promise<Location | undefined> {
    const { rows } = await this.db.query<LocationRow>(
      `UPDATE locations SET name = COALESCE($2, name), lat = COALESCE($3, lat), lon = COALESCE($4, lon),
         timezone = COALESCE($5, timezone), updated_at = $6
       WHERE id = $1 RETURNING ${COLUMNS}`,
      [id, patch.name ?? null, patch.lat ?? null, patch.lon ?? null, patch.timezone ?? null, now],
    );
    return rows[0] && toLocation(rows[0]);
  }

  async credential(id: string): Promise<{ secretHash: string | null; version: number } | undefined> {
    const { rows } = await this.db.query<{ secret_hash: string | null; credential_version: number }>(
      'SELECT secret_hash, credential_version FROM locations WHERE id = $1',
      [id],
    );
    const r = rows[0];
    return r && { secretHash: r.secret_hash, version: r.credential_version };
  }

  /**
   * Rewrites the hash of the same credential in another form (no version bump: tokens stay valid), only while the
   * stored hash is still `from` — a rotation in between wins.
   */
  async replaceSecretHash(id: string, from: string, to: string): Promise<void> {
    await this.db.query('UPDATE locations SET secret_hash = $3 WHERE id = $1 AND secret_hash = $2', [id, from, to]);
  }

  /** Replaces the credential and bumps its version, which revokes every token issued under the old one. */
  async rotateCredential(id: string, secretHash: string, now: number): Promise<boolean> {
    const res = await this.db.query(
      `UPDATE locations SET secret_hash = $2, credential_version = credential_version + 1, updated_at = $3
       WHERE id = $1 AND kind = 'STORE'`,
      [id, secretHash, now],
    );
    return res.rowCount === 1;
  }
}
