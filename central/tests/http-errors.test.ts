import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from './support/db-targets.js';
import { TestHub } from './support/test-hub.js';

describe.each(dbTargets)('problem+json answers on $name', (target) => {
  let t: TestHub;
  let admin: string;
  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = await t.login();
  });
  afterAll(() => t?.stop());

  const countLocations = async () =>
    (await t.hub.db.query<{ n: number }>('SELECT count(*)::int AS n FROM locations')).rows[0]!.n;

  it('answers malformed JSON with 400 and changes nothing', async () => {
    const before = await countLocations();
    const res = await t.call('POST', '/api/locations', undefined, {
      cookie: admin,
      rawBody: '{"code": "X1", "name": ',
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/problem+json; charset=utf-8');
    expect(res.body).toMatchObject({
      type: 'urn:storefleet:problem:validation',
      title: 'Invalid request',
      status: 400,
    });
    expect(res.body.detail).toMatch(/^malformed JSON body/);
    expect(await countLocations()).toBe(before);
  });

  it('names each field with a wrong type', async () => {
    const res = await t.call(
      'POST',
      '/api/locations',
      { code: 'X2', name: 42, kind: 'SHOP', lat: 'north', lon: -74 },
      { cookie: admin },
    );
    expect(res.status).toBe(400);
    const paths = (res.body.errors as { path: string }[]).map((e) => e.path).sort();
    expect(paths).toEqual(['kind', 'lat', 'name']);
    expect(res.body.detail).toMatch(/^invalid location \(/);
  });

  it('refuses unknown fields rather than ignoring them', async () => {
    const res = await t.call(
      'POST',
      '/api/locations',
      { code: 'X3', name: 'n', kind: 'STORE', lat: 1, lon: 1, colour: 'red' },
      { cookie: admin },
    );
    expect(res.status).toBe(400);
    expect(res.body.errors[0].message).toMatch(/colour/);
  });

  it('answers unknown routes with a 404 problem', async () => {
    const res = await t.call('GET', '/api/no-such-thing');
    expect(res.status).toBe(404);
    expect(res.body).toMatchObject({
      status: 404,
      detail: 'no route for GET /api/no-such-thing',
      instance: '/api/no-such-thing',
    });
    expect((await t.call('DELETE', '/nowhere')).status).toBe(404);
  });

  it('answers a non-JSON body with 415', async () => {
    const res = await t.call('POST', '/api/locations', undefined, {
      cookie: admin,
      rawBody: 'code=X4',
      contentType: 'application/x-www-form-urlencoded',
    });
    expect(res.status).toBe(415);
    expect(res.body.detail).toBe('expected Content-Type application/json, got application/x-www-form-urlencoded');
  });

  it('answers an oversized body with 413', async () => {
    const res = await t.call(
      'POST',
      '/api/catalog/products/import',
      { items: 'x'.repeat(1_100_000) },
      { cookie: admin },
    );
    expect(res.status).toBe(413);
  });

  it('answers a duplicate code with 409 naming it', async () => {
    const body = { code: 'DUP1', name: 'n', kind: 'DC', lat: 1, lon: 1 };
    expect((await t.call('POST', '/api/locations', body, { cookie: admin })).status).toBe(201);
    const again = await t.call('POST', '/api/locations', body, { cookie: admin });
    expect(again.status).toBe(409);
    expect(again.body.detail).toBe('a location with code DUP1 already exists');
  });

  it('answers a missing id with 404 naming entity and id', async () => {
    const id = '0190f0f0-0000-7000-8000-000000000000';
    const res = await t.call('GET', `/api/locations/${id}`, undefined, { cookie: admin });
    expect(res.status).toBe(404);
    expect(res.body.detail).toBe(`location ${id} not found`);
  });

  it('serves health and Prometheus metrics', async () => {
    const health = await t.call('GET', '/healthz');
    expect(health.body).toMatchObject({ status: 'ok', db: target.name, modules: expect.arrayContaining(['catalog']) });
    const metrics = await t.call('GET', '/metrics', undefined, { cookie: admin }); // an ADMIN's (or the metrics token's)
    expect(metrics.headers.get('content-type')).toContain('text/plain');
    expect(metrics.body).toMatch(
      /storefleet_hub_http_requests_total\{method="GET",route="\/api\/locations\/:id",status="404"\} \d+/,
    );
  });
});
