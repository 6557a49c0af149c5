import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestHub } from './support/test-hub.js';
import { dbTargets } from './support/db-targets.js';

const METRICS_TOKEN = 'metrics-token-that-only-the-scraper-knows';

describe('logs', () => {
  const lines: string[] = [];
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start(dbTargets[0]!, {
      logLevel: 'debug',
      logDestination: { write: (l: string) => void lines.push(l) },
      metricsToken: METRICS_TOKEN,
    });
  });
  afterAll(() => t?.stop());

  it('let a scraper read /metrics with the metrics token, and never log the token', async () => {
    const scraped = await t.call('GET', '/metrics', undefined, { bearer: METRICS_TOKEN });
    expect(scraped.status).toBe(200);
    expect(scraped.body).toContain('storefleet_hub_http_requests_total');
    const wrong = await t.call('GET', '/metrics', undefined, { bearer: `${METRICS_TOKEN}x` });
    expect(wrong.status).toBe(401);
    await t.call('GET', '/api/auth/me', undefined, { bearer: METRICS_TOKEN }); // the token is no credential elsewhere
    expect(lines.join('')).not.toContain(METRICS_TOKEN);
  });

  it('never contain passwords, store secrets, tokens or session cookies', async () => {
    const admin = await t.login();
    const store = await t.store('LOG1', admin);
    await t.call('GET', `/api/locations/${store.id}`, undefined, { bearer: store.token });
    await t.call('POST', '/api/auth/login', { email: 'admin@example.test', password: 'a wrong password' });
    const text = lines.join('');
    expect(text).toContain('/api/auth/store-token'); // the requests were logged…
    for (const secret of [
      'correct horse battery staple',
      'a wrong password',
      store.secret,
      store.token,
      admin.split('=')[1]!,
    ]) {
      expect(text).not.toContain(secret); // …without what they carried
    }
  });
});
