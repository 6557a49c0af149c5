import { randomUUID } from 'node:crypto';
import pino from 'pino';
import type { StaffAuditEntry } from '@storefleet/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { signedInHub } from '../../../../tests/support/signed-in-hub.js';
import { StoreOutbox } from '../../../../tests/support/store-outbox.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import { BoundedBatchQueue } from '../../../kernel/edge/admin-audit.js';

const PASSWORD = 'a long enough password 123';

const entry = (over: Partial<StaffAuditEntry>): StaffAuditEntry => ({
  auditId: randomUUID(),
  at: Date.parse('2026-03-02T10:00:00Z'),
  action: 'SIGN_IN',
  lane: 3,
  actorUserId: null,
  approverUserId: null,
  saleId: null,
  sku: null,
  amountMinor: null,
  detail: '',
  ...over,
});

describe.each(dbTargets)('the lanes’ audit and the admin actions ($name)', (target) => {
  const h = signedInHub(target);
  let a: { id: string; token: string };
  let b: { id: string; token: string };
  let jo: string;
  let sam: string;
  let samCookie: string;
  let beaCookie: string;
  let adminId: string;

  beforeAll(async () => {
    a = await h.t.store('AUD-A', h.admin);
    b = await h.t.store('AUD-B', h.admin);
    const add = async (email: string, name: string, role: 'STORE_MANAGER' | 'ASSOCIATE', storeId: string) =>
      (await h.t.hub.auth.createUser({ email, name, role, storeId: storeId as never, password: PASSWORD })).id;
    jo = await add('jo@example.test', 'Jo Bloggs', 'ASSOCIATE', a.id);
    sam = await add('sam@example.test', 'Sam Manager', 'STORE_MANAGER', a.id);
    await add('bea@example.test', 'Bea Boss', 'STORE_MANAGER', b.id);
    samCookie = await h.t.login('sam@example.test', PASSWORD);
    beaCookie = await h.t.login('bea@example.test', PASSWORD);
    adminId = (await h.t.call('GET', '/api/auth/me', undefined, { cookie: h.admin })).body.userId;
  }, 60_000);

  it('an audit event applied twice is one row; a person the hub does not know is kept by id', async () => {
    const outbox = new StoreOutbox(h.t, a.id);
    const stranger = randomUUID();
    const theVoid = entry({
      action: 'VOID',
      actorUserId: jo,
      approverUserId: sam,
      saleId: '0042-3-000123',
      amountMinor: 1250,
      at: Date.parse('2026-03-02T11:00:00Z'),
    });
    const first = await outbox.send(
      outbox.event('staff.audit', theVoid),
      outbox.event('staff.audit', entry({ actorUserId: stranger, at: Date.parse('2026-03-02T10:30:00Z') })),
      outbox.event('staff.audit', { ...entry({}), pin: '2580' }), // not the schema's: parked alone
    );
    expect(first).toBeDefined();
    // the same row again (a redelivery after a lost acknowledgement, under a new seq)
    await outbox.send(outbox.event('staff.audit', theVoid));
    const { rows } = await h.t.hub.db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM staff_audit WHERE store_id = $1 AND audit_id = $2',
      [a.id, theVoid.auditId],
    );
    expect(rows[0]!.n).toBe(1);
    const list = await h.t.call('GET', `/api/staff/audit?storeId=${a.id}`, undefined, { cookie: h.admin });
    expect(list.status).toBe(200);
    expect(list.body.items).toHaveLength(2);
    expect(list.body.items[0]).toMatchObject({
      auditId: theVoid.auditId,
      action: 'VOID',
      lane: 3,
      saleId: '0042-3-000123',
      amountMinor: 1250,
      actor: { userId: jo, name: 'Jo Bloggs' },
      approver: { userId: sam, name: 'Sam Manager' },
    });
    expect(list.body.items[1].actor).toEqual({ userId: stranger, name: null });
    const parked = await h.t.call('GET', `/api/sync/parked?storeId=${a.id}`, undefined, { cookie: h.admin });
    expect(parked.body.items.map((p: { type: string }) => p.type)).toContain('staff.audit');
  });

  it('reads newest first with filters and keyset pages; a manager reads their own store only', async () => {
    const outbox = new StoreOutbox(h.t, b.id);
    const base = Date.parse('2026-04-01T09:00:00Z');
    await outbox.send(
      ...Array.from({ length: 7 }, (_, i) =>
        outbox.event(
          'staff.audit',
          entry({ action: i % 2 ? 'NO_SALE' : 'SIGN_OUT', at: base + i * 60_000, approverUserId: null }),
        ),
      ),
    );
    const pages: { at: number; action: string }[][] = [];
    let before = '';
    for (;;) {
      const r = await h.t.call(
        'GET',
        `/api/staff/audit?storeId=${b.id}&limit=3${before ? `&before=${before}` : ''}`,
        undefined,
        { cookie: beaCookie },
      );
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      pages.push(r.body.items);
      if (!r.body.next) break;
      before = r.body.next;
    }
    const ats = pages.flat().map((x) => x.at);
    expect(ats).toEqual(Array.from({ length: 7 }, (_, i) => base + (6 - i) * 60_000));
    const noSales = await h.t.call(
      'GET',
      `/api/staff/audit?action=NO_SALE&from=${base + 60_000}&to=${base + 5 * 60_000}`,
      undefined,
      { cookie: beaCookie },
    );
    expect(noSales.body.items.map((x: { at: number }) => x.at)).toEqual([base + 3 * 60_000, base + 60_000]);
    // the manager of store A sees store A's rows only, and is refused store B's
    const mine = await h.t.call('GET', '/api/staff/audit', undefined, { cookie: samCookie });
    expect(mine.body.items.every((x: { storeId: string }) => x.storeId === a.id)).toBe(true);
    expect((await h.t.call('GET', `/api/staff/audit?storeId=${b.id}`, undefined, { cookie: samCookie })).status).toBe(
      403,
    );
    // head office reads every store at once
    const all = await h.t.call('GET', '/api/staff/audit?limit=500', undefined, { cookie: h.admin });
    expect(new Set(all.body.items.map((x: { storeId: string }) => x.storeId))).toEqual(new Set([a.id, b.id]));
    for (const bad of ['before=nonsense', 'action=DANCE', 'limit=0', 'from=-1', 'storeId=x', 'surprise=1']) {
      const r = await h.t.call('GET', `/api/staff/audit?${bad}`, undefined, { cookie: h.admin });
      expect(r.status, bad).toBe(400);
      expect(r.headers.get('content-type')).toContain('application/problem+json');
    }
    expect((await h.t.call('GET', '/api/staff/audit', undefined, { bearer: a.token })).status).toBe(403);
    expect((await h.t.call('GET', '/api/staff/audit')).status).toBe(401);
  });

  it('a person’s write through the API is an admin action (route, status, no body); a store’s and a read are not', async () => {
    const key = `audit-${randomUUID()}`;
    const pinned = await h.t.call('POST', `/api/staff/people/${jo}/pin?note=secret-query`, undefined, {
      cookie: samCookie,
      idempotencyKey: key,
    });
    expect(pinned.status).toBe(201);
    const pin: string = pinned.body.pin;
    const refused = await h.t.call('PATCH', `/api/users/${jo}`, { disabled: true }, { cookie: samCookie });
    expect(refused.status).toBe(403);
    // a store's write and a person's read
    const storeWrite = await h.t.call('POST', '/api/customers', { name: 'Walk-in' }, { bearer: a.token });
    expect(storeWrite.status).toBe(201);
    await h.t.call('GET', '/api/staff/people', undefined, { cookie: samCookie });
    const actions = await waitFor('the admin actions written', async () => {
      const r = await h.t.call('GET', `/api/staff/admin-actions?userId=${sam}`, undefined, { cookie: h.admin });
      return r.body.items?.length >= 2 ? r.body.items : undefined;
    });
    expect(actions).toHaveLength(2);
    expect(actions[0]).toMatchObject({
      user: { userId: sam, name: 'Sam Manager' },
      role: 'STORE_MANAGER',
      storeId: a.id,
      route: 'PATCH /api/users/:id',
      path: `/api/users/${jo}`,
      status: 403,
    });
    expect(actions[1]).toMatchObject({
      route: 'POST /api/staff/people/:userId/pin',
      path: `/api/staff/people/${jo}/pin`,
      status: 201,
      idempotencyKey: key,
    });
    expect(actions[1].address).toMatch(/127\.0\.0\.1/);
    const everything = JSON.stringify((await h.t.hub.db.query('SELECT * FROM admin_actions')).rows);
    expect(everything).not.toContain(pin);
    expect(everything).not.toContain('secret-query');
    expect(everything).not.toContain('/api/customers');
    // the admin's own calls are there too (a store's registration), and only ADMIN reads the list
    const admins = await h.t.call('GET', `/api/staff/admin-actions?userId=${adminId}`, undefined, { cookie: h.admin });
    expect(admins.body.items.map((x: { route: string }) => x.route)).toContain('POST /api/locations');
    expect((await h.t.call('GET', '/api/staff/admin-actions', undefined, { cookie: samCookie })).status).toBe(403);
    expect((await h.t.call('GET', '/api/staff/admin-actions', undefined, { bearer: a.token })).status).toBe(403);
    expect((await h.t.call('GET', '/api/staff/admin-actions?userId=nope', undefined, { cookie: h.admin })).status).toBe(
      400,
    );
  });
});

describe('the admin audit’s bounded queue', () => {
  it('past 1,000 waiting it drops, counts and logs; what it kept is written in batches', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (l: string) => lines.push(l) });
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const batches: number[][] = [];
    const queue = new BoundedBatchQueue<number>(
      async (batch) => {
        await gate;
        batches.push([...batch]);
      },
      log,
      'admin audit',
      1_000,
      200,
    );
    const pushed = Array.from({ length: 1_500 }, (_, i) => queue.push(i));
    expect(queue.counts()).toMatchObject({ dropped: 500, waiting: 1_000 });
    open();
    await Promise.all(pushed);
    await queue.flush();
    expect(queue.counts()).toEqual({ written: 1_000, dropped: 500, failed: 0, waiting: 0 });
    expect(batches.map((x) => x.length)).toEqual([200, 200, 200, 200, 200]);
    expect(batches.flat()).toEqual(Array.from({ length: 1_000 }, (_, i) => i));
    expect(lines.filter((l) => l.includes('a record was dropped'))).toHaveLength(1);
  });

  it('a failing write is logged and counted, never thrown at the caller', async () => {
    const lines: string[] = [];
    const log = pino({ level: 'warn' }, { write: (l: string) => lines.push(l) });
    const queue = new BoundedBatchQueue<number>(
      async () => {
        throw new Error('database away');
      },
      log,
      'admin audit',
    );
    await expect(queue.push(1)).resolves.toBeUndefined();
    expect(queue.counts()).toMatchObject({ failed: 1, written: 0 });
    expect(lines.join('')).toContain('could not be written');
  });
});
