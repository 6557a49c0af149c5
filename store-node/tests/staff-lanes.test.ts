import { afterEach, describe, expect, it } from 'vitest';
import { staffAuditSchema } from '@storefleet/shared';
import { staffSink } from '../src/staff/index.js';
import {
  ANA,
  BO,
  gateRequest,
  hashed,
  MIA,
  posLane,
  type StaffStore,
  staffCookie,
  startStaffStore,
} from './support/staff-store.js';

/**
 * Issue #27 at the store, with no hub: the roster reaches the node as the hub's `staff.roster` feed entries (through
 * the node's own feed handling); people sign in at a lane with their PIN (checked here against the roster's scrypt
 * hashes), wrong PINs lock the lane (kept across a restart), and a manager's PIN approves one action, once.
 */
describe('staff sign-in at the lanes and managers’ approvals, offline', () => {
  const stores: StaffStore[] = [];
  afterEach(async () => {
    for (const s of stores.splice(0)) await s.stop();
  });
  const start = async (opts: Parameters<typeof startStaffStore>[0] = {}) => {
    const s = await startStaffStore(opts);
    stores.push(s);
    return s;
  };

  it('keeps the highest roster version: an older or repeated entry changes nothing, a malformed one is parked', async () => {
    const s = await start();
    expect((await s.call('GET', '/api/staff/me')).body).toMatchObject({ enforced: false, roster: { version: null } });
    await s.feedRoster(2);
    expect((await s.call('GET', '/api/staff/me')).body).toMatchObject({ roster: { version: 2, people: 3 } });
    await s.feedRoster(1, [], [ANA.userId, BO.userId]); // late and older: ignored
    await s.feedRoster(2, [], [ANA.userId]); // the same version again: ignored
    expect((await s.call('GET', '/api/staff/me')).body.roster).toEqual({ version: 2, people: 3 });
    await s.feedRoster(3, [BO.userId], [ANA.userId]); // Ana left the store, Bo is disabled
    expect((await s.call('GET', '/api/staff/me')).body.roster).toEqual({ version: 3, people: 1 });
    s.feedPayload({ version: 4, members: [{ userId: 'x', name: 'No id', role: 'ASSOCIATE', pinHash: null }] });
    expect(s.node.sync.storage.parkedFeed()).toHaveLength(1);
    expect((await s.call('GET', '/api/staff/me')).body.roster).toEqual({ version: 3, people: 1 });
    // a cold start's `staff` section is the same payload through the bootstrap's sink
    const member = { userId: ANA.userId, name: ANA.name, role: 'ASSOCIATE', pinHash: await hashed(ANA.pin) };
    staffSink(s.node.staff.roster)(s.node.db, [{ version: 5, members: [{ ...member, disabled: false }] }]);
    expect((await s.call('GET', '/api/staff/me')).body.roster).toEqual({ version: 5, people: 1 });
  });

  it('asks for sign-in once the roster has someone (auto), always (required) or never (off)', async () => {
    const auto = await start();
    expect((await auto.call('GET', '/api/staff/me', undefined, posLane(3))).body).toMatchObject({
      lane: 3,
      enforced: false,
      mode: 'auto',
      person: null,
    });
    await auto.feedRoster(1, [ANA.userId, BO.userId, MIA.userId]); // everyone disabled: still nobody to sign in
    expect(auto.node.staff.enforced()).toBe(false);
    await auto.feedRoster(2);
    expect((await auto.call('GET', '/api/staff/me', undefined, posLane(3))).body.enforced).toBe(true);
    expect(() => auto.node.staff.requirePerson(gateRequest(3), 3)).toThrow(/Sign in at lane 3 with your PIN/);

    const required = await start({ staffSignIn: 'required' });
    expect(required.node.staff.enforced()).toBe(true);
    expect(() => required.node.staff.requirePerson(gateRequest(2), 2)).toThrow(/No staff roster has reached/);

    const off = await start({ staffSignIn: 'off' });
    await off.feedRoster(1);
    expect(off.node.staff.enforced()).toBe(false);
    expect(off.node.staff.requirePerson(gateRequest(3), 3)).toBeNull();
  });

  it('signs a person in at one lane, replaces them with the next, signs out, and forgets an idle lane', async () => {
    const s = await start();
    await s.feedRoster(1);
    const ana = await s.call('POST', '/api/staff/sign-in', { pin: ANA.pin }, posLane(3));
    expect(ana.body).toEqual({ signedIn: true, person: { userId: ANA.userId, name: ANA.name, role: 'ASSOCIATE' } });
    const set = ana.headers.get('set-cookie') ?? '';
    expect(set).toMatch(/HttpOnly/i);
    expect(set).toMatch(/SameSite=Strict/i);
    const anaCookie = staffCookie(ana);
    expect((await s.call('GET', '/api/staff/me', undefined, posLane(3, anaCookie))).body.person.name).toBe(ANA.name);
    // bound to lane 3: the same cookie on lane 4, or on the back office, is nobody
    expect((await s.call('GET', '/api/staff/me', undefined, posLane(4, anaCookie))).body.person).toBeNull();
    expect((await s.call('GET', '/api/staff/me', undefined, anaCookie)).body.person).toBeNull();
    // the gate the POS routes ask: Ana at lane 3
    const asked = gateRequest(3, { cookie: anaCookie });
    expect(s.node.staff.requirePerson(asked, 3)).toMatchObject({ name: ANA.name });
    // the session stores only a hash of the cookie's token
    const token = anaCookie.split('=')[1]!;
    expect(JSON.stringify(s.node.db.prepare('SELECT * FROM staff_sessions').all())).not.toContain(token);

    // Bo signs in at lane 3: Ana is signed out there (audited)
    const bo = await s.call('POST', '/api/staff/sign-in', { pin: BO.pin }, posLane(3));
    expect(bo.body.person.name).toBe(BO.name);
    expect((await s.call('GET', '/api/staff/me', undefined, posLane(3, anaCookie))).body.person).toBeNull();
    const boCookie = staffCookie(bo);
    expect((await s.call('POST', '/api/staff/sign-out', {}, posLane(3, boCookie))).body).toEqual({ signedOut: true });
    expect((await s.call('GET', '/api/staff/me', undefined, posLane(3, boCookie))).body.person).toBeNull();
    expect((await s.call('POST', '/api/staff/sign-out', {}, posLane(3, boCookie))).body).toEqual({ signedOut: false });

    // idle for 15 minutes: signed out
    const again = staffCookie(await s.call('POST', '/api/staff/sign-in', { pin: ANA.pin }, posLane(5)));
    s.clock.now += 14 * 60_000;
    expect((await s.call('GET', '/api/staff/me', undefined, posLane(5, again))).body.person).not.toBeNull();
    s.clock.now += 14 * 60_000; // seen 14 minutes ago: still there
    expect((await s.call('GET', '/api/staff/me', undefined, posLane(5, again))).body.person).not.toBeNull();
    s.clock.now += 15 * 60_000 + 1;
    expect((await s.call('GET', '/api/staff/me', undefined, posLane(5, again))).body.person).toBeNull();

    const actions = s.auditEvents().map((e) => `${e.action} ${e.lane} ${e.actorUserId}`);
    expect(actions).toEqual([
      `SIGN_IN 3 ${ANA.userId}`,
      `SIGN_OUT 3 ${ANA.userId}`,
      `SIGN_IN 3 ${BO.userId}`,
      `SIGN_OUT 3 ${BO.userId}`,
      `SIGN_IN 5 ${ANA.userId}`,
    ]);
    // the back office's list reads the same rows, names resolved
    const list = (await s.call('GET', '/api/staff/audit?limit=2')).body;
    expect(list.rows).toHaveLength(2);
    expect(list.rows[0]).toMatchObject({ action: 'SIGN_IN', lane: 5, actor: { name: ANA.name } });
    // a POS screen may not read it; a kiosk or a handheld may not sign in
    expect((await s.call('GET', '/api/staff/audit', undefined, posLane(3))).status).toBe(403);
    expect((await s.call('POST', '/api/staff/sign-in', { pin: ANA.pin }, 'sf_screen=kiosk')).status).toBe(403);
  });

  it('locks a lane after 5 wrong PINs for 5 minutes, across a restart; a disabled person’s PIN is a wrong one', async () => {
    let s = await start();
    await s.feedRoster(1, [BO.userId]);
    const wrong = ['7391562', '6048213', BO.pin, '99887766', '5551234'];
    const answers = [];
    for (const pin of wrong) answers.push((await s.call('POST', '/api/staff/sign-in', { pin }, posLane(2))).body);
    expect(answers.map((a) => [a.signedIn, a.reason, a.triesLeft])).toEqual([
      [false, 'wrong-pin', 4],
      [false, 'wrong-pin', 3],
      [false, 'wrong-pin', 2], // Bo is disabled: his PIN is refused like any wrong one
      [false, 'wrong-pin', 1],
      [false, 'wrong-pin', 0],
    ]);
    expect(answers[4].lockedUntil).toBe(s.clock.now + 5 * 60_000);
    // locked: even the right PIN is refused, 429 with Retry-After, and nothing is recorded
    const events = s.auditEvents().length;
    const locked = await s.call('POST', '/api/staff/sign-in', { pin: ANA.pin }, posLane(2));
    expect(locked.status).toBe(429);
    expect(locked.headers.get('content-type')).toMatch(/problem\+json/);
    expect(locked.headers.get('retry-after')).toBe('300');
    expect(locked.body.detail).toMatch(/locked after 5 wrong PINs: try again in 5 min/);
    expect(s.auditEvents()).toHaveLength(events);
    // another lane is not locked
    expect((await s.call('POST', '/api/staff/sign-in', { pin: ANA.pin }, posLane(6))).body.signedIn).toBe(true);

    // a restart keeps the lock
    const { dbPath, clock } = s;
    await s.stop();
    stores.splice(stores.indexOf(s), 1);
    s = await start({ dbPath, now: clock.now + 60_000 });
    expect((await s.call('POST', '/api/staff/sign-in', { pin: ANA.pin }, posLane(2))).status).toBe(429);
    expect((await s.call('GET', '/api/staff/me', undefined, posLane(2))).body.lockedUntil).toBe(clock.now + 5 * 60_000);
    s.clock.now = clock.now + 5 * 60_000;
    expect((await s.call('POST', '/api/staff/sign-in', { pin: ANA.pin }, posLane(2))).body.signedIn).toBe(true);

    const audit = s.auditEvents();
    expect(audit.filter((e) => e.action === 'SIGN_IN_FAILED')).toHaveLength(5);
    expect(audit.filter((e) => e.action === 'LANE_LOCKED')).toEqual([
      expect.objectContaining({ lane: 2, detail: expect.stringMatching(/locked for 5 minutes/) }),
    ]);
    // every event is what the hub's schema takes, and no PIN is anywhere in the store's file's audit or outbox
    for (const e of audit) staffAuditSchema.parse(e);
    const everything = JSON.stringify([
      s.node.db.prepare("SELECT * FROM sync_outbox WHERE type = 'staff.audit'").all(),
      s.node.db.prepare('SELECT * FROM staff_audit').all(),
    ]);
    for (const pin of [...wrong, ANA.pin]) expect(everything).not.toContain(pin);
  });

  it('ends the session of a person the roster disables', async () => {
    const s = await start();
    await s.feedRoster(1);
    const cookie = staffCookie(await s.call('POST', '/api/staff/sign-in', { pin: ANA.pin }, posLane(3)));
    await s.feedRoster(2, [ANA.userId]);
    expect((await s.call('GET', '/api/staff/me', undefined, posLane(3, cookie))).body.person).toBeNull();
    expect((await s.call('POST', '/api/staff/sign-in', { pin: ANA.pin }, posLane(3))).body).toMatchObject({
      signedIn: false,
      reason: 'wrong-pin',
    });
  });

  it('grants a manager’s approval once, for this lane, action and target, for 2 minutes', async () => {
    const s = await start();
    await s.feedRoster(1);
    const anaCookie = staffCookie(await s.call('POST', '/api/staff/sign-in', { pin: ANA.pin }, posLane(3)));
    const ask = { action: 'VOID', saleId: 'sale-42', amountMinor: 1089 };
    // an associate's PIN does not approve (and counts as a wrong PIN at the lane)
    const refused = await s.call('POST', '/api/staff/approvals', { pin: ANA.pin, ...ask }, posLane(3, anaCookie));
    expect(refused.body).toMatchObject({ approved: false, approvalId: null, reason: 'wrong-pin', triesLeft: 4 });
    const ok = await s.call('POST', '/api/staff/approvals', { pin: MIA.pin, ...ask }, posLane(3, anaCookie));
    expect(ok.status).toBe(201);
    expect(ok.body).toMatchObject({
      approved: true,
      approver: { userId: MIA.userId, name: MIA.name },
      expiresAt: s.clock.now + 2 * 60_000,
    });
    const id: string = ok.body.approvalId;
    expect(JSON.stringify(s.node.db.prepare('SELECT * FROM staff_approvals').all())).not.toContain(id);
    const gate = s.node.staff;
    const at = (lane: number) => gateRequest(lane, { cookie: anaCookie, 'Manager-Approval': id });
    // anything else is refused: another action, another sale, another amount, another lane, no header
    expect(() => gate.checkApproval(at(3), 'NO_SALE', {}, 3)).toThrow(/for something else/);
    expect(() => gate.checkApproval(at(3), 'VOID', { saleId: 'sale-43', amountMinor: 1089 }, 3)).toThrow(
      /for something else/,
    );
    expect(() => gate.checkApproval(at(3), 'VOID', { saleId: 'sale-42', amountMinor: 1090 }, 3)).toThrow(
      /for something else/,
    );
    expect(() => gate.checkApproval(at(4), 'VOID', { saleId: 'sale-42', amountMinor: 1089 }, 4)).toThrow(
      /not one of this lane’s/,
    );
    expect(() => gate.checkApproval(gateRequest(3), 'VOID', { saleId: 'sale-42' }, 3)).toThrow(
      /A manager’s PIN is needed to void a sale/,
    );
    const target = { saleId: 'sale-42', amountMinor: 1089 };
    expect(gate.checkApproval(at(3), 'VOID', target, 3)).toEqual({
      approverUserId: MIA.userId,
      approverName: MIA.name,
      actorUserId: ANA.userId,
    });
    // the void's write uses it up with its audit row and event
    const entry = {
      action: 'VOID' as const,
      lane: 3,
      actorUserId: ANA.userId,
      approverUserId: MIA.userId,
      saleId: 'sale-42',
      sku: null,
      amountMinor: 1089,
      detail: 'customer changed their mind',
    };
    s.node.sync.write((emit) => gate.audit(emit, entry, id));
    expect(s.auditEvents().at(-1)).toMatchObject({ ...entry, auditId: expect.any(String) });
    // used: the check says so (409), and a second write's audit refuses and rolls it back
    expect(() => gate.checkApproval(at(3), 'VOID', target, 3)).toThrow(/used already/);
    const before = s.auditEvents().length;
    expect(() => s.node.sync.write((emit) => gate.audit(emit, entry, id))).toThrow(/used already/);
    expect(s.auditEvents()).toHaveLength(before);

    // expiry: an approval not used within 2 minutes
    const late = (await s.call('POST', '/api/staff/approvals', { pin: MIA.pin, action: 'NO_SALE' }, posLane(3))).body;
    s.clock.now += 2 * 60_000 + 1;
    expect(() => gate.checkApproval(gateRequest(3, { 'Manager-Approval': late.approvalId }), 'NO_SALE', {}, 3)).toThrow(
      /expired/,
    );
    // a refund's approved amount is a ceiling
    const refund = (
      await s.call(
        'POST',
        '/api/staff/approvals',
        { pin: MIA.pin, action: 'REFUND_OVER_LIMIT', saleId: 'sale-7', amountMinor: 9000 },
        posLane(3),
      )
    ).body;
    const r = gateRequest(3, { 'Manager-Approval': refund.approvalId });
    expect(gate.checkApproval(r, 'REFUND_OVER_LIMIT', { saleId: 'sale-7', amountMinor: 8500 }, 3)).not.toBeNull();
    expect(() => gate.checkApproval(r, 'REFUND_OVER_LIMIT', { saleId: 'sale-7', amountMinor: 9001 }, 3)).toThrow();
  });

  it('refuses bad input with a 400 problem that changes nothing', async () => {
    const s = await start();
    await s.feedRoster(1);
    const before = s.auditEvents().length;
    for (const body of [
      {},
      { pin: '12' },
      { pin: '123456789' },
      { pin: 'abcd' },
      { pin: 1234 },
      { pin: '1234', extra: 1 },
      { pin: '१२३४' },
    ]) {
      const r = await s.call('POST', '/api/staff/sign-in', body, posLane(3));
      expect([JSON.stringify(body), r.status]).toEqual([JSON.stringify(body), 400]);
      expect(r.headers.get('content-type')).toMatch(/problem\+json/);
    }
    for (const body of [
      { pin: MIA.pin, action: 'DANCE' },
      { pin: MIA.pin },
      { pin: MIA.pin, action: 'VOID', amountMinor: 1.5 },
    ]) {
      const r = await s.call('POST', '/api/staff/approvals', body, posLane(3));
      expect(r.status).toBe(400);
    }
    expect((await s.call('GET', '/api/staff/audit?limit=0')).status).toBe(400);
    expect(s.auditEvents()).toHaveLength(before);
    expect(s.node.db.prepare('SELECT count(*) FROM staff_lane_locks').pluck().get()).toBe(0);
  });
});
