import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { dbTargets } from './support/db-targets.js';
import { ADMIN, TestHub } from './support/test-hub.js';

// hubs on a shared, busy machine: sign-ins are scrypt hashes
vi.setConfig({ testTimeout: 180_000 });

/** One Set-Cookie of an answer by the cookie's name: its value and its attributes (lower-case). */
function setCookie(res: Response, name: string): { value: string; attrs: string[] } | undefined {
  const line = res.headers.getSetCookie().find((c) => c.startsWith(`${name}=`));
  if (!line) return undefined;
  const [first, ...attrs] = line.split(';').map((p) => p.trim());
  return { value: first!.slice(name.length + 1), attrs: attrs.map((a) => a.toLowerCase()) };
}

const REFUSED = 'missing or wrong CSRF token: reload the page';

describe.each(dbTargets)('CSRF and Secure cookies on $name (issue #27)', (target) => {
  let t: TestHub;

  beforeAll(async () => {
    t = await TestHub.start(target, { trustProxy: true });
  });
  afterAll(() => t?.stop());

  /** Signs the admin in over raw fetch; answers the Cookie header a browser would send and the sf_csrf value. */
  async function signIn(headers: Record<string, string> = {}) {
    const res = await fetch(`${t.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify({ email: ADMIN.email, password: ADMIN.password }),
    });
    expect(res.status).toBe(200);
    const session = setCookie(res, 'sf_session')!;
    const csrf = setCookie(res, 'sf_csrf')!;
    return { res, session, csrf, cookie: `sf_session=${session.value}; sf_csrf=${csrf.value}` };
  }

  // as a browser sends a write: with its Origin and Sec-Fetch-Site (a page cannot remove them)
  const BROWSER = { origin: 'https://shop.attacker.example', 'sec-fetch-site': 'cross-site' };
  const post = (path: string, body: unknown, headers: Record<string, string>) =>
    fetch(`${t.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...BROWSER, ...headers },
      body: JSON.stringify(body),
    });

  it('signing in sets a readable, SameSite=Strict sf_csrf cookie beside the session, the token /api/auth/csrf says', async () => {
    const { session, csrf, cookie } = await signIn();
    expect(session.attrs).toContain('httponly');
    expect(csrf.attrs).not.toContain('httponly');
    expect(csrf.attrs).toContain('samesite=strict');
    expect(csrf.attrs).toContain('path=/');
    expect(csrf.value).not.toContain(session.value);
    const asked = await t.call('GET', '/api/auth/csrf', undefined, { cookie });
    expect(asked.status).toBe(200);
    expect(asked.body).toEqual({ token: csrf.value });
  });

  it('refuses a cookie-authenticated write without the token or with a wrong one, and changes nothing', async () => {
    const { cookie, csrf } = await signIn();
    const user = (email: string) => ({ email, name: 'Nora', role: 'ADMIN', password: 'a long enough password' });
    const without = await post('/api/users', user('nora@example.test'), { cookie });
    expect(without.status).toBe(403);
    expect(without.headers.get('content-type')).toContain('application/problem+json');
    expect(((await without.json()) as { detail: string }).detail).toBe(REFUSED);
    const wrong = await post('/api/users', user('nora@example.test'), { cookie, 'x-csrf-token': `${csrf.value}x` });
    expect(wrong.status).toBe(403);
    // a token of another session is no better
    const other = await signIn();
    const foreign = await post('/api/users', user('nora@example.test'), { cookie, 'x-csrf-token': other.csrf.value });
    expect(foreign.status).toBe(403);
    const list = await t.call('GET', '/api/users', undefined, { cookie });
    expect(list.body.items.map((u: { email: string }) => u.email)).not.toContain('nora@example.test');
    const right = await post('/api/users', user('nora@example.test'), { cookie, 'x-csrf-token': csrf.value });
    expect(right.status).toBe(201);
  });

  it('asks no token of a program holding the cookie itself (no Origin, no Sec-Fetch-Site: no browser sent it)', async () => {
    const { cookie } = await signIn();
    const res = await fetch(`${t.url}/api/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie },
      body: JSON.stringify({
        email: 'prog@example.test',
        name: 'Prog',
        role: 'ADMIN',
        password: 'a long enough password',
      }),
    });
    expect(res.status).toBe(201);
    // the same write as a browser sends it is refused
    const forged = await post(
      '/api/users',
      { email: 'forged@example.test', name: 'Forged', role: 'ADMIN', password: 'a long enough password' },
      { cookie },
    );
    expect(forged.status).toBe(403);
  });

  it('asks nothing of a bearer token, of reads, or of signing in and out with a cookie', async () => {
    const { session, cookie } = await signIn();
    const bearer = await post(
      '/api/users',
      { email: 'bea@example.test', name: 'Bea', role: 'ADMIN', password: 'a long enough password' },
      { authorization: `Bearer ${session.value}` },
    );
    expect(bearer.status).toBe(201);
    expect((await t.call('GET', '/api/users', undefined, { cookie, csrf: false })).status).toBe(200);
    // a stale cookie must not block signing in again, and signing out needs no token either
    const again = await signIn({ cookie });
    expect(again.res.status).toBe(200);
    const out = await post('/api/auth/logout', {}, { cookie: again.cookie });
    expect(out.status).toBe(204);
    const cleared = setCookie(out, 'sf_csrf');
    expect(cleared?.value).toBe('');
  });

  it('guards a customer cookie on /api and /graphql the same way', async () => {
    const up = await post(
      '/api/account/sign-up',
      { email: 'cleo@example.test', password: 'cleo password 1', name: 'Cleo' },
      {},
    );
    expect(up.status).toBe(201);
    const session = setCookie(up, 'sf_customer')!;
    const csrf = setCookie(up, 'sf_csrf')!;
    expect(csrf.attrs).not.toContain('httponly');
    const cookie = `sf_customer=${session.value}; sf_csrf=${csrf.value}`;
    const patch = (headers: Record<string, string>) =>
      fetch(`${t.url}/api/account`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', cookie, ...BROWSER, ...headers },
        body: JSON.stringify({ name: 'Cleo Forged' }),
      });
    const refused = await patch({});
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { detail: string }).detail).toBe(REFUSED);
    const gql = (headers: Record<string, string>) =>
      post('/graphql', { query: 'mutation { updateProfile(name: "Cleo Forged") { name } }' }, { cookie, ...headers });
    const gqlRefused = await gql({});
    expect(gqlRefused.status).toBe(403);
    const me = await t.call('GET', '/api/account', undefined, { cookie });
    expect(me.body.name).toBe('Cleo');
    expect((await patch({ 'x-csrf-token': csrf.value })).status).toBe(200);
    const ok = await gql({ 'x-csrf-token': csrf.value });
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { data: { updateProfile: { name: string } } }).data.updateProfile.name).toBe(
      'Cleo Forged',
    );
    const asked = await t.call('GET', '/api/auth/csrf', undefined, { cookie });
    expect(asked.body).toEqual({ token: csrf.value });
  });

  it('marks every session cookie Secure when the request came over HTTPS (X-Forwarded-Proto behind a trusted proxy)', async () => {
    const plain = await signIn();
    expect(plain.session.attrs).not.toContain('secure');
    expect(plain.csrf.attrs).not.toContain('secure');
    const https = await signIn({ 'x-forwarded-proto': 'https' });
    expect(https.session.attrs).toContain('secure');
    expect(https.csrf.attrs).toContain('secure');
    const out = await post('/api/auth/logout', {}, { cookie: https.cookie, 'x-forwarded-proto': 'https' });
    expect(setCookie(out, 'sf_session')?.attrs).toContain('secure');
    expect(setCookie(out, 'sf_csrf')?.attrs).toContain('secure');
    const up = await post(
      '/api/account/sign-up',
      { email: 'dora@example.test', password: 'dora password 1', name: 'Dora' },
      { 'x-forwarded-proto': 'https' },
    );
    expect(up.status).toBe(201);
    expect(setCookie(up, 'sf_customer')?.attrs).toContain('secure');
    expect(setCookie(up, 'sf_csrf')?.attrs).toContain('secure');
  });
});

describe('CSRF=off', () => {
  const BROWSER = { origin: 'https://shop.attacker.example', 'sec-fetch-site': 'cross-site' };
  let t: TestHub;
  beforeAll(async () => {
    t = await TestHub.start(dbTargets[0]!, { edge: { csrf: false } });
  });
  afterAll(() => t?.stop());

  it('lets a cookie-authenticated write from a browser through without a token', async () => {
    const cookie = await t.login();
    const res = await fetch(`${t.url}/api/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, ...BROWSER },
      body: JSON.stringify({
        email: 'olga@example.test',
        name: 'Olga',
        role: 'ADMIN',
        password: 'a long enough password',
      }),
    });
    expect(res.status).toBe(201);
  });
});
