import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { addToCart, cartDocId, cartView, type CartDoc } from '@storefleet/shared';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub, type Caller } from '../../../../tests/support/test-hub.js';
import { emailSimulator } from '../email.js';
import { CODE_TRIES } from '../service.js';

/**
 * Issue #26: a customer's own account. Sign-up, sign-in (password, e-mailed code), sign-out here and everywhere, a
 * password reset that ends every session, guests whose cart moves into the account, tokens kept only as hashes.
 */
describe.each(dbTargets)('customer accounts, on $name', (target) => {
  let t: TestHub;
  let admin: Caller;
  const password = 'a long enough secret';
  let n = 0;
  const newEmail = () => `shopper-${Date.now()}-${++n}@example.test`;
  const signUp = async (email = newEmail(), body: Record<string, unknown> = {}) => {
    const res = await t.call('POST', '/api/account/sign-up', { email, password, name: 'Sam Shopper', ...body });
    expect(res.status).toBe(201);
    return { email, token: res.body.token as string, customerId: res.body.account.customerId as string, res };
  };
  const mailTo = async (email: string) =>
    vi.waitFor(
      () => {
        const m = emailSimulator.sentTo(email).at(-1);
        if (!m) throw new Error(`no mail to ${email} yet`);
        return m;
      },
      { timeout: 20_000, interval: 100 },
    );
  const tableCount = async (sql: string, params: unknown[] = []) =>
    Number((await t.hub.db.query<{ n: number }>(sql, params)).rows[0]!.n);

  beforeAll(async () => {
    t = await TestHub.start(target);
    admin = { cookie: await t.login() };
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('signs up, reads and changes only its own account, and keeps only the hash of its token', async () => {
    const a = await signUp();
    expect(a.res.body.account).toMatchObject({ email: a.email, name: 'Sam Shopper', guest: false });
    expect(a.token).toMatch(/^sfc_[A-Za-z0-9_-]{43}$/);
    expect(a.res.headers.get('set-cookie')).toMatch(/^sf_customer=sfc_.*HttpOnly.*SameSite=Lax/i);
    expect(a.res.headers.get('cache-control')).toBe('no-store');
    const stored = await t.hub.db.query<{ token_hash: string }>(
      'SELECT token_hash FROM customer_sessions WHERE customer_id = $1',
      [a.customerId],
    );
    expect(stored.rows).toHaveLength(1);
    expect(stored.rows[0]!.token_hash).not.toContain(a.token.slice(4));
    const b = await signUp();
    const meA = await t.call('GET', '/api/account', undefined, { bearer: a.token });
    expect(meA.body.customerId).toBe(a.customerId);
    const patched = await t.call('PATCH', '/api/account', { name: 'Sam B' }, { bearer: b.token });
    expect(patched.body).toMatchObject({ customerId: b.customerId, name: 'Sam B' });
    expect((await t.call('GET', '/api/account', undefined, { bearer: a.token })).body.name).toBe('Sam Shopper');
    // The cookie works as the bearer does; staff routes see a customer as nobody.
    expect((await t.call('GET', '/api/account', undefined, { cookie: `sf_customer=${a.token}` })).body.customerId).toBe(
      a.customerId,
    );
    expect((await t.call('GET', '/api/customers', undefined, { bearer: a.token })).status).toBe(401);
  });

  it('answers a wrong password and an unknown e-mail alike, and signs in with the right one', async () => {
    const a = await signUp();
    const wrong = await t.call('POST', '/api/account/sign-in', { email: a.email, password: 'not the password' });
    const unknown = await t.call('POST', '/api/account/sign-in', { email: newEmail(), password: 'not the password' });
    expect(wrong.status).toBe(401);
    expect(unknown.status).toBe(401);
    expect(unknown.body.detail).toBe(wrong.body.detail);
    const ok = await t.call('POST', '/api/account/sign-in', { email: a.email.toUpperCase(), password });
    expect(ok.status).toBe(200);
    expect(ok.body.account.customerId).toBe(a.customerId);
  });

  it('ends this session on sign-out and every session on sign-out-everywhere', async () => {
    const a = await signUp();
    const second = (await t.call('POST', '/api/account/sign-in', { email: a.email, password })).body.token as string;
    const third = (await t.call('POST', '/api/account/sign-in', { email: a.email, password })).body.token as string;
    expect((await t.call('POST', '/api/account/sign-out', undefined, { bearer: a.token })).status).toBe(204);
    expect((await t.call('GET', '/api/account', undefined, { bearer: a.token })).status).toBe(401);
    // an ended session stands in the way of nothing else: signing in again, or a guest session, still work
    const again = await t.call('POST', '/api/account/sign-in', { email: a.email, password }, { bearer: a.token });
    expect(again.status).toBe(200);
    expect((await t.call('GET', '/api/account', undefined, { bearer: second })).status).toBe(200);
    expect((await t.call('POST', '/api/account/sign-out-everywhere', undefined, { bearer: second })).status).toBe(204);
    for (const token of [second, third])
      expect((await t.call('GET', '/api/account', undefined, { bearer: token })).status).toBe(401);
  });

  it('signs in with an e-mailed code (hashed at rest) and never tells whether the e-mail is known', async () => {
    const a = await signUp();
    const unknownEmail = newEmail();
    expect((await t.call('POST', '/api/account/sign-in/code', { email: unknownEmail })).status).toBe(202);
    expect((await t.call('POST', '/api/account/sign-in/code', { email: a.email })).status).toBe(202);
    const mail = await mailTo(a.email);
    const code = /(\d{6})/.exec(mail.body)![1]!;
    expect(emailSimulator.sentTo(unknownEmail)).toHaveLength(0);
    expect(await tableCount('SELECT count(*) AS n FROM customer_one_time_secrets WHERE secret_hash = $1', [code])).toBe(
      0,
    );
    // The outbox keeps no body once the mail is sent.
    await vi.waitFor(
      async () =>
        expect(
          await tableCount(
            `SELECT count(*) AS n FROM customer_email_outbox WHERE to_email = $1 AND state = 'sent' AND body IS NULL`,
            [a.email],
          ),
        ).toBe(1),
      { timeout: 20_000, interval: 100 },
    );
    const wrongCode = code === '000000' ? '000001' : '000000';
    const bad = await t.call('POST', '/api/account/sign-in/code/verify', { email: a.email, code: wrongCode });
    expect(bad.status).toBe(400);
    const ok = await t.call('POST', '/api/account/sign-in/code/verify', { email: a.email, code });
    expect(ok.status).toBe(200);
    expect(ok.body.account.customerId).toBe(a.customerId);
    const again = await t.call('POST', '/api/account/sign-in/code/verify', { email: a.email, code });
    expect(again.status).toBe(400);
  });

  it('a password reset sets the new password and ends every session', async () => {
    const a = await signUp();
    expect((await t.call('POST', '/api/account/password-reset', { email: a.email })).status).toBe(202);
    // the link opens the shop page's reset view, the token in the fragment (which no server sees)
    const token = /\/shop\/#\/reset\/([A-Za-z0-9_-]{43})\s/.exec((await mailTo(a.email)).body)![1]!;
    const newPassword = 'another long secret';
    const res = await t.call('POST', '/api/account/password-reset/confirm', { token, password: newPassword });
    expect(res.status).toBe(200);
    expect(res.body.sessionsEnded).toBe(1);
    expect((await t.call('GET', '/api/account', undefined, { bearer: a.token })).status).toBe(401);
    expect((await t.call('POST', '/api/account/sign-in', { email: a.email, password })).status).toBe(401);
    expect((await t.call('POST', '/api/account/sign-in', { email: a.email, password: newPassword })).status).toBe(200);
    const reused = await t.call('POST', '/api/account/password-reset/confirm', { token, password: newPassword });
    expect(reused.status).toBe(400);
  });

  it("moves a guest's cart into the account's at sign-in: lines of both survive", async () => {
    const a = await signUp();
    const guest = await t.call('POST', '/api/account/guest');
    expect(guest.status).toBe(201);
    expect(guest.body.account.guest).toBe(true);
    const guestId = guest.body.account.customerId as string;
    const line = (sku: string) => ({ sku, name: sku, unitPriceMinor: 100, currency: 'EUR', taxClass: 'STANDARD' });
    const as = (customerId: string) => ({ kind: 'customer' as const, customerId, sessionId: 'test' });
    const docs = t.hub.sync.docs;
    await docs.change<CartDoc>(as(guestId), cartDocId(guestId), (d) => {
      addToCart(d, line('A'), 1, 'web', 1);
      addToCart(d, line('B'), 3, 'web', 1);
    });
    await docs.change<CartDoc>(as(a.customerId), cartDocId(a.customerId), (d) => {
      addToCart(d, line('B'), 1, 'kiosk', 1);
      addToCart(d, line('C'), 2, 'kiosk', 1);
    });
    const res = await t.call('POST', '/api/account/sign-in', {
      email: a.email,
      password,
      guestToken: guest.body.token,
    });
    expect(res.status).toBe(200);
    const cart = cartView(await docs.read<CartDoc>(as(a.customerId), cartDocId(a.customerId)));
    expect(Object.fromEntries(cart.lines.map((l) => [l.sku, l.qty]))).toEqual({ A: 1, B: 3, C: 2 });
    expect(cartView(await docs.read<CartDoc>(as(guestId), cartDocId(guestId))).lines).toEqual([]);
    expect((await t.call('GET', '/api/account', undefined, { bearer: guest.body.token })).status).toBe(401);
  });

  it(`refuses a code after ${CODE_TRIES} wrong tries, the right one too, and answers 429 past 10 tries per e-mail`, async () => {
    t.clock.offsetMs += 16 * 60_000; // earlier tests' attempts from this address leave the window
    const a = await signUp();
    expect((await t.call('POST', '/api/account/sign-in/code', { email: a.email })).status).toBe(202);
    const code = /(\d{6})/.exec((await mailTo(a.email)).body)![1]!;
    const wrong = code === '000000' ? '000001' : '000000';
    const verify = (c: string) => t.call('POST', '/api/account/sign-in/code/verify', { email: a.email, code: c });
    for (let i = 0; i < CODE_TRIES; i++) expect((await verify(wrong)).status).toBe(400);
    const sixth = await verify(code);
    expect(sixth.status).toBe(400);
    expect(sixth.body.detail).toMatch(/wrong or has expired/);
    for (let i = CODE_TRIES + 1; i < 10; i++) expect((await verify(wrong)).status).toBe(400);
    const eleventh = await verify(wrong);
    expect(eleventh.status).toBe(429);
    expect(eleventh.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(Number(eleventh.headers.get('retry-after'))).toBeGreaterThan(0);
    // Codes have a budget of their own: someone spending it does not take the customer's password away.
    expect((await t.call('POST', '/api/account/sign-in', { email: a.email, password })).status).toBe(200);
  });

  it('ten wrong passwords lock out passwords for the e-mail, not its sign-in code', async () => {
    t.clock.offsetMs += 16 * 60_000;
    const a = await signUp();
    const wrongPassword = () =>
      t.call('POST', '/api/account/sign-in', { email: a.email, password: 'not the password' });
    for (let i = 0; i < 10; i++) expect((await wrongPassword()).status).toBe(401);
    expect((await wrongPassword()).status).toBe(429);
    expect((await t.call('POST', '/api/account/sign-in', { email: a.email, password })).status).toBe(429);
    // the customer still gets in by their mailbox
    expect((await t.call('POST', '/api/account/sign-in/code', { email: a.email })).status).toBe(202);
    const code = /(\d{6})/.exec((await mailTo(a.email)).body)![1]!;
    const byCode = await t.call('POST', '/api/account/sign-in/code/verify', { email: a.email, code });
    expect(byCode.status).toBe(200);
    expect(byCode.body.account.customerId).toBe(a.customerId);
  });

  it('holds every limit under a concurrent burst: a code is compared 5 times, an e-mail gets 10 tries', async () => {
    t.clock.offsetMs += 16 * 60_000;
    const a = await signUp();
    expect((await t.call('POST', '/api/account/sign-in/code', { email: a.email })).status).toBe(202);
    const code = /(\d{6})/.exec((await mailTo(a.email)).body)![1]!;
    const wrong = code === '000000' ? '000001' : '000000';
    const burst = await Promise.all(
      Array.from({ length: 40 }, () =>
        t.call('POST', '/api/account/sign-in/code/verify', { email: a.email, code: wrong }),
      ),
    );
    const statuses = burst.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 400)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(30);
    expect(
      await tableCount(`SELECT max(attempts) AS n FROM customer_one_time_secrets WHERE email = $1`, [a.email]),
    ).toBe(CODE_TRIES);

    // Wrong passwords for another e-mail, all at once: 10 are checked, the other 30 refused before any is.
    t.clock.offsetMs += 16 * 60_000;
    const b = await signUp();
    const passwords = await Promise.all(
      Array.from({ length: 40 }, () =>
        t.call('POST', '/api/account/sign-in', { email: b.email, password: 'not the password' }),
      ),
    );
    expect(passwords.filter((r) => r.status === 401)).toHaveLength(10);
    expect(passwords.filter((r) => r.status === 429)).toHaveLength(30);

    // New guests from one address: 60 an hour, however many ask at once.
    t.clock.offsetMs += 61 * 60_000;
    const guests = await Promise.all(Array.from({ length: 70 }, () => t.call('POST', '/api/account/guest')));
    expect(guests.filter((r) => r.status === 201)).toHaveLength(60);
    expect(guests.filter((r) => r.status === 429)).toHaveLength(10);
    t.clock.offsetMs += 61 * 60_000; // the tests after this one sign up from the same address
  });

  it('refuses bad input with problem+json and changes nothing', async () => {
    const before = await tableCount('SELECT count(*) AS n FROM customer_accounts');
    for (const body of [
      { email: newEmail(), password: 'short', name: 'X' },
      { email: newEmail(), password: 'ten chars\u0000 and more', name: 'X' },
      { email: newEmail(), password: 'x'.repeat(201), name: 'X' },
      { email: 'not an e-mail', password, name: 'X' },
      { email: newEmail(), password, name: 'X', admin: true },
    ]) {
      const res = await t.call('POST', '/api/account/sign-up', body);
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    }
    expect(await tableCount('SELECT count(*) AS n FROM customer_accounts')).toBe(before);
    const a = await signUp();
    const taken = await t.call('POST', '/api/account/sign-up', { email: a.email, password, name: 'Y' });
    expect(taken.status).toBe(409);
    expect((await t.call('GET', '/api/account')).status).toBe(401);
  });

  it('lets head office find an account and sign it out everywhere; customers and staff below cannot', async () => {
    const a = await signUp();
    // earlier tests move the hub's clock past the console's 30-minute idle limit (#27): head office signs in again
    admin = { cookie: await t.login() };
    const found = await t.call('GET', `/api/accounts?q=${encodeURIComponent(a.email)}`, undefined, admin);
    expect(found.body.items).toEqual([expect.objectContaining({ customerId: a.customerId, activeSessions: 1 })]);
    expect((await t.call('GET', `/api/accounts?q=x`, undefined, { bearer: a.token })).status).toBe(401);
    const out = await t.call('POST', `/api/accounts/${a.customerId}/sign-out-everywhere`, undefined, admin);
    expect(out.body.sessionsEnded).toBe(1);
    expect((await t.call('GET', '/api/account', undefined, { bearer: a.token })).status).toBe(401);
    expect((await t.call('GET', '/api/accounts/outbox', undefined, admin)).body.counts).toHaveProperty('sent');
  });
});
