import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestHub } from './support/test-hub.js';
import { dbTargets } from './support/db-targets.js';

describe('the hub’s request log', () => {
  const lines: string[] = [];
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start(dbTargets[0]!, {
      logLevel: 'info',
      logDestination: { write: (l: string) => void lines.push(l) },
    });
  });
  afterAll(() => t?.stop());

  it('never shows what head office searched customers for (q), only that it searched', async () => {
    const admin = await t.login();
    const searched = await t.call('GET', '/api/customers/search?q=Margarethe%20Lindqvist&limit=5', undefined, {
      cookie: admin,
    });
    expect(searched.status).toBe(200);
    const logged = lines.filter((l) => l.includes('/api/customers/search'));
    expect(logged.length).toBeGreaterThan(0);
    expect(logged.join('')).toContain('limit=5');
    expect(lines.join('')).not.toMatch(/Margarethe|Lindqvist/);
  });

  it('never shows the customer details head office looked customers up by (email, name, phone, card)', async () => {
    const admin = await t.login();
    const found = await t.call(
      'GET',
      '/api/customers?email=ingrid.holmqvist%40example.com&name=Ingrid%20Holmqvist&limit=7',
      undefined,
      { cookie: admin },
    );
    expect(found.status).toBe(200);
    // refused (400) but still logged: what it carried must not be
    await t.call('GET', '/api/customers?phone=%2B46701234567&card=4111111111111111&Name=Solveig', undefined, {
      cookie: admin,
    });
    const logged = lines.filter((l) => l.includes('/api/customers?'));
    expect(logged.length).toBeGreaterThanOrEqual(2);
    expect(logged.join('')).toContain('limit=7');
    expect(logged.join('')).toContain('email=[redacted]');
    expect(lines.join('')).not.toMatch(/Ingrid|Holmqvist|ingrid|701234567|4111111111111111|Solveig/);
  });
});
