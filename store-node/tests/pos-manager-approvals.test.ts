import type { AddressInfo } from 'node:net';
import { createServer, type Server } from 'node:http';
import express, { type Request } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ConflictError,
  createLogger,
  errorHandler,
  ForbiddenError,
  type ManagerAction,
  type SaleCompleted,
  UnauthorizedError,
} from '@storefleet/shared';
import { posRoutes, type PosRouteOptions } from '../src/pos/routes.js';
import {
  type ApprovalTarget,
  type ApprovalUse,
  type AuditInput,
  MANAGER_APPROVAL_HEADER,
  OPEN_GATE,
  type StaffGate,
  type StaffOnLane,
} from '../src/staff/staff-gate.js';
import type { SqliteDb } from '../src/db/open-sqlite.js';
import type { Emit } from '../src/sync/store-sync.js';
import { fakePricing } from './support/pos-pricing-fake.js';
import { startTill, type Till } from './support/till-fixture.js';

/**
 * The POS actions that need a manager's PIN (issue #27), tested on the POS side with a small gate that enforces: the
 * real one (staff/) is tested by its own lane. The routes run on the till's own PosService and SQLite file, behind a
 * caller that is lane 1 (the screen guard's part), on a real socket.
 */
const JO = { userId: '0191a3c0-0000-7000-8000-0000000000a1', name: 'Jo Bloggs', role: 'ASSOCIATE' as const };
const MAX = { userId: '0191a3c0-0000-7000-8000-0000000000b2', name: 'Max Manager', role: 'STORE_MANAGER' as const };

interface Granted {
  action: ManagerAction;
  target: ApprovalTarget;
  lane: number;
}

/**
 * A gate that enforces: the person is the `sf_staff` cookie's user id; approvals are granted by the test. Like the real
 * one it keeps what it writes in the store's SQLite file, inside the caller's write: an approval used up (a table of
 * its own) and the audit as a `staff.audit` outbox event, so an action that rolls back leaves neither.
 */
class FakeGate implements StaffGate {
  readonly approvals = new Map<string, Granted>();
  /** Lets a used approval through the check (as if used by another request meanwhile): only `audit` refuses it then. */
  skipUsedCheck = false;
  #next = 0;

  constructor(readonly db: SqliteDb) {
    db.exec('CREATE TABLE IF NOT EXISTS test_approvals_used (id TEXT PRIMARY KEY)');
  }

  used(id: string): boolean {
    return this.db.prepare('SELECT 1 FROM test_approvals_used WHERE id = ?').get(id) !== undefined;
  }

  /** Every audit the gate recorded (committed), oldest first. */
  get audits(): { entry: AuditInput; approvalId: string | undefined }[] {
    return (
      this.db
        .prepare("SELECT payload FROM sync_outbox WHERE type = 'staff.audit' ORDER BY seq")
        .pluck()
        .all() as string[]
    ).map((p) => {
      const { approvalId, auditId: _id, at: _at, ...entry } = JSON.parse(p);
      return { entry, approvalId: approvalId ?? undefined };
    });
  }

  enforced(): boolean {
    return true;
  }
  signedIn(req: Request): StaffOnLane | null {
    const id = /(?:^|;\s*)sf_staff=([^;]+)/.exec(req.get('cookie') ?? '')?.[1];
    return [JO, MAX].find((p) => p.userId === id) ?? null;
  }
  requirePerson(req: Request): StaffOnLane | null {
    const person = this.signedIn(req);
    if (!person) throw new UnauthorizedError('sign in at this lane with your PIN');
    return person;
  }
  grant(action: ManagerAction, target: ApprovalTarget, lane = 1): string {
    const id = `approval-${++this.#next}`;
    this.approvals.set(id, { action, target, lane });
    return id;
  }
  checkApproval(req: Request, action: ManagerAction, target: ApprovalTarget, lane: number | undefined): ApprovalUse {
    const id = req.get(MANAGER_APPROVAL_HEADER);
    const a = id ? this.approvals.get(id) : undefined;
    if (!a) throw new ForbiddenError(`a manager's PIN is needed for ${action}`);
    if (this.used(id!) && !this.skipUsedCheck) throw new ForbiddenError('this approval was used already');
    const same = (k: keyof ApprovalTarget) => a.target[k] === target[k];
    if (a.action !== action || a.lane !== lane || !same('saleId') || !same('sku') || !same('amountMinor'))
      throw new ForbiddenError(`this approval is for ${a.action} of something else`);
    return { approverUserId: MAX.userId, approverName: MAX.name, actorUserId: this.signedIn(req)?.userId ?? null };
  }
  audit(emit: Emit, entry: AuditInput, approvalId?: string): void {
    if (approvalId) {
      if (this.used(approvalId)) throw new ConflictError('this approval was used meanwhile');
      this.db.prepare('INSERT INTO test_approvals_used (id) VALUES (?)').run(approvalId);
    }
    emit('staff.audit', { ...entry, auditId: `audit-${++this.#next}`, at: 0, approvalId: approvalId ?? null });
  }
}

/** The till's routes with `gate`, as lane 1, on 127.0.0.1; `call` sends Jo's sign-in cookie unless told otherwise. */
async function laneApp(till: Till, gate: StaffGate, options: PosRouteOptions = {}) {
  const printed: string[] = [];
  const app = express();
  app.use(express.json());
  app.use((_req, res, next) => {
    res.locals.caller = { role: 'lane', scope: 'lane', lane: 1 };
    next();
  });
  app.use(
    '/api',
    posRoutes(
      till.node.pos,
      (text) => {
        printed.push(text);
        return true;
      },
      gate,
      options,
    ),
  );
  app.use(errorHandler(createLogger('pos-manager-test', 'silent')));
  const server: Server = createServer(app);
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const call = async (
    method: string,
    path: string,
    body?: unknown,
    opts: { approval?: string; person?: string | null } = {},
  ) => {
    const person = opts.person === undefined ? JO.userId : opts.person;
    const res = await fetch(url + path, {
      method,
      headers: {
        'content-type': 'application/json',
        ...(person ? { cookie: `sf_staff=${person}` } : {}),
        ...(opts.approval ? { [MANAGER_APPROVAL_HEADER]: opts.approval } : {}),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    return { status: res.status, type: res.headers.get('content-type'), body: (await res.json()) as any };
  };
  const close = () => new Promise<void>((ok) => server.close(() => ok()));
  return { call, close, printed };
}

describe('manager actions at the lane, with a gate that enforces', () => {
  let till: Till;
  let gate: FakeGate;
  let lane: Awaited<ReturnType<typeof laneApp>>;
  beforeAll(async () => {
    till = await startTill();
    fakePricing(till.node); // 3 for 2 on cereal
    const put = till.node.db.prepare(
      `INSERT INTO catalog_products (sku, gtin, name, brand, size, category, price_minor, currency, tax_class, updated_at)
       VALUES (?, NULL, ?, NULL, NULL, 'Test', ?, 'USD', 'REDUCED', 1)`,
    );
    put.run('GIFT4999', 'Gift box 49.99', 4999); // untaxed: the refund is the price
    put.run('GIFT5001', 'Gift box 50.01', 5001);
    put.run('GIFT2000', 'Gift box 20.00', 2000);
    for (const sku of ['GIFT4999', 'GIFT5001', 'GIFT2000'])
      await till.call('POST', '/api/stock/movements', { sku, delta: 5, kind: 'RECEIVE' });
    gate = new FakeGate(till.node.db);
    lane = await laneApp(till, gate, { refundApprovalOverMinor: 5000 });
  });
  afterAll(async () => {
    await lane?.close();
    await till?.stop();
  });

  const basket = async (lines: Record<string, number>) => {
    const sale = (await lane.call('POST', '/api/pos/sales')).body;
    for (const [code, qty] of Object.entries(lines))
      await lane.call('POST', `/api/pos/sales/${sale.id}/lines`, { code, qty });
    return (await lane.call('GET', `/api/pos/sales/${sale.id}`)).body;
  };

  it('asks for a person at the lane before any write, and names who served the customer on the sale and its receipt', async () => {
    const nobody = await lane.call('POST', '/api/pos/sales', undefined, { person: null });
    expect(nobody.status).toBe(401);
    expect(nobody.type).toContain('application/problem+json');
    const sale = await basket({ HEADPHONES: 1 });
    const scan = await lane.call('POST', `/api/pos/sales/${sale.id}/lines`, { code: 'CEREAL' }, { person: null });
    expect(scan.status).toBe(401);
    expect((await lane.call('GET', `/api/pos/sales/${sale.id}`)).body.lines).toHaveLength(1); // nothing added
    const paid = await lane.call('POST', `/api/pos/sales/${sale.id}/tender`, { kind: 'CASH', givenMinor: 2000 });
    expect(paid.status).toBe(200);
    expect(paid.body.servedBy).toBe('Jo Bloggs');
    expect(paid.body.receipt).toContain('Served by Jo');
    expect(paid.body.receipt).not.toContain('Bloggs'); // the first name only on paper
    const row = till.node.db.prepare('SELECT cashier_user_id, cashier_name FROM sales WHERE id = ?').get(sale.id);
    expect(row).toEqual({ cashier_user_id: JO.userId, cashier_name: 'Jo Bloggs' });
    // The lane's state says who is signed in there, for the page's header.
    expect((await lane.call('GET', '/api/pos/lane')).body).toMatchObject({
      staff: { userId: JO.userId, name: 'Jo Bloggs', role: 'ASSOCIATE' },
      staffSignIn: true,
    });
  });

  it('refuses a void without a manager’s approval (403, the sale stays open) and voids with one, audited once', async () => {
    const sale = await basket({ HEADPHONES: 2 });
    const refused = await lane.call('POST', `/api/pos/sales/${sale.id}/void`);
    expect(refused.status).toBe(403);
    expect(refused.type).toContain('application/problem+json');
    // The refusal says what to ask a manager for: this sale and its total.
    expect(refused.body.managerApproval).toEqual({ action: 'VOID', saleId: sale.id, amountMinor: sale.totalMinor });
    expect((await lane.call('GET', `/api/pos/sales/${sale.id}`)).body.status).toBe('OPEN');
    expect(till.events('sale.voided', sale.id)).toHaveLength(0);

    const forOther = gate.grant('VOID', { saleId: sale.id, amountMinor: sale.totalMinor - 1 });
    expect((await lane.call('POST', `/api/pos/sales/${sale.id}/void`, undefined, { approval: forOther })).status).toBe(
      403,
    );
    const approval = gate.grant('VOID', { saleId: sale.id, amountMinor: sale.totalMinor });
    const voided = await lane.call('POST', `/api/pos/sales/${sale.id}/void`, { reason: 'customer left' }, { approval });
    expect(voided.status).toBe(200);
    expect(voided.body.status).toBe('VOIDED');
    expect(till.events('sale.voided', sale.id)).toHaveLength(1);
    const audits = gate.audits.filter((a) => a.entry.saleId === sale.id);
    expect(audits).toEqual([
      {
        approvalId: approval,
        entry: {
          action: 'VOID',
          lane: 1,
          actorUserId: JO.userId,
          approverUserId: MAX.userId,
          saleId: sale.id,
          sku: null,
          amountMinor: sale.totalMinor,
          detail: expect.stringContaining('customer left'),
        },
      },
    ]);
    expect(gate.used(approval)).toBe(true);
  });

  it('needs no approval for a refund of 49.99 (and audits nothing), but one for 50.01', async () => {
    const small = await basket({ GIFT4999: 1 });
    await lane.call('POST', `/api/pos/sales/${small.id}/tender`, { kind: 'CASH', givenMinor: 4999 });
    const before = gate.audits.length;
    const back = await lane.call('POST', `/api/pos/sales/${small.id}/returns`, {
      items: [{ sku: 'GIFT4999', qty: 1 }],
    });
    expect(back.status).toBe(201);
    expect(back.body.refundMinor).toBe(4999);
    expect(gate.audits.length).toBe(before);

    const big = await basket({ GIFT5001: 1 });
    await lane.call('POST', `/api/pos/sales/${big.id}/tender`, { kind: 'CASH', givenMinor: 5001 });
    const items = [{ sku: 'GIFT5001', qty: 1 }];
    const refused = await lane.call('POST', `/api/pos/sales/${big.id}/returns`, { items });
    expect(refused.status).toBe(403);
    expect(refused.body.managerApproval).toEqual({ action: 'REFUND_OVER_LIMIT', saleId: big.id, amountMinor: 5001 });
    // Nothing came back: no return, no restock, no event.
    expect((await lane.call('GET', `/api/pos/sales/${big.id}`)).body.lines[0].returnedQty).toBe(0);
    expect(till.events('sale.returned', big.id)).toHaveLength(0);

    const approval = gate.grant('REFUND_OVER_LIMIT', { saleId: big.id, amountMinor: 5001 });
    const ok = await lane.call('POST', `/api/pos/sales/${big.id}/returns`, { items }, { approval });
    expect(ok.status).toBe(201);
    expect(ok.body.refundMinor).toBe(5001);
    expect(till.events('sale.returned', big.id)).toHaveLength(1);
    expect(gate.audits.slice(before)).toEqual([
      expect.objectContaining({
        approvalId: approval,
        entry: expect.objectContaining({ action: 'REFUND_OVER_LIMIT', saleId: big.id, amountMinor: 5001 }),
      }),
    ]);
  });

  it('overrides a line’s price with an approval: the total changes, a promotion does not undo it, the receipt marks it', async () => {
    const sale = await basket({ CEREAL: 3, HEADPHONES: 1 });
    const cereal = (s: any) => s.lines.find((l: any) => l.sku === 'CEREAL');
    expect(cereal(sale)).toMatchObject({ unitPriceMinor: 349, discountMinor: 349 }); // 3 for 2
    const path = `/api/pos/sales/${sale.id}/lines/CEREAL/price-override`;
    const body = { unitPriceMinor: 300, reason: 'damaged box' };

    const refused = await lane.call('POST', path, body);
    expect(refused.status).toBe(403);
    expect(refused.body.managerApproval).toEqual({
      action: 'PRICE_OVERRIDE',
      saleId: sale.id,
      sku: 'CEREAL',
      amountMinor: 300,
    });
    expect((await lane.call('GET', `/api/pos/sales/${sale.id}`)).body.totalMinor).toBe(sale.totalMinor);

    const approval = gate.grant('PRICE_OVERRIDE', { saleId: sale.id, sku: 'CEREAL', amountMinor: 300 });
    const overridden = await lane.call('POST', path, body, { approval });
    expect(overridden.status).toBe(200);
    expect(cereal(overridden.body)).toMatchObject({
      unitPriceMinor: 300,
      discountMinor: 0,
      totalMinor: 900,
      promotions: [],
      priceOverride: { reason: 'damaged box' },
    });
    expect(overridden.body.totalMinor).toBe(900 + 1000 + 89); // cereal untaxed; headphones $10.00 + 8.875 %

    // More cereal scanned: the override was approved for 3, so it comes off and the line is priced as usual again
    // (the 3 for 2 takes two off six); the answer says so, for the cashier to ask a manager again.
    const more = (await lane.call('POST', `/api/pos/sales/${sale.id}/lines`, { code: 'CEREAL', qty: 3 })).body;
    expect(cereal(more)).toMatchObject({ qty: 6, unitPriceMinor: 349, discountMinor: 698, priceOverride: null });
    expect(more.priceOverrideRemoved).toEqual({
      sku: 'CEREAL',
      message: 'Oat cereal 500 g: price override removed: quantity changed; ask a manager again',
    });

    // The same approval again: refused, the price stays as usual.
    const reused = await lane.call('POST', path, { unitPriceMinor: 300, reason: 'once more' }, { approval });
    expect(reused.status).toBe(403);
    expect(gate.audits.filter((a) => a.approvalId === approval)).toHaveLength(1);
    const six = gate.grant('PRICE_OVERRIDE', { saleId: sale.id, sku: 'CEREAL', amountMinor: 300 });
    const again = await lane.call(
      'POST',
      path,
      { unitPriceMinor: 300, reason: 'six damaged boxes' },
      { approval: six },
    );
    expect(cereal(again.body)).toMatchObject({ qty: 6, unitPriceMinor: 300, discountMinor: 0, totalMinor: 1800 });
    expect(again.body.promotions).toEqual([]);

    const paid = await lane.call('POST', `/api/pos/sales/${sale.id}/tender`, { kind: 'CASH', givenMinor: 5000 });
    expect(paid.status).toBe(200);
    expect(paid.body.receipt).toMatch(/6 x Oat cereal 500 g\s+\$18\.00\n\s+@ \$3\.00 each\n\s+\(price override\)/);
    const [completed] = till.events('sale.completed', sale.id) as SaleCompleted[];
    expect(completed!.lines.find((l) => l.sku === 'CEREAL')).toMatchObject({
      unitPriceMinor: 300,
      subtotalMinor: 1800,
    });
    const audit = gate.audits.find((a) => a.approvalId === approval)!.entry;
    expect(audit).toMatchObject({ action: 'PRICE_OVERRIDE', saleId: sale.id, sku: 'CEREAL', amountMinor: 300 });
    expect(audit.detail).toContain('damaged box');
    expect(audit.detail).toMatch(/^3 × Oat cereal/); // the quantity it was approved for
    expect(gate.audits.find((a) => a.approvalId === six)!.entry.detail).toMatch(/^6 × Oat cereal.*six damaged boxes/);
  });

  it('takes an override off when the quantity changes: "1 × at 0" does not become "999 × at 0" without a manager', async () => {
    const sale = await basket({ HEADPHONES: 1 });
    const path = `/api/pos/sales/${sale.id}/lines/HEADPHONES/price-override`;
    const line = `/api/pos/sales/${sale.id}/lines/HEADPHONES`;
    const approval = gate.grant('PRICE_OVERRIDE', { saleId: sale.id, sku: 'HEADPHONES', amountMinor: 0 });
    const free = await lane.call('POST', path, { unitPriceMinor: 0, reason: 'damaged item' }, { approval });
    expect(free.status).toBe(200);
    expect(free.body.totalMinor).toBe(0);

    // The same quantity again changes nothing: the override holds.
    const same = await lane.call('PUT', line, { qty: 1 });
    expect(same.body.lines[0]).toMatchObject({ qty: 1, unitPriceMinor: 0, priceOverride: { reason: 'damaged item' } });
    expect(same.body.priceOverrideRemoved).toBeUndefined();

    const many = await lane.call('PUT', line, { qty: 999 });
    expect(many.status).toBe(200);
    expect(many.body.lines[0]).toMatchObject({ qty: 999, unitPriceMinor: 1000, priceOverride: null });
    expect(many.body.totalMinor).toBeGreaterThan(999 * 1000);
    expect(many.body.priceOverrideRemoved.message).toContain('price override removed: quantity changed');
    // Back to one: the override does not come back by itself, and its approval is used up.
    const one = await lane.call('PUT', line, { qty: 1 });
    expect(one.body.lines[0]).toMatchObject({ qty: 1, unitPriceMinor: 1000, priceOverride: null });
    expect(one.body.priceOverrideRemoved).toBeUndefined();
    expect((await lane.call('POST', path, { unitPriceMinor: 0, reason: 'damaged item' }, { approval })).status).toBe(
      403,
    );

    // A scan of the same item is a quantity change too.
    const second = gate.grant('PRICE_OVERRIDE', { saleId: sale.id, sku: 'HEADPHONES', amountMinor: 0 });
    expect(
      (await lane.call('POST', path, { unitPriceMinor: 0, reason: 'damaged item' }, { approval: second })).status,
    ).toBe(200);
    const scanned = await lane.call('POST', `/api/pos/sales/${sale.id}/lines`, { code: 'HEADPHONES', qty: 998 });
    expect(scanned.body.lines[0]).toMatchObject({ qty: 999, unitPriceMinor: 1000, priceOverride: null });
    expect(scanned.body.priceOverrideRemoved?.sku).toBe('HEADPHONES');
    const paid = await lane.call('POST', `/api/pos/sales/${sale.id}/tender`, { kind: 'CASH', givenMinor: 100_000_00 });
    expect(paid.status).toBe(200);
    expect(paid.body.totalMinor).toBe(scanned.body.totalMinor);
    expect(paid.body.receipt).not.toContain('price override');
  });

  it('counts the refund limit per sale: three returns of 20.00 do not avoid the manager 60.00 needs', async () => {
    const sale = await basket({ GIFT2000: 3 });
    await lane.call('POST', `/api/pos/sales/${sale.id}/tender`, { kind: 'CASH', givenMinor: 6000 });
    const items = [{ sku: 'GIFT2000', qty: 1 }];
    const before = gate.audits.length;
    for (const refunded of [2000, 4000]) {
      const back = await lane.call('POST', `/api/pos/sales/${sale.id}/returns`, { items });
      expect(back.status).toBe(201); // the sale's refunds at or under 50.00: nothing asked
      expect(back.body.sale.lines[0].returnedQty).toBe(refunded / 2000);
    }
    expect(gate.audits.length).toBe(before);

    const refused = await lane.call('POST', `/api/pos/sales/${sale.id}/returns`, { items });
    expect(refused.status).toBe(403);
    expect(refused.type).toContain('application/problem+json');
    // The approval asked for is this sale and this return's refund.
    expect(refused.body.managerApproval).toEqual({ action: 'REFUND_OVER_LIMIT', saleId: sale.id, amountMinor: 2000 });
    expect((await lane.call('GET', `/api/pos/sales/${sale.id}`)).body.lines[0].returnedQty).toBe(2);
    expect(till.events('sale.returned', sale.id)).toHaveLength(2);

    const approval = gate.grant('REFUND_OVER_LIMIT', { saleId: sale.id, amountMinor: 2000 });
    const ok = await lane.call('POST', `/api/pos/sales/${sale.id}/returns`, { items }, { approval });
    expect(ok.status).toBe(201);
    expect(ok.body.refundMinor).toBe(2000);
    expect(till.events('sale.returned', sale.id)).toHaveLength(3);
    expect(gate.audits.slice(before)).toEqual([
      expect.objectContaining({
        approvalId: approval,
        entry: expect.objectContaining({
          action: 'REFUND_OVER_LIMIT',
          saleId: sale.id,
          amountMinor: 2000,
          detail: expect.stringContaining('4000 refunded on this sale before'),
        }),
      }),
    ]);
  });

  it('rolls the override back when its approval was used meanwhile (the audit refuses it inside the write)', async () => {
    const sale = await basket({ HEADPHONES: 1 });
    const approval = gate.grant('PRICE_OVERRIDE', { saleId: sale.id, sku: 'HEADPHONES', amountMinor: 500 });
    till.node.db.prepare('INSERT INTO test_approvals_used (id) VALUES (?)').run(approval); // used meanwhile
    gate.skipUsedCheck = true;
    try {
      const path = `/api/pos/sales/${sale.id}/lines/HEADPHONES/price-override`;
      const raced = await lane.call('POST', path, { unitPriceMinor: 500, reason: 'price match' }, { approval });
      expect(raced.status).toBe(409);
    } finally {
      gate.skipUsedCheck = false;
    }
    const now = (await lane.call('GET', `/api/pos/sales/${sale.id}`)).body;
    expect(now.lines[0]).toMatchObject({ unitPriceMinor: 1000, priceOverride: null });
    expect(gate.audits.filter((a) => a.approvalId === approval)).toEqual([]); // nothing of it committed
  });

  it('refuses bad override and no-sale bodies with problem+json and changes nothing', async () => {
    const sale = await basket({ HEADPHONES: 1 });
    const path = `/api/pos/sales/${sale.id}/lines/HEADPHONES/price-override`;
    for (const bad of [
      { unitPriceMinor: -1, reason: 'cheaper' },
      { unitPriceMinor: 1.5, reason: 'cheaper' },
      { unitPriceMinor: 500, reason: 'no' },
      { unitPriceMinor: 500, reason: 'x'.repeat(201) },
      { unitPriceMinor: 500 },
      { unitPriceMinor: 500, reason: 'fine', extra: true },
    ]) {
      const answer = await lane.call('POST', path, bad);
      expect(answer.status).toBe(400);
      expect(answer.type).toContain('application/problem+json');
    }
    expect(
      (
        await lane.call(
          'POST',
          `/api/pos/sales/${sale.id}/lines/NOPE/price-override`,
          { unitPriceMinor: 1, reason: 'why not' },
          { approval: gate.grant('PRICE_OVERRIDE', { saleId: sale.id, sku: 'NOPE', amountMinor: 1 }) },
        )
      ).status,
    ).toBe(404);
    expect((await lane.call('POST', '/api/pos/drawer/open', { reason: '' })).status).toBe(400);
    expect((await lane.call('GET', `/api/pos/sales/${sale.id}`)).body.lines[0].priceOverride).toBeNull();
  });

  it('opens the drawer for a no-sale only with an approval; with no printer it says so and audits nothing', async () => {
    const refused = await lane.call('POST', '/api/pos/drawer/open', { reason: 'change for the float' });
    expect(refused.status).toBe(403);
    expect(refused.body.managerApproval).toEqual({ action: 'NO_SALE' });
    const approval = gate.grant('NO_SALE', {});
    const before = gate.audits.length;
    const answer = await lane.call('POST', '/api/pos/drawer/open', { reason: 'change for the float' }, { approval });
    expect(answer.status).toBe(200);
    expect(answer.body).toEqual({ opened: false, reason: 'no receipt printer' });
    expect(gate.audits.length).toBe(before);
    expect(gate.used(approval)).toBe(false); // kept for when the printer is back
  });
});

describe('the same routes where the store asks for nobody (OPEN_GATE)', () => {
  let till: Till;
  let lane: Awaited<ReturnType<typeof laneApp>>;
  beforeAll(async () => {
    till = await startTill();
    lane = await laneApp(till, OPEN_GATE);
  });
  afterAll(async () => {
    await lane?.close();
    await till?.stop();
  });

  it('voids, overrides, refunds over the limit and opens the drawer without asking, and names nobody', async () => {
    const open = (await lane.call('POST', '/api/pos/sales', undefined, { person: null })).body;
    await lane.call('POST', `/api/pos/sales/${open.id}/lines`, { code: 'HEADPHONES', qty: 6 }, { person: null });
    const over = await lane.call(
      'POST',
      `/api/pos/sales/${open.id}/lines/HEADPHONES/price-override`,
      { unitPriceMinor: 1200, reason: 'wrong shelf label' },
      { person: null },
    );
    expect(over.status).toBe(200);
    expect(over.body.lines[0]).toMatchObject({ unitPriceMinor: 1200, priceOverride: { reason: 'wrong shelf label' } });
    const paid = await lane.call('POST', `/api/pos/sales/${open.id}/tender`, { kind: 'CASH', givenMinor: 10_000 });
    expect(paid.body.servedBy).toBeNull();
    expect(paid.body.receipt).not.toContain('Served by');
    const back = await lane.call('POST', `/api/pos/sales/${open.id}/returns`, {
      items: [{ sku: 'HEADPHONES', qty: 6 }],
    });
    expect(back.status).toBe(201); // $78.39: over the limit, nothing asked
    const other = (await lane.call('POST', '/api/pos/sales')).body;
    await lane.call('POST', `/api/pos/sales/${other.id}/lines`, { code: 'CEREAL' });
    expect((await lane.call('POST', `/api/pos/sales/${other.id}/void`)).body.status).toBe('VOIDED');
    expect((await lane.call('POST', '/api/pos/drawer/open', { reason: 'float check' })).body).toEqual({
      opened: false,
      reason: 'no receipt printer',
    });
    expect((await lane.call('GET', '/api/pos/lane')).body).toMatchObject({ staff: null, staffSignIn: false });
  });
});
