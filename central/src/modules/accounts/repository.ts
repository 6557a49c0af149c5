import { uuidv7 } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import { announceSessionsEnded } from '../../kernel/live-sessions.js';
import type { RateLimitPolicy } from '../../kernel/rate-limit.js';
import type { AccountRow, AccountSummary, OneTimePurpose, OutboxMail, OutboxState } from './types.js';

interface AccountDbRow {
  customer_id: string;
  email: string | null;
  password_hash: string | null;
  guest: boolean;
  created_at: number | string;
  last_sign_in_at: number | string | null;
}

const toAccount = (r: AccountDbRow): AccountRow => ({
  customerId: r.customer_id,
  email: r.email,
  passwordHash: r.password_hash,
  guest: r.guest,
  createdAt: Number(r.created_at),
  lastSignInAt: r.last_sign_in_at === null ? null : Number(r.last_sign_in_at),
});

/**
 * One attempt reserved under a key, or nothing: the row keeps the attempts inside the window (older ones dropped as it
 * is written) plus this one, only while fewer than the limit are inside it. ON CONFLICT takes the row's lock, so a
 * concurrent attempt on the same key waits and then sees this one. The SELECT reads the full row for Retry-After.
 */
const RESERVE = `
  WITH kept AS (
    INSERT INTO customer_sign_in_attempts AS a (key, attempts) VALUES ($1, ARRAY[$2::bigint])
    ON CONFLICT (key) DO UPDATE
      SET attempts = ARRAY(SELECT t FROM unnest(a.attempts) t WHERE t > $3::bigint ORDER BY t) || $2::bigint
      WHERE (SELECT count(*) FROM unnest(a.attempts) t WHERE t > $3::bigint) < $4::int
    RETURNING key
  )
  SELECT EXISTS (SELECT 1 FROM kept) AS granted,
         (SELECT attempts FROM customer_sign_in_attempts WHERE key = $1) AS attempts`;

const iso = (ms: number | string | null) => (ms === null ? null : new Date(Number(ms)).toISOString());

/** All SQL of customers' accounts: credentials, sessions, one-time secrets, the e-mail outbox, sign-in attempts. */
export class AccountRepository {
  constructor(readonly db: Queryable) {}

  async create(a: Omit<AccountRow, 'lastSignInAt'>): Promise<void> {
    await this.db.query(
      `INSERT INTO customer_accounts (customer_id, email, password_hash, guest, created_at) VALUES ($1, $2, $3, $4, $5)`,
      [a.customerId, a.email, a.passwordHash, a.guest, a.createdAt],
    );
  }

  async byEmail(email: string): Promise<AccountRow | undefined> {
    const { rows } = await this.db.query<AccountDbRow>('SELECT * FROM customer_accounts WHERE email = $1', [email]);
    return rows[0] && toAccount(rows[0]);
  }

  async byId(customerId: string): Promise<AccountRow | undefined> {
    const { rows } = await this.db.query<AccountDbRow>('SELECT * FROM customer_accounts WHERE customer_id = $1', [
      customerId,
    ]);
    return rows[0] && toAccount(rows[0]);
  }

  async setPassword(customerId: string, passwordHash: string): Promise<void> {
    await this.db.query('UPDATE customer_accounts SET password_hash = $2 WHERE customer_id = $1', [
      customerId,
      passwordHash,
    ]);
  }

  /** A guest who signs up keeps their customer id (and cart): the row becomes an account with an e-mail. */
  async upgradeGuest(customerId: string, email: string, passwordHash: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      `UPDATE customer_accounts SET email = $2, password_hash = $3, guest = false WHERE customer_id = $1 AND guest`,
      [customerId, email, passwordHash],
    );
    return (rowCount ?? 0) > 0;
  }

  async signedIn(customerId: string, at: number): Promise<void> {
    await this.db.query('UPDATE customer_accounts SET last_sign_in_at = $2 WHERE customer_id = $1', [customerId, at]);
  }

  async search(q: string, limit: number, now: number): Promise<AccountSummary[]> {
    const { rows } = await this.db.query<AccountDbRow & { active: number | string }>(
      `SELECT a.*, (SELECT count(*) FROM customer_sessions s
                     WHERE s.customer_id = a.customer_id AND s.ended_at IS NULL AND s.expires_at > $3) AS active
         FROM customer_accounts a
        WHERE NOT a.guest AND strpos(a.email, $1) > 0
        ORDER BY a.email LIMIT $2`,
      [q, limit, now],
    );
    return rows.map((r) => ({
      customerId: r.customer_id,
      email: r.email,
      guest: r.guest,
      activeSessions: Number(r.active),
      lastSignInAt: iso(r.last_sign_in_at),
      createdAt: iso(r.created_at)!,
    }));
  }

  async startSession(customerId: string, tokenHash: string, now: number, expiresAt: number): Promise<string> {
    const id = uuidv7();
    await this.db.query(
      'INSERT INTO customer_sessions (id, customer_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)',
      [id, customerId, tokenHash, now, expiresAt],
    );
    return id;
  }

  /** The live session a token's hash names: not ended, not expired. */
  async sessionByHash(tokenHash: string, now: number): Promise<{ id: string; customerId: string } | undefined> {
    const { rows } = await this.db.query<{ id: string; customer_id: string }>(
      'SELECT id, customer_id FROM customer_sessions WHERE token_hash = $1 AND ended_at IS NULL AND expires_at > $2',
      [tokenHash, now],
    );
    return rows[0] && { id: rows[0].id, customerId: rows[0].customer_id };
  }

  async endSession(sessionId: string, now: number): Promise<void> {
    await this.db.query('UPDATE customer_sessions SET ended_at = $2 WHERE id = $1 AND ended_at IS NULL', [
      sessionId,
      now,
    ]);
    // its live sockets (graphql-ws, /automerge) close on every hub process, at commit
    await announceSessionsEnded(this.db, { sessionId });
  }

  /** Ends every session of the customer; resolves how many were live. */
  async endAllSessions(customerId: string, now: number): Promise<number> {
    const { rowCount } = await this.db.query(
      'UPDATE customer_sessions SET ended_at = $2 WHERE customer_id = $1 AND ended_at IS NULL AND expires_at > $2',
      [customerId, now],
    );
    await announceSessionsEnded(this.db, { customerId });
    return rowCount ?? 0;
  }

  async addOneTime(purpose: OneTimePurpose, email: string, secretHash: string, now: number, expiresAt: number) {
    await this.db.query(
      `INSERT INTO customer_one_time_secrets (id, purpose, email, secret_hash, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6)`,
      [uuidv7(), purpose, email, secretHash, now, expiresAt],
    );
  }

  /** The newest unused, unexpired sign-in code sent to the e-mail (its tries are claimed with `claimTry`). */
  async latestCode(email: string, now: number): Promise<{ id: string } | undefined> {
    const { rows } = await this.db.query<{ id: string }>(
      `SELECT id FROM customer_one_time_secrets
        WHERE purpose = 'sign-in' AND email = $1 AND used_at IS NULL AND expires_at > $2
        ORDER BY created_at DESC, id DESC LIMIT 1`,
      [email, now],
    );
    return rows[0] && { id: rows[0].id };
  }

  /**
   * Claims one try of a sign-in code before it is compared: one conditional UPDATE, so concurrent guesses take the
   * tries in turn and a code is compared at most `maxTries` times, whoever sends them. Undefined when the code is used
   * or out of tries.
   */
  async claimTry(id: string, maxTries: number): Promise<{ hash: string } | undefined> {
    const { rows } = await this.db.query<{ secret_hash: string }>(
      `UPDATE customer_one_time_secrets SET attempts = attempts + 1
        WHERE id = $1 AND attempts < $2 AND used_at IS NULL RETURNING secret_hash`,
      [id, maxTries],
    );
    return rows[0] && { hash: rows[0].secret_hash };
  }

  /** Uses a one-time secret once: true for the one caller that marked it used (a second use finds it gone). */
  async useOneTime(id: string, now: number): Promise<boolean> {
    const { rowCount } = await this.db.query(
      'UPDATE customer_one_time_secrets SET used_at = $2 WHERE id = $1 AND used_at IS NULL',
      [id, now],
    );
    return (rowCount ?? 0) > 0;
  }

  /** Ends every open code and reset link sent to the e-mail (a reset done, or a code used). */
  async useAllFor(email: string, now: number): Promise<void> {
    await this.db.query('UPDATE customer_one_time_secrets SET used_at = $2 WHERE email = $1 AND used_at IS NULL', [
      email,
      now,
    ]);
  }

  async resetByHash(secretHash: string, now: number): Promise<{ id: string; email: string } | undefined> {
    const { rows } = await this.db.query<{ id: string; email: string }>(
      `SELECT id, email FROM customer_one_time_secrets
        WHERE purpose = 'reset' AND secret_hash = $1 AND used_at IS NULL AND expires_at > $2`,
      [secretHash, now],
    );
    return rows[0];
  }

  async queueMail(to: string, subject: string, body: string, now: number): Promise<string> {
    const id = uuidv7();
    await this.db.query(
      `INSERT INTO customer_email_outbox (id, to_email, subject, body, state, created_at) VALUES ($1, $2, $3, $4, 'queued', $5)`,
      [id, to, subject, body, now],
    );
    return id;
  }

  async queuedMail(limit: number): Promise<OutboxMail[]> {
    const { rows } = await this.db.query<{
      id: string;
      to_email: string;
      subject: string;
      body: string;
      attempts: number;
    }>(
      `SELECT id, to_email, subject, body, attempts FROM customer_email_outbox WHERE state = 'queued'
        ORDER BY created_at, id LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({ id: r.id, to: r.to_email, subject: r.subject, body: r.body, attempts: r.attempts }));
  }

  async mailSent(id: string, now: number): Promise<void> {
    await this.db.query(
      `UPDATE customer_email_outbox SET state = 'sent', body = NULL, sent_at = $2, attempts = attempts + 1 WHERE id = $1`,
      [id, now],
    );
  }

  async mailFailed(id: string, error: string, giveUp: boolean): Promise<void> {
    await this.db.query(
      `UPDATE customer_email_outbox SET attempts = attempts + 1, last_error = $2,
         state = CASE WHEN $3::boolean THEN 'failed' ELSE state END,
         body = CASE WHEN $3::boolean THEN NULL ELSE body END
       WHERE id = $1`,
      [id, error.slice(0, 500), giveUp],
    );
  }

  async outboxCounts(): Promise<Record<OutboxState, number>> {
    const { rows } = await this.db.query<{ state: OutboxState; n: number | string }>(
      'SELECT state, count(*) AS n FROM customer_email_outbox GROUP BY state',
    );
    const counts: Record<OutboxState, number> = { queued: 0, sent: 0, failed: 0 };
    for (const r of rows) counts[r.state] = Number(r.n);
    return counts;
  }

  async recentMail(limit: number) {
    const { rows } = await this.db.query<{
      id: string;
      to_email: string;
      subject: string;
      state: OutboxState;
      attempts: number;
      last_error: string | null;
      created_at: number | string;
      sent_at: number | string | null;
    }>(
      `SELECT id, to_email, subject, state, attempts, last_error, created_at, sent_at FROM customer_email_outbox
        ORDER BY created_at DESC, id DESC LIMIT $1`,
      [limit],
    );
    return rows.map((r) => ({
      id: r.id,
      to: r.to_email,
      subject: r.subject,
      state: r.state,
      attempts: r.attempts,
      lastError: r.last_error,
      createdAt: iso(r.created_at)!,
      sentAt: iso(r.sent_at),
    }));
  }

  /**
   * Reserves one attempt at `at` under `key` unless `policy` is full: true when reserved; otherwise the key's attempts
   * (for Retry-After), and nothing is kept. Run every key of one request in one transaction (all or none).
   */
  async reserveAttempt(
    key: string,
    policy: RateLimitPolicy,
    at: number,
  ): Promise<{ granted: boolean; attempts: number[] }> {
    const { rows } = await this.db.query<{ granted: boolean; attempts: (number | string)[] | null }>(RESERVE, [
      key,
      at,
      at - policy.windowMs,
      policy.maxAttempts,
    ]);
    return { granted: rows[0]!.granted, attempts: (rows[0]!.attempts ?? []).map(Number) };
  }

  async forgetAttempts(key: string): Promise<void> {
    await this.db.query('DELETE FROM customer_sign_in_attempts WHERE key = $1', [key]);
  }

  /** Housekeeping: attempts past the longest window, secrets and sessions long over, mail sent long ago. */
  async purge(now: number, attemptsBefore: number): Promise<void> {
    // The newest attempt is the array's last: a key whose newest is past the longest window holds nothing that counts.
    await this.db.query(
      'DELETE FROM customer_sign_in_attempts WHERE coalesce(attempts[array_upper(attempts, 1)], 0) <= $1',
      [attemptsBefore],
    );
    await this.db.query('DELETE FROM customer_one_time_secrets WHERE expires_at <= $1', [now - 86_400_000]);
    await this.db.query('DELETE FROM customer_sessions WHERE expires_at <= $1 OR ended_at <= $1', [now - 86_400_000]);
    await this.db.query(`DELETE FROM customer_email_outbox WHERE state <> 'queued' AND created_at <= $1`, [
      now - 30 * 86_400_000,
    ]);
  }
}
