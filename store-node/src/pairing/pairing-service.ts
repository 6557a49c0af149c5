import { createHash, randomBytes, randomInt } from 'node:crypto';
import { AppError, NotFoundError, uuidv7 } from '@storefleet/shared';
import type { SqliteDb } from '../db/open-sqlite.js';

export const CODE_TTL_MS = 10 * 60_000;
/** Wrong codes tolerated while codes are open; then every open code is void (a LAN guesser gets ~10 tries in 10^6). */
export const MAX_WRONG_CODES = 10;

/** What a paired device may do: a handheld is a staff device; a kiosk reaches only the kiosk page and the customer API. */
export type DeviceRole = 'handheld' | 'kiosk';
export const DEVICE_ROLES: readonly DeviceRole[] = ['handheld', 'kiosk'];

export interface PairedDevice {
  readonly id: string;
  readonly name: string;
  readonly role: DeviceRole;
  readonly pairedAt: number;
  readonly revokedAt: number | null;
}

interface DeviceRow {
  id: string;
  name: string;
  role: DeviceRole;
  paired_at: number;
  revoked_at: number | null;
}
const toDevice = (r: DeviceRow): PairedDevice => ({
  id: r.id,
  name: r.name,
  role: r.role,
  pairedAt: r.paired_at,
  revokedAt: r.revoked_at,
});

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/**
 * Pairing of handhelds (and kiosks on the store's network) with this node: a screen the node trusts (its own machine)
 * shows a one-time 6-digit code minted for a role; the device sends it back with a name and gets a device token (kept
 * as a cookie) and keeps the code's role. Works offline; the hub is not asked.
 */
export class PairingService {
  #wrong = 0;

  constructor(
    readonly db: SqliteDb,
    readonly now: () => number,
  ) {}

  startPairing(role: DeviceRole = 'handheld'): { code: string; role: DeviceRole; expiresAt: number } {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const expiresAt = this.now() + CODE_TTL_MS;
    this.db
      .prepare('INSERT OR REPLACE INTO pairing_codes (code_hash, expires_at, used_at, role) VALUES (?, ?, NULL, ?)')
      .run(sha256(code), expiresAt, role);
    return { code, role, expiresAt };
  }

  pair(code: string, name: string): { device: PairedDevice; token: string } {
    const now = this.now();
    const paired = this.db.transaction(() => {
      const row = this.db
        .prepare('SELECT expires_at, used_at, role FROM pairing_codes WHERE code_hash = ?')
        .get(sha256(code)) as { expires_at: number; used_at: number | null; role: DeviceRole } | undefined;
      if (!row || row.used_at !== null || row.expires_at <= now) return undefined;
      this.db.prepare('UPDATE pairing_codes SET used_at = ? WHERE code_hash = ?').run(now, sha256(code));
      const token = randomBytes(32).toString('base64url');
      const device: PairedDevice = { id: uuidv7(now), name, role: row.role, pairedAt: now, revokedAt: null };
      this.db
        .prepare('INSERT INTO paired_devices (id, name, role, token_hash, paired_at) VALUES (?, ?, ?, ?, ?)')
        .run(device.id, name, device.role, sha256(token), now);
      return { device, token };
    })();
    if (paired) return paired;
    if (++this.#wrong >= MAX_WRONG_CODES) {
      this.db.prepare('UPDATE pairing_codes SET used_at = ? WHERE used_at IS NULL').run(now);
      this.#wrong = 0;
    }
    throw new AppError(
      'unauthorized',
      'that pairing code is wrong, used or expired; ask for a new one on the store’s own screen',
    );
  }

  /** The device holding this token, unless it was revoked. */
  deviceFor(token: string): PairedDevice | undefined {
    const r = this.db
      .prepare(
        'SELECT id, name, role, paired_at, revoked_at FROM paired_devices WHERE token_hash = ? AND revoked_at IS NULL',
      )
      .get(sha256(token)) as DeviceRow | undefined;
    return r && toDevice(r);
  }

  list(): PairedDevice[] {
    return (
      this.db
        .prepare('SELECT id, name, role, paired_at, revoked_at FROM paired_devices ORDER BY paired_at')
        .all() as DeviceRow[]
    ).map(toDevice);
  }

  revoke(id: string): PairedDevice {
    const changed = this.db
      .prepare('UPDATE paired_devices SET revoked_at = coalesce(revoked_at, ?) WHERE id = ?')
      .run(this.now(), id).changes;
    if (!changed) throw new NotFoundError('paired device', id);
    return this.list().find((d) => d.id === id)!;
  }
}
