import { parseEventPayload, type StaffRole, type StaffRoster, staffRosterSchema } from '@storefleet/shared';
import type { SqliteDb } from '../db/open-sqlite.js';
import type { BootstrapSink } from '../sync/bootstrap.js';
import type { FeedHandlerRegistry } from '../sync/feed-handlers.js';

/** One person on the store's roster as the store keeps it. */
export interface RosterMember {
  readonly userId: string;
  readonly name: string;
  readonly role: StaffRole;
  readonly pinHash: string | null;
  readonly disabled: boolean;
}

interface MemberRow {
  user_id: string;
  name: string;
  role: StaffRole;
  pin_hash: string | null;
  disabled: number;
}
const member = (r: MemberRow): RosterMember => ({
  userId: r.user_id,
  name: r.name,
  role: r.role,
  pinHash: r.pin_hash,
  disabled: r.disabled === 1,
});

/**
 * The store's copy of its staff roster (issue #27): the whole roster the hub last sent (`staff.roster` in the feed, or
 * a cold start's `staff` section), the highest version only. Read offline by the sign-in and approval checks.
 */
export class StoreStaffRoster {
  constructor(
    readonly db: SqliteDb,
    readonly now: () => number,
  ) {}

  /** The version held, or null before any roster reached the store. */
  version(): number | null {
    const row = this.db.prepare('SELECT version FROM staff_roster_state WHERE id = 1').get() as
      | { version: number }
      | undefined;
    return row?.version ?? null;
  }

  /**
   * Replaces the roster with `roster` when its version is higher than the one held (one transaction: the caller's, or
   * its own); an older or equal version changes nothing. Returns whether it applied.
   */
  apply(roster: StaffRoster): boolean {
    return this.db.transaction(() => {
      const held = this.version();
      if (held !== null && held >= roster.version) return false;
      this.db.prepare('DELETE FROM staff_members').run();
      const put = this.db.prepare(
        'INSERT INTO staff_members (user_id, name, role, pin_hash, disabled) VALUES (?, ?, ?, ?, ?)',
      );
      for (const m of roster.members) put.run(m.userId, m.name, m.role, m.pinHash, m.disabled ? 1 : 0);
      this.db
        .prepare(
          `INSERT INTO staff_roster_state (id, version, received_at) VALUES (1, ?, ?)
           ON CONFLICT (id) DO UPDATE SET version = excluded.version, received_at = excluded.received_at`,
        )
        .run(roster.version, this.now());
      // Sessions of people no longer able to sign in end with the roster that took that away.
      this.db
        .prepare(
          `DELETE FROM staff_sessions WHERE user_id NOT IN
             (SELECT user_id FROM staff_members WHERE disabled = 0 AND pin_hash IS NOT NULL)`,
        )
        .run();
      return true;
    })();
  }

  /** People who can sign in now: not disabled, with a PIN. */
  active(role?: StaffRole): RosterMember[] {
    const rows = this.db
      .prepare(
        `SELECT user_id, name, role, pin_hash, disabled FROM staff_members
         WHERE disabled = 0 AND pin_hash IS NOT NULL AND (? IS NULL OR role = ?) ORDER BY name, user_id`,
      )
      .all(role ?? null, role ?? null) as MemberRow[];
    return rows.map(member);
  }

  /** How many can sign in now. */
  activeCount(): number {
    return this.db
      .prepare('SELECT count(*) FROM staff_members WHERE disabled = 0 AND pin_hash IS NOT NULL')
      .pluck()
      .get() as number;
  }

  byId(userId: string): RosterMember | undefined {
    const row = this.db
      .prepare('SELECT user_id, name, role, pin_hash, disabled FROM staff_members WHERE user_id = ?')
      .get(userId) as MemberRow | undefined;
    return row && member(row);
  }
}

/**
 * `staff.roster` from the hub's feed: checked (a payload that does not conform throws: the entry is parked), kept
 * when newer than the roster held, else ignored (a redelivered or late entry).
 */
export function registerStaffFeed(feed: FeedHandlerRegistry, roster: StoreStaffRoster): void {
  feed.register('staff.roster', (_db, entry) => {
    roster.apply(parseEventPayload('staff.roster', entry.payload));
  });
}

/**
 * The sink of the hub's `staff` cold-start section: each row a whole roster `{version, members}` (the feed's payload);
 * the highest version wins, a malformed row throws (the page is retried, as other sections' bad pages are).
 */
export function staffSink(roster: StoreStaffRoster): BootstrapSink {
  return (_db, rows) => {
    for (const row of rows) roster.apply(staffRosterSchema.parse(row));
  };
}
