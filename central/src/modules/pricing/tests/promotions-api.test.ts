import { pricingStorePageSchema, type PricingStorePage } from '@storefleet/shared';
import { beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { signedInHub } from '../../../../tests/support/signed-in-hub.js';

const PASSWORD = 'correct horse battery staple';
const HOUR = 3_600_000;

for (const target of dbTargets) {
  describe(`promotions (${target.name})`, () => {
    const s = signedInHub(target);
    const stores: Record<'a' | 'b', { id: string; token: string }> = {} as never;
    let managerA = '';
    const admin = () => ({ cookie: s.admin });
    const now = () => Date.now() + s.t.clock.offsetMs;
    const draft = (over: Record<string, unknown> = {}) => ({
      name: '10 % off crisps',
      rule: { kind: 'PERCENT_OFF', target: { skus: ['CRISP-1'] }, bp: 1_000 },
      priority: 10,
      stacking: 'STACKABLE',
      from: now() - HOUR,
      to: now() + 24 * HOUR,
      ...over,
    });
    const count = async () =>
      (await s.t.hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM pricing_promotions')).rows[0]!.n;
    const pull = async (token: string): Promise<PricingStorePage['promotions']> => {
      const out: PricingStorePage['promotions'] = [];
      let after: number | null = 0;
      for (let i = 0; after !== null && i < 50; i++) {
        const res = await s.t.call('GET', `/api/pricing/store-rules?after=${after}`, undefined, { bearer: token });
        const page = pricingStorePageSchema.parse(res.body);
        out.push(...page.promotions);
        after = page.next;
      }
      return out;
    };

    beforeAll(async () => {
      for (const sku of ['CRISP-1', 'CRISP-2']) {
        const put = await s.t.call(
          'PUT',
          `/api/catalog/products/${sku}`,
          { name: `Crisps ${sku}`, category: 'snacks', priceMinor: 200 },
          admin(),
        );
        expect(put.status).toBe(200);
      }
      for (const k of ['a', 'b'] as const) {
        const st = await s.t.store(`PR${k.toUpperCase()}`, s.admin);
        stores[k] = { id: st.id, token: st.token };
      }
      await s.t.hub.auth.createUser({
        email: 'mgr-pa@example.test',
        name: 'Manager A',
        role: 'STORE_MANAGER',
        storeId: stores.a.id as never,
        password: PASSWORD,
      });
      managerA = await s.t.login('mgr-pa@example.test', PASSWORD);
    });

    it('refuses bad promotions with problem+json and writes nothing', async () => {
      for (const bad of [
        draft({ rule: { kind: 'PERCENT_OFF', target: { skus: ['NOPE-1'] }, bp: 1_000 } }),
        draft({ rule: { kind: 'PERCENT_OFF', target: { skus: ['CRISP-1'] }, bp: 20_000 } }),
        draft({ rule: { kind: 'MULTI_BUY', target: { skus: ['CRISP-1'] }, buy: 3, payFor: 3 } }),
        draft({ to: now() - 2 * HOUR }),
        draft({ storeIds: ['0190c0de-0000-7000-8000-000000000000'] }),
        draft({ regionIds: ['nowhere'] }),
        draft({ stacking: 'ALWAYS' }),
        draft({ priority: -1 }),
        { ...draft(), extra: 1 },
      ]) {
        const res = await s.t.call('POST', '/api/pricing/promotions', bad, admin());
        expect(res.status, JSON.stringify(bad)).toBeGreaterThanOrEqual(400);
        expect(res.status).toBeLessThan(500);
        expect(res.headers.get('content-type')).toContain('application/problem+json');
      }
      const unknown = await s.t.call(
        'POST',
        '/api/pricing/promotions',
        draft({ rule: { kind: 'PERCENT_OFF', target: { skus: ['NOPE-1', 'CRISP-1'] }, bp: 1_000 } }),
        admin(),
      );
      expect(unknown.status).toBe(422);
      expect(JSON.stringify(unknown.body)).toContain('NOPE-1');
      expect(await count()).toBe(0);
    });

    it('creates, lists by status, edits, ends and deletes', async () => {
      const made = await s.t.call('POST', '/api/pricing/promotions', draft(), admin());
      expect(made.status).toBe(201);
      expect(made.body).toMatchObject({ name: '10 % off crisps', status: 'ACTIVE', stacking: 'STACKABLE' });
      const later = await s.t.call(
        'POST',
        '/api/pricing/promotions',
        draft({ name: 'Later', from: now() + HOUR, to: null }),
        admin(),
      );
      expect(later.body.status).toBe('SCHEDULED');
      const active = await s.t.call('GET', '/api/pricing/promotions?status=ACTIVE', undefined, admin());
      expect(active.body.promotions.map((p: { id: string }) => p.id)).toEqual([made.body.id]);

      const edited = await s.t.call(
        'PUT',
        `/api/pricing/promotions/${made.body.id}`,
        draft({ name: 'Crisps deal' }),
        admin(),
      );
      expect(edited.status).toBe(200);
      expect(edited.body.name).toBe('Crisps deal');
      expect(edited.body.revision).toBeGreaterThan(made.body.revision);

      const ended = await s.t.call('POST', `/api/pricing/promotions/${made.body.id}/end`, undefined, admin());
      expect(ended.body.status).toBe('ENDED');
      expect((await s.t.call('POST', `/api/pricing/promotions/${later.body.id}/end`, undefined, admin())).status).toBe(
        409,
      );
      expect((await s.t.call('DELETE', `/api/pricing/promotions/${later.body.id}`, undefined, admin())).status).toBe(
        204,
      );
      expect((await s.t.call('GET', `/api/pricing/promotions/${later.body.id}`, undefined, admin())).status).toBe(404);
    });

    it("scopes a manager to promotions that run at its store; another store's comes to store A as a tombstone", async () => {
      const forB = await s.t.call(
        'POST',
        '/api/pricing/promotions',
        draft({ name: 'B only', storeIds: [stores.b.id] }),
        admin(),
      );
      const forA = await s.t.call(
        'POST',
        '/api/pricing/promotions',
        draft({ name: 'A only', storeIds: [stores.a.id] }),
        admin(),
      );
      expect(forB.status).toBe(201);
      const list = await s.t.call('GET', '/api/pricing/promotions?status=ACTIVE', undefined, { cookie: managerA });
      expect(list.body.promotions.map((p: { name: string }) => p.name)).toEqual(['A only']);
      expect(
        (await s.t.call('GET', `/api/pricing/promotions/${forB.body.id}`, undefined, { cookie: managerA })).status,
      ).toBe(404);
      expect((await s.t.call('POST', '/api/pricing/promotions', draft(), { cookie: managerA })).status).toBe(403);

      const a = await pull(stores.a.token);
      expect(a.find((p) => p.id === forA.body.id)).toMatchObject({ name: 'A only', storeIds: [stores.a.id] });
      expect(a.find((p) => p.id === forB.body.id)).toMatchObject({ deleted: true });
      expect(a.find((p) => p.id === forB.body.id)?.storeIds).toBeUndefined();
      const b = await pull(stores.b.token);
      expect(b.find((p) => p.id === forB.body.id)?.deleted).toBeUndefined();
    });
  });
}
