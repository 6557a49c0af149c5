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
});
