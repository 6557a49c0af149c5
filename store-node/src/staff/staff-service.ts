import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { Request } from 'express';
import {
  AppError,
  ConflictError,
  ForbiddenError,
  type ManagerAction,
  RateLimitedError,
  type StaffAuditEntry,
} from '@storefleet/shared';
import type { StaffSignIn } from '../config.js';
import type { SqliteDb } from '../db/open-sqlite.js';
import type { Emit, StoreSync } from '../sync/store-sync.js';
import { callerOf, LOOPBACK } from '../access/screen-guard.js';
import { PinChecks } from './pin-checks.js';
import { type StaffApproval, StaffRepository, type StaffSession } from './staff-repository.js';
import {
  type ApprovalTarget,
  type ApprovalUse,
  type AuditInput,
  MANAGER_APPROVAL_HEADER,
  type StaffGate,
  type StaffOnLane,
} from './staff-gate.js';
import type { RosterMember, StoreStaffRoster } from './staff-roster.js';

/** The lane's sign-in cookie: a random token whose sha256 is kept with the lane and the person. */
export const STAFF_COOKIE = 'sf_staff';
/** A lane nobody used for this long is signed out. */
export const STAFF_IDLE_MS = 15 * 60_000;
/** Wrong PINs at a lane before its sign-in locks, and for how long. */
export const WRONG_PINS_BEFORE_LOCK = 5;
export const LANE_LOCK_MS = 5 * 60_000;
/**
 * Wrong PINs from one caller — a screen (its address; the node's own machine is one) or a paired device — over all
 * the lanes it says it is, before sign-in and approvals from it pause; a screen chooses its lane (`sf_lane`), so the
 * lane's own count alone would let it try 5 PINs at each of 99 lanes.
 */
export const WRONG_PINS_PER_CALLER = 10;
/** Wrong PINs at the whole store before new sign-ins and approvals pause at every lane. */
export const WRONG_PINS_PER_STORE = 20;
/** The window both caps count wrong PINs in, and how long a pause lasts. */
export const WRONG_PIN_WINDOW_MS = 5 * 60_000;
export const PAUSE_MS = 5 * 60_000;
/** The pause row of the whole store. */
const STORE_WIDE = '*';
/** How long a manager's approval may wait to be used. */
export const APPROVAL_MS = 2 * 60_000;
/** A session's last-seen time is written at most this often (every POS call reads it). */
const SEEN_EVERY_MS = 30_000;
/** The back office's lane key (a POS screen's is its lane, 1–99). */
const BACK_OFFICE = 0;

const minutes = (ms: number) => ms / 60_000;
/** A store-wide pause in words (the 429's, and the pad's). */
const storePausedWords = (min: number) =>
  `Too many wrong PINs at this store (${WRONG_PINS_PER_STORE} in ${minutes(WRONG_PIN_WINDOW_MS)} minutes): sign-in and managers’ approvals are paused at every lane for ${min} min. People already signed in keep working; a manager can see in the back office’s staff audit which screens the wrong PINs came from`;
/** A caller's pause in words. */
const callerPausedWords = (min: number) =>
  `Too many wrong PINs from this screen (${WRONG_PINS_PER_CALLER} in ${minutes(WRONG_PIN_WINDOW_MS)} minutes, whatever its lane): sign-in and managers’ approvals from it are paused for ${min} min. Other screens are not, and people already signed in keep working`;

/** What stopped sign-in after a wrong PIN (null: nothing yet). */
type LockedBy = 'lane' | 'screen' | 'store' | null;
interface WrongPinCount {
  readonly triesLeft: number;
  readonly lockedUntil: number | null;
  readonly lockedBy: LockedBy;
  /** The count that stops first if more wrong PINs come. */
  readonly nearest: 'lane' | 'screen' | 'store';
}

const sha256 = (s: string) => createHash('sha256').update(s).digest('base64url');
const token = () => randomBytes(32).toString('base64url');

/** A 401 the POS page answers with its PIN pad (`staffSignIn: true` in the problem). */
export class StaffSignInNeeded extends AppError {
  constructor(message: string) {
    super('unauthorized', message, { staffSignIn: true });
  }
}

/** What `POST /api/staff/sign-in` answers: signed in, or why not (a wrong PIN counts; 200 so the count is kept). */
export type SignInOutcome =
  | { readonly signedIn: true; readonly person: StaffOnLane; readonly token: string }
  | {
      readonly signedIn: false;
      readonly reason: 'wrong-pin' | 'no-roster';
      readonly detail: string;
      readonly triesLeft: number | null;
      readonly lockedUntil: number | null;
    };

export type ApprovalOutcome =
  | {
      readonly approved: true;
      readonly approvalId: string;
      readonly approver: { readonly userId: string; readonly name: string };
      readonly expiresAt: number;
    }
  | {
      readonly approved: false;
      readonly approvalId: null;
      readonly reason: 'wrong-pin' | 'no-manager';
      readonly detail: string;
      readonly triesLeft: number | null;
      readonly lockedUntil: number | null;
    };

export interface ApprovalRequest extends ApprovalTarget {
  readonly action: ManagerAction;
}

const ACTION_WORDS: Record<ManagerAction, string> = {
  VOID: 'void a sale',
  REFUND_OVER_LIMIT: 'refund this much',
  PRICE_OVERRIDE: 'override a price',
  NO_SALE: 'open the drawer with no sale',
};

/** The `sf_staff` cookie values a request carries (a browser may send two after a path change: every one is tried). */
function staffTokens(req: Request): string[] {
  return (req.get('Cookie') ?? '').split(';').flatMap((part) => {
    const eq = part.indexOf('=');
    if (eq <= 0 || part.slice(0, eq).trim() !== STAFF_COOKIE) return [];
    const v = part.slice(eq + 1).trim();
    return /^[\w-]{20,100}$/.test(v) ? [v] : [];
  });
}

/**
 * Staff sign-in at the lanes and managers' approvals (issue #27), offline: PINs are checked against the roster's
 * hashes here, sessions, locks and approvals are rows of the store's file, and every audit row is also a `staff.audit`
 * event in the outbox. Implements the `StaffGate` the POS routes ask.
 */
export class StaffDesk implements StaffGate {
  readonly pins = new PinChecks();
  readonly #repo: StaffRepository;
  /** When each person last signed in here (memory only): their hash is tried first, so a usual PIN costs one check. */
  readonly #lastIn = new Map<string, number>();
  #byRecency(members: RosterMember[]): RosterMember[] {
    return members.sort((a, b) => (this.#lastIn.get(b.userId) ?? 0) - (this.#lastIn.get(a.userId) ?? 0));
  }

  constructor(
    db: SqliteDb,
    readonly sync: StoreSync,
    readonly roster: StoreStaffRoster,
    readonly mode: StaffSignIn,
    readonly now: () => number,
  ) {
    this.#repo = new StaffRepository(db);
  }

  enforced(): boolean {
    if (this.mode === 'off') return false;
    return this.mode === 'required' || this.roster.activeCount() > 0;
  }

  /**
   * The lane a request's sign-in belongs to: a POS screen's lane (1–99), 0 for the back office (the node's own
   * unmarked screen); null for any other caller (a handheld), which signs in nowhere.
   */
  laneKey(req: Request, lane: number | undefined): number | null {
    const caller = req.res ? callerOf(req.res) : undefined;
    if (caller?.role === 'lane') return BACK_OFFICE;
    if (caller?.role === 'pos') return caller.lane ?? lane ?? null;
    return null;
  }

  /**
   * Who is typing, whatever lane it says it is: a paired device by its id, any other screen by its address (the
   * node's own machine, by any of its loopback addresses, is one screen).
   */
  callerKey(req: Request): string {
    const caller = req.res ? callerOf(req.res) : undefined;
    if (caller?.deviceId) return `device:${caller.deviceId}`;
    const address = req.socket?.remoteAddress ?? '';
    return `screen:${!address || LOOPBACK.includes(address) ? 'loopback' : address}`;
  }

  /** A caller key in words for the audit. */
  static callerWords(caller: string): string {
    if (caller.startsWith('device:')) return `the paired device ${caller.slice(7)}`;
    const address = caller.slice(7);
    return address === 'loopback' ? 'the store node’s own machine' : `the screen at ${address}`;
  }

  /** Whether new sign-ins and approvals are paused now for this caller, or at the whole store (store first). */
  paused(caller: string): { scope: 'store' | 'screen'; until: number } | null {
    const rows = this.#repo.pausesFor(STORE_WIDE, caller, this.now());
    const store = rows.find((r) => r.caller === STORE_WIDE);
    if (store) return { scope: 'store', until: store.lockedUntil };
    return rows[0] ? { scope: 'screen', until: rows[0].lockedUntil } : null;
  }

  /**
   * What stops a sign-in at this lane from this caller now, and until when (the store's pause, the caller's, the
   * lane's lock, whichever ends last), in words; null: nothing.
   */
  locked(req: Request, key: number): { until: number; detail: string } | null {
    const pause = this.paused(this.callerKey(req));
    const lane = this.lock(key).lockedUntil;
    if (!pause && lane === null) return null;
    const until = Math.max(pause?.until ?? 0, lane ?? 0);
    const min = Math.max(1, Math.ceil((until - this.now()) / 60_000));
    if (pause?.scope === 'store') return { until, detail: storePausedWords(min) };
    if (pause) return { until, detail: callerPausedWords(min) };
    return {
      until,
      detail: `Sign-in at ${StaffDesk.where(key)} is locked after ${WRONG_PINS_BEFORE_LOCK} wrong PINs: try again in ${min} min`,
    };
  }

  /** Words for where to sign in. */
  static where(key: number | null): string {
    return key === null || key === BACK_OFFICE ? 'the back office' : `lane ${key}`;
  }

  #session(req: Request, key: number | null): { row: StaffSession; person: RosterMember } | null {
    if (key === null) return null;
    const at = this.now();
    for (const t of staffTokens(req)) {
      const row = this.#repo.session(sha256(t), key);
      if (!row || at - row.lastSeenAt > STAFF_IDLE_MS) continue;
      const person = this.roster.byId(row.userId);
      if (!person || person.disabled || !person.pinHash) continue;
      return { row, person };
    }
    return null;
  }

  /** Who is signed in at the caller's lane (null: nobody), refreshing their last-seen time. */
  signedIn(req: Request, lane: number | undefined): StaffOnLane | null {
    const key = this.laneKey(req, lane);
    const found = this.#session(req, key);
    if (!found) return null;
    const at = this.now();
    if (at - found.row.lastSeenAt >= SEEN_EVERY_MS) this.#repo.touchSession(found.row.tokenHash, at);
    return { userId: found.person.userId, name: found.person.name, role: found.person.role };
  }

  requirePerson(req: Request, lane: number | undefined): StaffOnLane | null {
    if (!this.enforced()) return null;
    const person = this.signedIn(req, lane);
    if (person) return person;
    const key = this.laneKey(req, lane);
    throw new StaffSignInNeeded(
      this.roster.activeCount() === 0
        ? 'No staff roster has reached this store yet: nobody can sign in until the hub sends it'
        : `Sign in at ${StaffDesk.where(key)} with your PIN`,
    );
  }

  /** The lane's lock: failures so far and until when it is locked (null: not locked now). */
  lock(key: number): { failures: number; lockedUntil: number | null } {
    const row = this.#repo.laneLock(key);
    const at = this.now();
    if (!row) return { failures: 0, lockedUntil: null };
    if (row.lockedUntil !== null && row.lockedUntil > at)
      return { failures: row.failures, lockedUntil: row.lockedUntil };
    return { failures: row.lockedUntil !== null ? 0 : row.failures, lockedUntil: null };
  }

  #refuseWhileLocked(req: Request, key: number): void {
    const locked = this.locked(req, key);
    if (!locked) return;
    throw new RateLimitedError(locked.detail, Math.max(1, Math.ceil((locked.until - this.now()) / 1000)));
  }

  /**
   * A wrong PIN at the lane from this caller: counted for the lane (locking it at the 5th in a row), the caller and
   * the store (pausing the caller at its 10th in 5 minutes, every lane at the store's 20th), and audited, in one write.
   */
  #wrongPin(key: number, caller: string, actorUserId: string | null, detail: string): WrongPinCount {
    const at = this.now();
    return this.sync.write((emit) => {
      const pausedBefore = this.paused(caller);
      this.#repo.dropWrongPinsUpTo(at - WRONG_PIN_WINDOW_MS);
      this.#repo.addWrongPin(at, caller, key);
      const fromCaller = this.#repo.wrongPinsFrom(caller);
      const atStore = this.#repo.wrongPinsAtStore();
      const storePauses = atStore >= WRONG_PINS_PER_STORE && pausedBefore?.scope !== 'store';
      const callerPauses = !storePauses && !pausedBefore && fromCaller >= WRONG_PINS_PER_CALLER;
      const pauseUntil = at + PAUSE_MS;
      if (storePauses || callerPauses) this.#repo.pause(storePauses ? STORE_WIDE : caller, pauseUntil);
      const failures = this.lock(key).failures + 1;
      const locks = failures >= WRONG_PINS_BEFORE_LOCK;
      const lockedUntil = locks ? at + LANE_LOCK_MS : null;
      this.#repo.setLaneLock(key, locks ? 0 : failures, lockedUntil);
      const base = { lane: key === BACK_OFFICE ? null : key, actorUserId, approverUserId: null };
      const none = { saleId: null, sku: null, amountMinor: null };
      this.#record(emit, { ...base, ...none, action: 'SIGN_IN_FAILED', detail });
      if (locks)
        this.#record(emit, {
          ...base,
          ...none,
          action: 'LANE_LOCKED',
          detail: `${WRONG_PINS_BEFORE_LOCK} wrong PINs: sign-in locked for ${LANE_LOCK_MS / 60_000} minutes`,
        });
      const who = StaffDesk.callerWords(caller);
      if (callerPauses)
        this.#record(emit, {
          ...base,
          ...none,
          action: 'LANE_LOCKED',
          detail: `${fromCaller} wrong PINs from ${who} in ${minutes(WRONG_PIN_WINDOW_MS)} minutes, over all its lanes: its sign-in and approvals paused for ${minutes(PAUSE_MS)} minutes`,
        });
      if (storePauses)
        this.#record(emit, {
          ...base,
          ...none,
          lane: null,
          action: 'LANE_LOCKED',
          detail: `store-wide: ${atStore} wrong PINs at this store in ${minutes(WRONG_PIN_WINDOW_MS)} minutes (${fromCaller} from ${who}): new sign-ins and approvals paused at every lane for ${minutes(PAUSE_MS)} minutes`,
        });
      const laneLeft = locks ? 0 : WRONG_PINS_BEFORE_LOCK - failures;
      const callerLeft = Math.max(0, WRONG_PINS_PER_CALLER - fromCaller);
      const storeLeft = Math.max(0, WRONG_PINS_PER_STORE - atStore);
      const pausedNow = this.paused(caller);
      const lockedBy: LockedBy =
        pausedNow?.scope === 'store' ? 'store' : pausedNow ? 'screen' : lockedUntil !== null ? 'lane' : null;
      const until = Math.max(lockedUntil ?? 0, pausedNow?.until ?? 0);
      const triesLeft = Math.min(laneLeft, callerLeft, storeLeft);
      const nearest = laneLeft === triesLeft ? 'lane' : callerLeft === triesLeft ? 'screen' : 'store';
      return { triesLeft, lockedUntil: lockedBy ? until : null, lockedBy, nearest };
    });
  }

  /** Why a wrong PIN's answer says no more tries, or how many are left before what stops. */
  static wrongPinWords(first: string, out: WrongPinCount, noun: string): string {
    if (out.lockedBy === 'store')
      return `${first}. Too many wrong PINs at this store: new sign-ins and managers’ approvals are paused at every lane for ${minutes(PAUSE_MS)} minutes`;
    if (out.lockedBy === 'screen')
      return `${first}. Too many wrong PINs from this screen: its sign-in and approvals are paused for ${minutes(PAUSE_MS)} minutes`;
    if (out.lockedBy === 'lane')
      return `${first}. ${noun} is locked for ${LANE_LOCK_MS / 60_000} minutes after ${WRONG_PINS_BEFORE_LOCK} wrong PINs`;
    const tries = `${out.triesLeft} ${out.triesLeft === 1 ? 'try' : 'tries'} left`;
    if (out.nearest === 'screen') return `${first} (${tries} before sign-in from this screen pauses)`;
    if (out.nearest === 'store') return `${first} (${tries} before sign-in pauses at every lane of this store)`;
    return `${first} (${tries} before this lane locks)`;
  }

  /** `POST /api/staff/sign-in`: the PIN names the person; the lane's previous person is signed out. */
  async signIn(req: Request, lane: number | undefined, pin: string): Promise<SignInOutcome> {
    const key = this.laneKey(req, lane);
    if (key === null) throw new ForbiddenError('staff sign in at a POS lane or the back office');
    this.#refuseWhileLocked(req, key);
    const caller = this.callerKey(req);
    const candidates = this.roster.active();
    if (!candidates.length)
      return {
        signedIn: false,
        reason: 'no-roster',
        detail: 'No staff roster has reached this store yet: nobody can sign in until the hub sends it',
        triesLeft: null,
        lockedUntil: null,
      };
    const person = await this.pins.find(key, caller, pin, this.#byRecency(candidates));
    if (!person) {
      const previous = this.#session(req, key)?.person.userId ?? null;
      const count = this.#wrongPin(key, caller, previous, 'a wrong PIN at sign-in');
      return {
        signedIn: false,
        reason: 'wrong-pin',
        detail: StaffDesk.wrongPinWords('That PIN is not right', count, 'Sign-in here'),
        triesLeft: count.triesLeft,
        lockedUntil: count.lockedUntil,
      };
    }
    const fresh = token();
    const at = this.now();
    this.#lastIn.set(person.userId, at);
    this.sync.write((emit) => {
      const lanes = key === BACK_OFFICE ? null : key;
      const before = this.#repo.usersAtLane(key);
      this.#repo.endLaneSessions(key);
      for (const userId of new Set(before))
        this.#record(emit, {
          action: 'SIGN_OUT',
          lane: lanes,
          actorUserId: userId,
          approverUserId: null,
          saleId: null,
          sku: null,
          amountMinor: null,
          detail: userId === person.userId ? 'signed in again' : `${person.name} signed in at this lane`,
        });
      this.#repo.addSession(sha256(fresh), key, person.userId, at);
      this.#repo.clearLaneLock(key);
      this.#record(emit, {
        action: 'SIGN_IN',
        lane: lanes,
        actorUserId: person.userId,
        approverUserId: null,
        saleId: null,
        sku: null,
        amountMinor: null,
        detail: '',
      });
    });
    return { signedIn: true, person: { userId: person.userId, name: person.name, role: person.role }, token: fresh };
  }

  /** `POST /api/staff/sign-out`: the caller's own session at its lane ends (false: there was none). */
  signOut(req: Request, lane: number | undefined): boolean {
    const key = this.laneKey(req, lane);
    const found = this.#session(req, key);
    if (!found) return false;
    this.sync.write((emit) => {
      this.#repo.endSession(found.row.tokenHash);
      this.#record(emit, {
        action: 'SIGN_OUT',
        lane: key === BACK_OFFICE ? null : key,
        actorUserId: found.person.userId,
        approverUserId: null,
        saleId: null,
        sku: null,
        amountMinor: null,
        detail: '',
      });
    });
    return true;
  }

  /** `POST /api/staff/approvals`: a store manager's PIN grants one use of `action` on this target at this lane. */
  async approve(req: Request, lane: number | undefined, pin: string, ask: ApprovalRequest): Promise<ApprovalOutcome> {
    const key = this.laneKey(req, lane);
    if (key === null) throw new ForbiddenError('a manager approves at a POS lane or the back office');
    this.#refuseWhileLocked(req, key);
    const caller = this.callerKey(req);
    const managers = this.roster.active('STORE_MANAGER');
    const actor = this.#session(req, key)?.person.userId ?? null;
    if (!managers.length)
      return {
        approved: false,
        approvalId: null,
        reason: 'no-manager',
        detail: 'No store manager with a PIN is on this store’s roster: nobody can approve this here',
        triesLeft: null,
        lockedUntil: null,
      };
    const manager = await this.pins.find(key, caller, pin, this.#byRecency(managers));
    if (!manager) {
      const count = this.#wrongPin(key, caller, actor, `a wrong PIN for a manager’s approval (${ask.action})`);
      return {
        approved: false,
        approvalId: null,
        reason: 'wrong-pin',
        detail: StaffDesk.wrongPinWords('That is not a store manager’s PIN', count, 'This lane'),
        triesLeft: count.triesLeft,
        lockedUntil: count.lockedUntil,
      };
    }
    const id = token();
    const at = this.now();
    const expiresAt = at + APPROVAL_MS;
    this.sync.write(() => {
      this.#repo.dropApprovalsExpiredBefore(at - 86_400_000);
      this.#repo.clearLaneLock(key);
      this.#repo.addApproval({
        idHash: sha256(id),
        lane: key,
        action: ask.action,
        saleId: ask.saleId ?? null,
        sku: ask.sku ?? null,
        amountMinor: ask.amountMinor ?? null,
        approverUserId: manager.userId,
        approverName: manager.name,
        actorUserId: actor,
        createdAt: at,
        expiresAt,
      });
    });
    return { approved: true, approvalId: id, approver: { userId: manager.userId, name: manager.name }, expiresAt };
  }

  /** The approval a request names, checked against what it is used for; throws the refusal in words. */
  #approval(id: string, key: number | null, action: ManagerAction, target: ApprovalTarget): StaffApproval {
    const words = ACTION_WORDS[action];
    const row = this.#repo.approval(sha256(id));
    if (!row || row.lane !== key)
      throw new ForbiddenError(`A manager’s PIN is needed to ${words}: that approval is not one of this lane’s`);
    if (row.usedAt !== null) throw new ConflictError('That manager approval was used already: ask a manager again');
    if (row.expiresAt <= this.now())
      throw new ForbiddenError(`That manager approval expired (they last ${APPROVAL_MS / 60_000} minutes): ask again`);
    const same = (a: unknown, b: unknown) => (a ?? null) === (b ?? null);
    const amountOk =
      action === 'REFUND_OVER_LIMIT' && row.amountMinor !== null && target.amountMinor !== undefined
        ? target.amountMinor <= row.amountMinor // a refund approved up to this much
        : same(row.amountMinor, target.amountMinor);
    if (row.action !== action || !same(row.saleId, target.saleId) || !same(row.sku, target.sku) || !amountOk)
      throw new ForbiddenError(
        `A manager’s PIN is needed to ${words}: that approval was given for something else (${row.action}${row.saleId ? ` on ${row.saleId}` : ''})`,
      );
    return row;
  }

  checkApproval(
    req: Request,
    action: ManagerAction,
    target: ApprovalTarget,
    lane: number | undefined,
  ): ApprovalUse | null {
    if (!this.enforced()) return null;
    const id = req.get(MANAGER_APPROVAL_HEADER)?.trim();
    if (!id || !/^[\w-]{20,100}$/.test(id))
      throw new ForbiddenError(`A manager’s PIN is needed to ${ACTION_WORDS[action]}`);
    const row = this.#approval(id, this.laneKey(req, lane), action, target);
    return { approverUserId: row.approverUserId, approverName: row.approverName, actorUserId: row.actorUserId };
  }

  audit(emit: Emit, entry: AuditInput, approvalId?: string | undefined): void {
    let approverUserId = entry.approverUserId;
    if (approvalId) {
      const used = this.#repo.useApproval(sha256(approvalId), this.now());
      if (!used) throw new ConflictError('That manager approval was used already or expired: ask a manager again');
      approverUserId = used;
    } else if (!this.enforced()) return; // nothing is asked for: the POS as it was
    this.#record(emit, { ...entry, approverUserId });
  }

  /** One audit row here and its `staff.audit` event, in the caller's transaction. */
  #record(emit: Emit, entry: AuditInput): StaffAuditEntry {
    const row: StaffAuditEntry = { auditId: randomUUID(), at: this.now(), ...entry };
    this.#repo.addAudit(row);
    emit('staff.audit', row);
    return row;
  }

  /** Audit rows in [from, to), newest first, with names from the roster. */
  auditBetween(from: number, to: number, limit: number) {
    const who = (id: string | null) => (id ? { userId: id, name: this.roster.byId(id)?.name ?? null } : null);
    return this.#repo.auditBetween(from, to, limit).map((r) => ({
      auditId: r.auditId,
      at: r.at,
      action: r.action,
      lane: r.lane,
      actor: who(r.actorUserId),
      approver: who(r.approverUserId),
      saleId: r.saleId,
      sku: r.sku,
      amountMinor: r.amountMinor,
      detail: r.detail,
    }));
  }
}
