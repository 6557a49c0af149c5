import { describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { signedInHub } from '../../../../tests/support/signed-in-hub.js';
import { ANNA, appendAll, auditOn, DAY, DOC, DOC2, STORE_A, tamper } from './audit-support.js';

/**
 * The audit routes as head office uses them: the trail newest first with the names of the documents it mentions,
 * filtered and paged; "verify" answering whole or the first broken line, and putting its own check on the trail with
 * its verdict. Bad queries are 400 problem+json; nobody but head office reads the trail.
 */
describe.each(dbTargets)('the vault audit routes on $name', (target) => {
  const h = signedInHub(target);
  const get = (path: string, cookie = h.admin) => h.t.call('GET', path, undefined, { cookie });

  it('lists the trail newest first with document names, filtered and paged, every line once', async () => {
    const db = h.t.hub.db;
    const now = Date.now();
    await db.query(
      `INSERT INTO vault_nodes (id, kind, parent_id, ancestors, name, owner, created_at, updated_at)
       VALUES ($1, 'DOCUMENT', $2, ARRAY[$2::uuid], 'Opening hours.pdf', $3, $4, $4)`,
      [DOC, '00000000-0000-4000-8000-000000000000', ANNA, new Date(now)],
    );
    await appendAll(
      db,
      auditOn(() => now),
      DAY,
    );
    const all = await get('/api/vault/audit');
    expect(all.status).toBe(200);
    expect(all.body.next).toBeNull();
    expect(all.body.items.map((l: { action: string }) => l.action)).toEqual([
      'DELETE',
      'DOWNLOAD',
      'SHARE',
      'VIEW',
      'UPLOAD',
    ]);
    expect(all.body.items[1]).toMatchObject({
      seq: 4,
      at: now,
      actor: STORE_A,
      action: 'DOWNLOAD',
      nodeId: DOC,
      nodeName: 'Opening hours.pdf',
      nodeKind: 'DOCUMENT',
      origin: 'handheld RIV-2',
    });
    expect(all.body.items[1].hash).toMatch(/^[0-9a-f]{64}$/);
    // a node no longer in the vault: its id stays, with no name
    expect(all.body.items[0]).toMatchObject({ nodeId: DOC2, nodeName: null, detail: { name: 'Old planogram.png' } });

    const anna = await get(`/api/vault/audit?actor=${encodeURIComponent(ANNA)}&limit=1`);
    expect(anna.body.items.map((l: { seq: number }) => l.seq)).toEqual([3]);
    expect(anna.body.next).toBe(3);
    const older = await get(`/api/vault/audit?actor=${encodeURIComponent(ANNA)}&limit=1&before=${anna.body.next}`);
    expect(older.body).toMatchObject({ items: [{ seq: 1, action: 'UPLOAD' }], next: null });
    const views = await get(`/api/vault/audit?nodeId=${DOC}&action=VIEW`);
    expect(views.body.items.map((l: { seq: number }) => l.seq)).toEqual([2]);
  });

  it('verifies the chain, whole and then broken, and puts each check on the trail with its verdict', async () => {
    const whole = await h.t.call('POST', '/api/vault/audit/verify', {}, { cookie: h.admin });
    expect(whole.status).toBe(200);
    expect(whole.body).toEqual({ ok: true, checked: 5, firstBroken: null });
    const check = (await get('/api/vault/audit?action=AUDIT_VERIFY&limit=1')).body.items[0];
    expect(check).toMatchObject({
      seq: 6,
      action: 'AUDIT_VERIFY',
      detail: { ok: true, checked: 5, firstBroken: null },
    });
    expect(check.actor).toMatch(/^user:[0-9a-f-]{36}$/);
    expect(check.origin).toBeTruthy();

    await tamper(h.t.hub.db, `UPDATE vault_audit SET origin = '203.0.113.9' WHERE seq = 2`);
    const broken = await h.t.call('POST', '/api/vault/audit/verify', undefined, { cookie: h.admin });
    expect(broken.body).toEqual({
      ok: false,
      checked: 1,
      firstBroken: { seq: 2, reason: 'line 2 was changed after it was written: its fields no longer give its hash' },
    });
    const second = (await get('/api/vault/audit?action=AUDIT_VERIFY&limit=1')).body.items[0];
    expect(second).toMatchObject({ seq: 7, detail: { ok: false, checked: 1, firstBroken: { seq: 2 } } });
  });

  it('answers bad queries with 400 problem+json, and nobody but head office', async () => {
    for (const q of [
      'nodeId=not-a-uuid',
      'limit=0',
      'limit=201',
      'limit=ten',
      'before=abc',
      'before=0',
      'before=-1',
      'action=NOPE',
      'actor=',
      `actor=${'x'.repeat(201)}`,
      'colour=red',
    ]) {
      const res = await get(`/api/vault/audit?${q}`);
      expect(res.status, q).toBe(400);
      expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    }
    const body = await h.t.call('POST', '/api/vault/audit/verify', { now: true }, { cookie: h.admin });
    expect(body.status).toBe(400);
    const before = (await get('/api/vault/audit?limit=200')).body.items.length;

    expect((await h.t.call('GET', '/api/vault/audit')).status).toBe(401);
    expect((await h.t.call('POST', '/api/vault/audit/verify')).status).toBe(401);
    const store = await h.t.store('RIV', h.admin);
    expect((await h.t.call('GET', '/api/vault/audit', undefined, { bearer: store.token })).status).toBe(403);
    expect((await h.t.call('POST', '/api/vault/audit/verify', {}, { bearer: store.token })).status).toBe(403);
    // nothing of the refused calls is on the trail
    expect((await get('/api/vault/audit?limit=200')).body.items.length).toBe(before);
  });
});
