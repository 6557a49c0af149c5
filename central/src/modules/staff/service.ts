import {
  ConflictError,
  feedEntry,
  ForbiddenError,
  hashPin,
  NotFoundError,
  PIN_PATTERN,
  RateLimitedError,
  STAFF_ROLES,
  STAFF_ROSTER_MAX,
  type StaffAuditAction,
  type StaffRole,
  type StaffRoster,
  type StoreId,
  verifyPin,
} from '@storefleet/shared';
import { randomInt } from 'node:crypto';
import type { Logger } from 'pino';
import type { Db, Queryable } from '../../db/db.js';
import type { FeedWriter } from '../../kernel/feed-writer.js';
import type { Principal } from '../../kernel/principal.js';
import type { StaffDirectory, StaffPerson } from '../../kernel/ports/staff.js';
import { type Cursor, StaffRepository } from './repository.js';
import type { AdminActionRow, NamedPerson, Page, RosterPerson, StaffAuditRow } from './types.js';

const isStaffRole = (role: string): role is StaffRole => (STAFF_ROLES as readonly string[]).includes(role);
const onRoster = (p: StaffPerson): boolean => p.storeId !== null && isStaffRole(p.role);

/**
 * Why a PIN is too easy to guess, or undefined when it is fine: 4 to 8 digits, not one digit repeated (0000), not a
 * straight run up or down (1234, 4321, 7890, 3210). The hub draws its PINs again while this says why.
 */
export function weakPinReason(pin: string): string | undefined {
  if (!PIN_PATTERN.test(pin)) return 'a PIN is 4 to 8 digits';
  if (/^(\d)\1+$/.test(pin)) return 'a PIN of one digit repeated is guessed first: choose another';
  const steps = [...pin].slice(1).map((d, i) => (Number(d) - Number(pin[i]) + 10) % 10);
  if (steps.every((s) => s === 1) || steps.every((s) => s === 9))
    return 'a PIN of digits counting up or down in a row is guessed first: choose another';
  return undefined;
}

/** The digits of a PIN the hub generates. */
export const PIN_DIGITS = 6;
/** New PINs one person may get within an hour. */
export const PIN_GRANTS_PER_HOUR = 5;
const HOUR_MS = 3_600_000;

/** Encodes and reads the `next`/`before` of a newest-first page. */
export const cursorText = (c: Cursor): string => `${c.at}.${c.id}`;
export function parseCursor(text: string): Cursor | null {
  const m = /^(\d{1,16})\.(\d{1,16})$/.exec(text);
  return m ? { at: Number(m[1]), id: Number(m[2]) } : null;
}

export interface StaffServiceDeps {
  readonly db: Db;
  readonly feed: FeedWriter;
  readonly now: () => number;
  readonly log: Logger;
  readonly directory: () => StaffDirectory;
}

/**
 * The staff module's rules: who may have whose PIN generated, which PINs are never given, the roster each store
 * gets in its feed (in the transaction of the change), and the reads of the lanes' audit and the admin actions.
 */
export class StaffService {
  constructor(readonly deps: StaffServiceDeps) {}

  get #directory(): StaffDirectory {
    return this.deps.directory();
  }

  /**
   * The person whose PIN `by` wants to change, or the refusal: head office anyone on a store's roster; a store's
   * manager themselves and their store's ASSOCIATEs; anyone themselves. Someone of another store reads as missing.
   */
  async #target(by: Principal, userId: string): Promise<StaffPerson & { storeId: string }> {
    if (by.kind !== 'user') throw new ForbiddenError('PINs are given by people (a console session), not by stores');
    // an associate acts on themselves only, whoever the id names: refused before the look-up, so it tells nothing
    if (by.role === 'ASSOCIATE' && userId !== by.userId)
      throw new ForbiddenError('a store’s manager gives their ASSOCIATEs new PINs; anyone else only themselves');
    const person = await this.#directory.person(userId);
    const self = person?.userId === by.userId;
    const sameStore = person !== undefined && by.storeId !== null && person.storeId === by.storeId;
    if (!person || (by.role !== 'ADMIN' && !self && !sameStore)) throw new NotFoundError('person', userId);
    if (by.role !== 'ADMIN' && !self && !(by.role === 'STORE_MANAGER' && person.role === 'ASSOCIATE'))
      throw new ForbiddenError('a store’s manager gives their ASSOCIATEs new PINs; anyone else only themselves');
    if (!onRoster(person) || person.storeId === null)
      throw new ConflictError('head-office accounts are on no store’s roster, so they have no PIN');
    return person as StaffPerson & { storeId: string };
  }

  /**
   * Generates a new PIN for the person and sends the roster: 6 random digits, not a weak one, and none another person
   * at the store has (compared with their hashes; the caller learns nothing of theirs). At most `PIN_GRANTS_PER_HOUR`
   * for one person within an hour (429 with Retry-After). The PIN is in the answer only: the hub keeps its hash.
   */
  async givePin(by: Principal, userId: string): Promise<{ userId: string; pin: string; pinSetAt: number }> {
    const person = await this.#target(by, userId);
    if (person.disabled) throw new ConflictError('the account is disabled: enable it before giving it a PIN');
    const byUserId = by.kind === 'user' ? by.userId : userId;
    const repo = new StaffRepository(this.deps.db);
    // the budget first, so a refused call costs no scrypt work
    this.#withinBudget(await repo.pinGrantsSince(userId, this.deps.now() - HOUR_MS));
    const people = await this.#rosterPeople(person.storeId);
    const others = people.filter((p) => p.userId !== userId).map((p) => p.userId);
    let known = await repo.pinsOf(others);
    for (let attempt = 0; ; attempt++) {
      const pin = await this.#newPin(known.map((k) => k.pinHash));
      const pinHash = await hashPin(pin);
      const at = this.deps.now();
      const given = await this.deps.db.transaction(async (tx) => {
        const txRepo = new StaffRepository(tx);
        // the store's roster row locked first: PIN changes at this store (and this person's budget) go one at a time
        const version = await txRepo.nextVersion(person.storeId, at);
        this.#withinBudget(await txRepo.pinGrantsSince(userId, at - HOUR_MS));
        // a PIN another person got while this one was drawn (rare): compared now, under the lock
        const seen = new Set(known.map((k) => k.pinHash));
        const current = await txRepo.pinsOf(others);
        const fresh = current.filter((k) => !seen.has(k.pinHash));
        if ((await Promise.all(fresh.map((k) => verifyPin(pin, k.pinHash)))).some(Boolean)) return current;
        await txRepo.notePinGrant(userId, at, byUserId, at - HOUR_MS);
        await txRepo.setPin(userId, pinHash, at, byUserId);
        await this.#sendRoster(tx, person.storeId, people, version);
        return null;
      });
      if (given === null) return { userId, pin, pinSetAt: at };
      if (attempt >= 3) throw new ConflictError('the store’s PINs are changing right now: try again');
      known = given;
    }
  }

  /** Refuses a sixth PIN for one person within an hour, saying when the next one may be given. */
  #withinBudget(grants: readonly number[]): void {
    if (grants.length < PIN_GRANTS_PER_HOUR) return;
    const freeAt = grants[grants.length - PIN_GRANTS_PER_HOUR]! + HOUR_MS;
    const seconds = Math.max(1, Math.ceil((freeAt - this.deps.now()) / 1000));
    throw new RateLimitedError(
      `a person gets at most ${PIN_GRANTS_PER_HOUR} new PINs an hour: try again in ${Math.ceil(seconds / 60)} min`,
      seconds,
    );
  }

  /**
   * Draws 6 random digits until they are neither weak nor the PIN of any hash in `taken` (each an scrypt check, run
   * together). A million PINs and a roster of at most a few hundred: a draw is taken about once in several thousand.
   */
  async #newPin(taken: readonly string[]): Promise<string> {
    for (let draw = 0; draw < 100; draw++) {
      const pin = String(randomInt(0, 1_000_000)).padStart(PIN_DIGITS, '0');
      if (weakPinReason(pin)) continue;
      if ((await Promise.all(taken.map((h) => verifyPin(pin, h)))).some(Boolean)) continue;
      return pin;
    }
    throw new ConflictError('no free PIN was found for this store: try again');
  }

  /**
   * Removes the person's PIN (they can no longer sign in at a lane) and sends the roster. Removing a PIN already gone
   * is done (true when there was one to remove; the roster is sent only then).
   */
  async removePin(by: Principal, userId: string): Promise<boolean> {
    const person = await this.#target(by, userId);
    const people = await this.#rosterPeople(person.storeId);
    return this.deps.db.transaction(async (tx) => {
      if (!(await new StaffRepository(tx).removePin(userId))) return false;
      await this.#sendRoster(tx, person.storeId, people);
      return true;
    });
  }

  /**
   * A console account was created or changed (STAFF_ROSTER_HOOKS): its store's roster is sent again, and the roster
   * of the store it left when it moved (or went to head office).
   */
  async personChanged(userId: string): Promise<void> {
    // the directory is read before the transaction: it is the hub core's, on a connection of its own (PGlite has one)
    const person = await this.#directory.person(userId);
    const now = person && onRoster(person) ? person.storeId : null;
    const before = await new StaffRepository(this.deps.db).memberStore(userId);
    const left = before && before !== now ? before : null;
    const [leftPeople, nowPeople] = await Promise.all([
      left ? this.#rosterPeople(left) : [],
      now ? this.#rosterPeople(now) : [],
    ]);
    await this.deps.db.transaction(async (tx) => {
      if (left) {
        await new StaffRepository(tx).removeMember(userId);
        await this.#sendRoster(tx, left, leftPeople);
      }
      if (now) await this.#sendRoster(tx, now, nowPeople);
    });
  }

  /** The store's people on its roster (its ASSOCIATEs and managers), as the hub core's directory has them. */
  async #rosterPeople(storeId: string): Promise<StaffPerson[]> {
    return (await this.#directory.peopleOfStore(storeId as StoreId)).filter(onRoster);
  }

  /** The store's roster at `version`: `people` (read before), each with their PIN's hash (read in `q`) or null. */
  async #roster(q: Queryable, storeId: string, version: number, people: readonly StaffPerson[]): Promise<StaffRoster> {
    if (people.length > STAFF_ROSTER_MAX)
      this.deps.log.warn(
        { storeId, people: people.length, max: STAFF_ROSTER_MAX },
        'staff: the store has more people than a roster carries; the rest are left off',
      );
    const kept = people.slice(0, STAFF_ROSTER_MAX);
    const pins = new Map((await new StaffRepository(q).pinsOf(kept.map((p) => p.userId))).map((p) => [p.userId, p]));
    return {
      version,
      members: kept.map((p) => ({
        userId: p.userId,
        name: p.name.trim().slice(0, 200) || p.email.slice(0, 200),
        role: p.role as StaffRole,
        pinHash: pins.get(p.userId)?.pinHash ?? null,
        disabled: p.disabled,
      })),
    };
  }

  /**
   * Appends the store's roster at a new version to its feed, in `tx` (the change's own transaction); `locked` is the
   * version the caller already took with `nextVersion` in `tx`.
   */
  async #sendRoster(tx: Queryable, storeId: string, people: readonly StaffPerson[], locked?: number): Promise<void> {
    const repo = new StaffRepository(tx);
    // the version row's lock first (unless the caller took it: `locked`): a concurrent change to this store's PINs
    // waits, then reads what this one wrote
    const version = locked ?? (await repo.nextVersion(storeId, this.deps.now()));
    const roster = await this.#roster(tx, storeId, version, people);
    await repo.setMembers(
      storeId,
      roster.members.map((m) => m.userId),
    );
    await this.deps.feed.append(tx, storeId, [feedEntry('staff.roster', roster)]);
  }

  /** The store's roster for its cold start: its current version (1 when none was ever sent). */
  async bootstrapRoster(q: Queryable, storeId: string): Promise<StaffRoster> {
    const people = await this.#rosterPeople(storeId);
    return this.#roster(q, storeId, Math.max(1, await new StaffRepository(q).version(storeId)), people);
  }

  /** The roster as the console lists it: names, roles, who has a PIN and since when; never a hash. */
  async people(storeId: string): Promise<RosterPerson[]> {
    const people = await this.#rosterPeople(storeId);
    const pins = new Map(
      (await new StaffRepository(this.deps.db).pinsOf(people.map((p) => p.userId))).map((p) => [p.userId, p]),
    );
    return people.map((p) => ({
      userId: p.userId,
      name: p.name,
      email: p.email,
      role: p.role as StaffRole,
      hasPin: pins.has(p.userId),
      pinSetAt: pins.get(p.userId)?.setAt ?? null,
      disabled: p.disabled,
    }));
  }

  /** Names for the ids of a page (one look-up per person); an id the hub does not know keeps its id and no name. */
  async #names(ids: readonly (string | null)[]): Promise<(id: string | null) => NamedPerson | null> {
    const unique = [...new Set(ids.filter((i): i is string => i !== null))];
    const found = await Promise.all(unique.map((id) => this.#directory.person(id).catch(() => undefined)));
    const names = new Map(unique.map((id, i) => [id, found[i]?.name ?? null]));
    return (id) => (id === null ? null : { userId: id, name: names.get(id) ?? null });
  }

  async audit(q: {
    storeId: string | null;
    action: StaffAuditAction | null;
    from: number | null;
    to: number | null;
    before: Cursor | null;
    limit: number;
  }): Promise<Page<StaffAuditRow>> {
    const rows = await new StaffRepository(this.deps.db).audit(q);
    const name = await this.#names(rows.flatMap((r) => [r.actorUserId, r.approverUserId]));
    const last = rows.at(-1);
    return {
      items: rows.map((r) => ({
        auditId: r.auditId,
        storeId: r.storeId as StaffAuditRow['storeId'],
        at: r.at,
        action: r.action,
        lane: r.lane,
        actor: name(r.actorUserId),
        approver: name(r.approverUserId),
        saleId: r.saleId,
        sku: r.sku,
        amountMinor: r.amountMinor,
        detail: r.detail,
        receivedAt: r.receivedAt,
      })),
      next: rows.length === q.limit && last ? cursorText(last) : null,
    };
  }

  async adminActions(q: {
    userId: string | null;
    from: number | null;
    to: number | null;
    before: Cursor | null;
    limit: number;
  }): Promise<Page<AdminActionRow>> {
    const rows = await new StaffRepository(this.deps.db).adminActions(q);
    const name = await this.#names(rows.map((r) => r.userId));
    const last = rows.at(-1);
    return {
      items: rows.map((r) => ({
        id: r.id,
        at: r.at,
        user: name(r.userId)!,
        role: r.role,
        storeId: r.storeId,
        route: r.route,
        path: r.path,
        status: r.status,
        address: r.address,
        idempotencyKey: r.idempotencyKey,
      })),
      next: rows.length === q.limit && last ? cursorText(last) : null,
    };
  }
}
