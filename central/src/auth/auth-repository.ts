import type { StoreId, UserId } from '@storefleet/shared';
import type { Queryable } from '../db/db.js';
import type { Role } from '../http/principal.js';

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

export class AuthRepository {
  constructor(readonly db: Queryable) {}

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

  async listUsers(): Promise<User[]> {
    const { rows } = await this.db.query<UserRow>('SELECT * FROM users ORDER BY email');
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
    await this.db.query('INSERT INTO sessions (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)', [
      tokenHash,
      userId,
      now,
      expiresAt,
    ]);
  }

  async userBySession(tokenHash: string, now: number): Promise<User | undefined> {
    const { rows } = await this.db.query<UserRow>(
      `SELECT u.* FROM sessions s JOIN users u ON u.id = s.user_id
       WHERE s.token_hash = $1 AND s.expires_at > $2 AND NOT u.disabled`,
      [tokenHash, now],
    );
    return rows[0] && toUser(rows[0]);
  }

  async deleteSession(tokenHash: string): Promise<void> {
    await this.db.query('DELETE FROM sessions WHERE token_hash = $1', [tokenHash]);
  }

  async recordFailure(keys: readonly string[], at: number): Promise<void> {
    for (const key of keys) await this.db.query('INSERT INTO auth_failures (key, at) VALUES ($1, $2)', [key, at]);
  }

  async failureTimes(key: string, since: number): Promise<number[]> {
    const { rows } = await this.db.query<{ at: number }>('SELECT at FROM auth_failures WHERE key = $1 AND at > $2', [key, since]);
    return rows.map((r) => r.at);
  }

  async clearFailures(key: string): Promise<void> {
    await this.db.query('DELETE FROM auth_failures WHERE key = $1', [key]);
  }

  /** Returns the named secret, creating it with `candidate` if no replica has yet; every replica gets the same. */
  async secret(name: string, candidate: string, now: number): Promise<string> {
    await this.db.query('INSERT INTO hub_secrets (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING', [
      name,
      candidate,
      now,
    ]);
    const { rows } = await this.db.query<{ value: string }>('SELECT value FROM hub_secrets WHERE name = $1', [name]);
    return rows[0]!.value;
  }

  async purgeExpired(now: number, failuresBefore: number): Promise<void> {
    await this.db.query('DELETE FROM sessions WHERE expires_at <= $1', [now]);
    await this.db.query('DELETE FROM auth_failures WHERE at <= $1', [failuresBefore]);
  }
}
