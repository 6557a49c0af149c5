import type { StoreId, UserId } from '@storefleet/shared';
import type { Db } from '../db/db.js';
import type { Role } from '../kernel/principal.js';
import { KNOWN_ADDRESS_MS, type AttemptLimit } from './rate-limit.js';

export interface User {
  readonly id: UserId;
  readonly email: string;
  readonly name: string;
  readonly role: Role;
  readonly storeId: StoreId | null;
  readonly disabled: boolean;
  readonly createdAt: number;
}

interface UserRow {
  id: string;
  email: string;
  name: string;
  role: Role;
  store_id: string | null;
  disabled: boolean;
  created_at: number;
  password_hash: string;
}

const toUser = (r: UserRow): User => ({
  id: r.id as UserId,
  email: r.email,
  name: r.name,
  role: r.role,
  storeId: r.store_id as StoreId | null,
  disabled: r.disabled,
  createdAt: r.created_at,
});

/** A console session as the hub keeps it: its person and its times (epoch ms). */
export interface SessionWithUser {
  readonly user: User;
  readonly createdAt: number;
  readonly expiresAt: number;
  readonly lastSeenAt: number;
}

/** The answer to a reservation: granted, or refused by `limit`, whose attempts in the window were `attempts`. */
export type Reservation =
  | { readonly granted: true }
  | { readonly granted: false; readonly limit: AttemptLimit; readonly attempts: number[] };

class Refused extends Error {
  constructor(readonly reservation: Reservation & { granted: false }) {
    super('sign-in attempt refused');
  }
}

/**
 * Reserves one attempt under a key in one statement: the upsert takes the key's row (concurrent attempts on the key
 * wait for each other), drops attempts that left the window, and adds this one only while fewer than `max` remain.
 * `granted` is false when the row was full; `attempts` is then the row as it was.
 */
const RESERVE = `
  WITH kept AS (
    INSERT INTO sign_in_attempts AS a (key, attempts) VALUES ($1, ARRAY[$2::bigint])
    ON CONFLICT (key) DO UPDATE
      SET attempts = ARRAY(SELECT t FROM unnest(a.attempts) t WHERE t > $3::bigint ORDER BY t) || $2::bigint
      WHERE (SELECT count(*) FROM unnest(a.attempts) t WHERE t > $3::bigint) < $4::int
    RETURNING key
  )
  SELECT EXISTS (SELECT 1 FROM kept) AS granted, (SELECT attempts FROM sign_in_attempts WHERE key = $1) AS attempts`;

export class AuthRepository {
  constructor(readonly db: Db) {}

  async insertUser(u: Omit<User, 'disabled'>, passwordHash: string): Promise<User | undefined> {
    const { rows } = await this.db.query<UserRow>(
      `INSERT INTO users (id, email, name, role, store_id, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (email) DO NOTHING RETURNING *`,
      [u.id, u.email, u.name, u.role, u.storeId, passwordHash, u.createdAt],
    );
    return rows[0] && toUser(rows[0]);
  }

  async userByEmail(email: string): Promise<{ user: User; passwordHash: string } | undefined> {
    const { rows } = await this.db.query<UserRow>('SELECT * FROM users WHERE email = $1', [email]);
    const r = rows[0];
    return r && { user: toUser(r), passwordHash: r.password_hash };
  }

  async userById(id: string): Promise<User | undefined> {
    const { rows } = await this.db.query<UserRow>('SELECT * FROM users WHERE id = $1', [id]);
    return rows[0] && toUser(rows[0]);
  }

  /** Every account, or (with `scope`) one store's accounts of one role: a manager's staff list. */
  async listUsers(scope?: { storeId: string; role: Role }): Promise<User[]> {
    const { rows } = scope
      ? await this.db.query<UserRow>('SELECT * FROM users WHERE store_id = $1 AND role = $2 ORDER BY email', [
          scope.storeId,
          scope.role,
        ])
      : await this.db.query<UserRow>('SELECT * FROM users ORDER BY email');
    return rows.map(toUser);
  }

  /** Changes a user's disabled flag and/or password hash and ends all their sessions, in one statement. */
  async updateUser(id: string, change: { disabled?: boolean; passwordHash?: string }): Promise<User | undefined> {
    const { rows } = await this.db.query<UserRow>(
      `WITH u AS (UPDATE users SET disabled = coalesce($2, disabled), password_hash = coalesce($3, password_hash) WHERE id = $1 RETURNING *),
       s AS (DELETE FROM sessions WHERE user_id IN (SELECT id FROM u))
       SELECT * FROM u`,
      [id, change.disabled ?? null, change.passwordHash ?? null],
    );
    return rows[0] && toUser(rows[0]);
  }

  async insertSession(tokenHash: string, userId: string, now: number, expiresAt: number): Promise<void> {
    await this.db.query(
      'INSERT INTO sessions (token_hash, user_id, created_at, expires_at, last_seen_at) VALUES ($1, $2, $3, $4, $3)',
      [tokenHash, userId, now, expiresAt],
    );
  }

  /**
   * The session under `tokenHash` with its user (whatever its expiry: the caller says which limit ended it), or
   * undefined when there is none or its user is disabled.
   */
  async sessionOf(tokenHash: string): Promise<SessionWithUser | undefined> {
    const { rows } = await this.db.query<UserRow & { s_created_at: number; expires_at: number; last_seen_at: number }>(
      `SELECT u.*, s.created_at AS s_created_at, s.expires_at, s.last_seen_at
       FROM sessions s JOIN users u ON u.id = s.user_id
       WHERE s.token_hash = $1 AND NOT u.disabled`,
      [tokenHash],
    );
    const r = rows[0];
    return (
      r && {
        user: toUser(r),
        createdAt: Number(r.s_created_at),
        expiresAt: Number(r.expires_at),
        lastSeenAt: Number(r.last_seen_at),
      }
    );
  }

  /** Records that the session was used at `now`, unless that was already said within `everyMs` (one write a minute). */
  async touchSession(tokenHash: string, now: number, everyMs: number): Promise<void> {
    await this.db.query('UPDATE sessions SET last_seen_at = $2 WHERE token_hash = $1 AND last_seen_at <= $3', [
      tokenHash,
      now,
      now - everyMs,
    ]);
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.db.query('DELETE FROM sessions WHERE token_hash = $1', [tokenHash]);
  }

  /**
   * Reserves an attempt at `at` under every limit, all or none, before any password is checked: a burst of concurrent
   * attempts gets at most each limit's `maxAttempts` through. The first full limit refuses (and nothing is kept).
   */
  async reserveAttempt(limits: readonly AttemptLimit[], at: number): Promise<Reservation> {
    try {
      await this.db.transaction(async (tx) => {
        for (const limit of limits) {
          const { rows } = await tx.query<{ granted: boolean; attempts: (number | string)[] | null }>(RESERVE, [
            limit.key,
            at,
            at - limit.windowMs,
            limit.maxAttempts,
          ]);
          const row = rows[0]!;
          if (!row.granted) throw new Refused({ granted: false, limit, attempts: (row.attempts ?? []).map(Number) });
        }
      });
      return { granted: true };
    } catch (err) {
      if (err instanceof Refused) return err.reservation;
      throw err;
    }
  }

  /** Gives back the attempt reserved at `at` under `key` (one of them, if several share the millisecond). */
  async giveBackAttempt(key: string, at: number): Promise<void> {
    await this.db.query(
      `UPDATE sign_in_attempts
       SET attempts = attempts[:array_position(attempts, $2::bigint) - 1] || attempts[array_position(attempts, $2::bigint) + 1:]
       WHERE key = $1 AND $2::bigint = ANY (attempts)`,
      [key, at],
    );
  }

  /** Forgets every attempt under `key` (an account's failures, after it signed in). */
  async clearAttempts(key: string): Promise<void> {
    await this.db.query('DELETE FROM sign_in_attempts WHERE key = $1', [key]);
  }

  /** Whether `account` signed in successfully from `address` (an addressKey) at or after `since`. */
  async isKnownAddress(account: string, address: string, since: number): Promise<boolean> {
    const { rows } = await this.db.query(
      'SELECT 1 FROM sign_in_known_addresses WHERE account = $1 AND address = $2 AND last_success_at >= $3',
      [account, address, since],
    );
    return rows.length > 0;
  }

  /** Records a successful sign-in of `account` from `address` (an addressKey) at `at`. */
  async rememberAddress(account: string, address: string, at: number): Promise<void> {
    await this.db.query(
      `INSERT INTO sign_in_known_addresses (account, address, last_success_at) VALUES ($1, $2, $3)
       ON CONFLICT (account, address) DO UPDATE SET last_success_at = GREATEST(sign_in_known_addresses.last_success_at, EXCLUDED.last_success_at)`,
      [account, address, at],
    );
  }

  /** Returns the named secret, creating it with `candidate` if no replica has yet; every replica gets the same. */
  async secret(name: string, candidate: string, now: number): Promise<string> {
    await this.db.query(
      'INSERT INTO hub_secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING',
      [name, candidate, now],
    );
    const { rows } = await this.db.query<{ value: string }>('SELECT value FROM hub_secrets WHERE name = $1', [name]);
    return rows[0]!.value;
  }

  /**
   * Drops ended sessions (past their absolute expiry, or unused for `idleMs`), limit rows whose attempts are all at or before `attemptsBefore`, and known sign-in
   * addresses not used for KNOWN_ADDRESS_MS.
   */
  async purgeExpired(now: number, attemptsBefore: number, idleMs = Number.POSITIVE_INFINITY): Promise<void> {
    await this.db.query('DELETE FROM sessions WHERE expires_at <= $1 OR last_seen_at <= $2', [
      now,
      Number.isFinite(idleMs) ? now - idleMs : 0,
    ]);
    await this.db.query('DELETE FROM sign_in_known_addresses WHERE last_success_at < $1', [now - KNOWN_ADDRESS_MS]);
    await this.db.query(
      'DELETE FROM sign_in_attempts WHERE NOT EXISTS (SELECT 1 FROM unnest(attempts) t WHERE t > $1::bigint)',
      [attemptsBefore],
    );
  }
}
