import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../tests/support/db-targets.js';
import { FlowHub } from './support/flow-hub.js';

/**
 * Workflow incidents reach staff (issue #15): before, a hand-over that arrived after its order's cancel raised a row
 * in `workflow_incidents` that no API or page showed. Now an ADMIN lists them (newest first, paged, open or
 * resolved, each with a sentence saying what happened) and resolves each once with a note.
 */
describe.each(dbTargets)('workflow incidents for staff, on $name', (target) => {
  const f = new FlowHub();
  const raised: { id: string; reservationId: string; handedOverAt: number }[] = [];
  const count = async (sql: string) =>
    (await f.t.hub.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM workflow_incidents ${sql}`)).rows[0]!.n;

  beforeAll(async () => {
    await f.start(target, ['IN-A', 'IN-B']);
    await f.products('LAMP');
    await f.stock(f.storeA.id, 'LAMP', 20, 'RECEIVE');
    for (let i = 0; i < 3; i++) {
      const handedOverAt = Date.UTC(2026, 2, 1, 9, i);
      raised.push({
        ...(await f.handedOverAfterCancel(f.storeA.id, 'LAMP', `inc-${i}-${target.name}`, handedOverAt)),
        handedOverAt,
      });
      f.t.clock.offsetMs += 1_000; // each raised a second after the last, so "newest first" has one answer
    }
  });
  afterAll(() => f.stop());

  it('lists open incidents newest first, page by page, each saying what happened in a sentence', async () => {
    const first = await f.t.call('GET', '/api/workflows/incidents?state=OPEN&limit=2', undefined, f.admin);
    expect(first.status).toBe(200);
    expect(first.body.items.map((i: { orderId: string }) => i.orderId)).toEqual([raised[2]!.id, raised[1]!.id]);
    expect(first.body.items[0]).toMatchObject({
      kind: 'PICKUP_AFTER_END',
      state: 'OPEN',
      storeId: f.storeA.id,
      store: 'Store IN-A (IN-A)',
      reservationId: raised[2]!.reservationId,
      orderId: raised[2]!.id,
      resolution: null,
      sentence:
        `Store IN-A (IN-A) handed over hold ${raised[2]!.reservationId} at 2026-03-01T09:02:00.000Z, after the hub ` +
        `had ended it (RELEASED). Its order ${raised[2]!.id} was CANCELLED by then and its payment voided or ` +
        'refunded: the goods left unpaid.',
    });
    expect(first.body.next).toBe(first.body.items[1].id);
    const second = await f.t.call(
      'GET',
      `/api/workflows/incidents?state=OPEN&limit=2&after=${first.body.next}`,
      undefined,
      f.admin,
    );
    expect(second.body.items.map((i: { orderId: string }) => i.orderId)).toEqual([raised[0]!.id]);
    expect(second.body.next).toBeNull();
  });

  it('resolves an incident once, recording who, when and the note; a second resolve is 409 saying by whom', async () => {
    const [incident] = (await f.t.call('GET', '/api/workflows/incidents?state=OPEN&limit=1', undefined, f.admin)).body
      .items;
    const path = `/api/workflows/incidents/${incident.id}/resolve`;
    const note = 'Called the customer: they will pay at the store.';
    const resolved = await f.t.call('POST', path, { note }, { ...f.admin, idempotencyKey: 'resolve-once' });
    expect(resolved.status).toBe(200);
    expect(resolved.body).toMatchObject({
      id: incident.id,
      state: 'RESOLVED',
      resolution: { note, by: { email: 'admin@example.test' }, at: expect.any(Number) },
    });
    // a retry with the same key gets the first answer, not a conflict
    const retried = await f.t.call('POST', path, { note }, { ...f.admin, idempotencyKey: 'resolve-once' });
    expect(retried.status).toBe(200);
    expect(retried.headers.get('idempotent-replayed')).toBe('true');
    expect(retried.body).toEqual(resolved.body);

    const again = await f.t.call('POST', path, { note: 'me too' }, f.admin);
    expect(again.status).toBe(409);
    expect(again.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(again.body.detail).toBe(
      `incident ${incident.id} was already resolved by admin@example.test at ${new Date(resolved.body.resolution.at).toISOString()}`,
    );

    const open = await f.t.call('GET', '/api/workflows/incidents?state=OPEN', undefined, f.admin);
    expect(open.body.items.map((i: { id: string }) => i.id)).not.toContain(incident.id);
    const done = await f.t.call('GET', '/api/workflows/incidents?state=RESOLVED', undefined, f.admin);
    expect(done.body.items).toEqual([
      expect.objectContaining({ id: incident.id, resolution: resolved.body.resolution }),
    ]);
  });

  it('refuses bad ids, bad notes and bad queries with 4xx problem+json, changing nothing', async () => {
    const [incident] = (await f.t.call('GET', '/api/workflows/incidents?state=OPEN&limit=1', undefined, f.admin)).body
      .items;
    const open = await count('WHERE resolved_at IS NULL');
    const resolve = (id: string) => `/api/workflows/incidents/${id}/resolve`;
    const cases: [string, string, unknown, number][] = [
      ['POST', resolve(incident.id), { note: 'a\u0000b' }, 400],
      ['POST', resolve(incident.id), { note: 'x'.repeat(10_000) }, 400],
      ['POST', resolve(incident.id), { note: '   ' }, 400],
      ['POST', resolve(incident.id), {}, 400],
      ['POST', resolve(incident.id), { note: 'ok', resolvedBy: 'someone else' }, 400],
      ['POST', resolve(incident.id), ['ok'], 400],
      ['POST', resolve('not-an-id'), { note: 'ok' }, 400],
      ['POST', resolve('%00'), { note: 'ok' }, 400],
      ['POST', resolve('0190f0f0-0000-7000-8000-00000000dead'), { note: 'ok' }, 404],
      ['GET', '/api/workflows/incidents?state=open', undefined, 400],
      ['GET', '/api/workflows/incidents?limit=0', undefined, 400],
      ['GET', '/api/workflows/incidents?limit=99999', undefined, 400],
      ['GET', '/api/workflows/incidents?after=0190f0f0-0000-7000-8000-00000000dead', undefined, 400],
      ['GET', '/api/workflows/incidents?after=x', undefined, 400],
    ];
    for (const [method, path, body, status] of cases) {
      const res = await f.t.call(method, path, body, f.admin);
      expect({ method, path, body, status: res.status, type: res.headers.get('content-type') }).toEqual({
        method,
        path,
        body,
        status,
        type: 'application/problem+json; charset=utf-8',
      });
    }
    expect(await count('WHERE resolved_at IS NULL')).toBe(open);
  });

  it('is for head office and each store’s manager (their own store’s only); a store token and another store’s manager get none', async () => {
    const [incident] = (await f.t.call('GET', '/api/workflows/incidents?state=OPEN&limit=1', undefined, f.admin)).body
      .items;
    expect(incident.storeId).toBe(f.storeA.id);
    const managerOf = async (storeId: string, email: string) => {
      await f.t.hub.auth.createUser({
        email,
        name: 'Manager',
        role: 'STORE_MANAGER',
        storeId: storeId as never,
        password: 'a long enough password 123',
      });
      return { cookie: await f.t.login(email, 'a long enough password 123') };
    };
    const managerA = await managerOf(f.storeA.id, `manager-a-${target.name}@example.test`);
    const managerB = await managerOf(f.storeB.id, `manager-b-${target.name}@example.test`);
    const store = { bearer: f.storeA.token };
    // store A's manager sees store A's incidents
    const mine = await f.t.call('GET', '/api/workflows/incidents?state=OPEN', undefined, managerA);
    expect(mine.status).toBe(200);
    expect(mine.body.items.map((i: { id: string }) => i.id)).toContain(incident.id);
    expect(new Set(mine.body.items.map((i: { storeId: string }) => i.storeId))).toEqual(new Set([f.storeA.id]));
    // store B's manager: none of them, and resolving one is as for an incident that does not exist
    expect((await f.t.call('GET', '/api/workflows/incidents', undefined, managerB)).body.items).toEqual([]);
    const foreign = await f.t.call(
      'POST',
      `/api/workflows/incidents/${incident.id}/resolve`,
      { note: 'mine' },
      managerB,
    );
    expect(foreign.status).toBe(404);
    // a store's token is no person: refused
    expect((await f.t.call('GET', '/api/workflows/incidents', undefined, store)).status).toBe(403);
    const byStore = await f.t.call('POST', `/api/workflows/incidents/${incident.id}/resolve`, { note: 'mine' }, store);
    expect(byStore.status).toBe(403);
    const after = await f.t.call('GET', '/api/workflows/incidents?state=OPEN', undefined, f.admin);
    expect(after.body.items.map((i: { id: string }) => i.id)).toContain(incident.id);
  });
});
