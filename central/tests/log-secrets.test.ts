import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestHub } from './support/test-hub.js';
import { dbTargets } from './support/db-targets.js';

describe('logs', () => {
  const lines: string[] = [];
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start(dbTargets[0]!, { logLevel: 'debug', logDestination: { write: (l: string) => void lines.push(l) } });
  });
  afterAll(() => t?.stop());

  it('never contain passwords, store secrets, tokens or session cookies', async () => {
    const admin = await t.login();
    const store = await t.store('LOG1', admin);
    await t.call('GET', `/api/locations/${store.id}`, undefined, { bearer: store.token });
    await t.call('POST', '/api/auth/login', { email: 'admin@example.test', password: 'a wrong password' });
    const text = lines.join('');
    expect(text).toContain('/api/auth/store-token'); // the requests were logged…
    for (const secret of ['correct horse battery staple', 'a wrong password', store.secret, store.token, admin.split('=')[1]!]) {
      expect(text).not.toContain(secret); // …without what they carried
    }
  });
});
