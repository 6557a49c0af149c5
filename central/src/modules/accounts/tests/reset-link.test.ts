import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Browser } from 'playwright-core';
import { launchChromium, skipWithoutChromium, UI_WAIT_MS } from '../../../../tests/support/console-fixture.js';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { emailSimulator } from '../email.js';

/**
 * Hostile review finding 7 (issue #26): the mailed password-reset link opens the shop page's reset view and keeps its
 * token in the URL fragment, which no server receives; and the hub's request log never shows a token or a code, even
 * sent as a query parameter to a route that has none (an old link, a hand-made one).
 */
describe.each(dbTargets)('the password-reset link, on $name', (target) => {
  let t: TestHub;
  let browser: Browser | undefined;
  const lines: string[] = [];
  const password = 'a long enough secret';
  let n = 0;
  const newEmail = () => `resetter-${Date.now()}-${++n}@example.test`;
  const gql = async (query: string, variables: Record<string, unknown> = {}, token?: string) => {
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return (await res.json()) as { data?: any; errors?: { message: string; extensions?: { code?: string } }[] };
  };
  const signUp = async () => {
    const email = newEmail();
    const up = await gql(
      'mutation($e: String!, $p: String!) { signUp(email: $e, password: $p, name: "Rae Reset") { token } }',
      { e: email, p: password },
    );
    expect(up.errors, 'sign-up').toBeUndefined();
    return { email, token: up.data.signUp.token as string };
  };
  /** The link in the newest reset mail to `email`. */
  const mailedLink = async (email: string) => {
    const asked = await gql('mutation($e: String!) { requestPasswordReset(email: $e) }', { e: email });
    expect(asked.errors, 'requestPasswordReset').toBeUndefined();
    const mail = await vi.waitFor(
      () => {
        const m = emailSimulator.sentTo(email).at(-1);
        if (!m) throw new Error(`no mail to ${email} yet`);
        return m;
      },
      { timeout: 20_000, interval: 100 },
    );
    const link = /(\S*\/shop\/#\/reset\/[A-Za-z0-9_-]+)/.exec(mail.body)?.[1];
    expect(link, mail.body).toBeDefined();
    return { link: link!, token: link!.slice(link!.lastIndexOf('/') + 1) };
  };
  const signInStatus = async (email: string, pw: string) =>
    (await t.call('POST', '/api/account/sign-in', { email, password: pw })).status;

  beforeAll(async () => {
    t = await TestHub.start(target, {
      logLevel: 'info',
      logDestination: { write: (l: string) => void lines.push(l) },
    });
    if (!skipWithoutChromium) browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await t?.stop();
  });

  it('mails a link to the shop’s reset view with the token only in the fragment; the page it loads is there', async () => {
    const r = await signUp();
    const { link, token } = await mailedLink(r.email);
    expect(link).toBe(`/shop/#/reset/${token}`);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // what a browser asks the hub for when the link is opened: the shop page, without the fragment
    const page = await fetch(new URL(link, t.url));
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('/shop/app.js');
  });

  it.skipIf(skipWithoutChromium)(
    'the link opens the reset view; a new password set there signs in, the old one and the old session no more',
    async () => {
      const r = await signUp();
      const { link } = await mailedLink(r.email);
      const context = await browser!.newContext({ viewport: { width: 390, height: 844 } });
      try {
        const page = await context.newPage();
        await page.goto(new URL(link, t.url).href);
        await page.locator('h1', { hasText: 'Choose a new password' }).waitFor({ timeout: UI_WAIT_MS });
        await page.getByLabel('New password (at least 10 characters)').fill('a brand new secret');
        await page.getByRole('button', { name: 'Set the new password' }).click();
        await page.locator('#status', { hasText: 'Your password is changed' }).waitFor({ timeout: UI_WAIT_MS });
        await page.locator('h1', { hasText: 'Sign in' }).waitFor({ timeout: UI_WAIT_MS });
      } finally {
        await context.close();
      }
      expect(await signInStatus(r.email, 'a brand new secret')).toBe(200);
      expect(await signInStatus(r.email, password)).toBe(401);
      expect((await t.call('GET', '/api/account', undefined, { bearer: r.token })).status).toBe(401);
    },
  );

  it('resetPassword over GraphQL takes the link’s token once', async () => {
    const r = await signUp();
    const { token } = await mailedLink(r.email);
    const reset = 'mutation($t: String!, $p: String!) { resetPassword(token: $t, password: $p) }';
    const done = await gql(reset, { t: token, p: 'another long secret' });
    expect(done.errors).toBeUndefined();
    expect(done.data.resetPassword).toBe(true);
    expect(await signInStatus(r.email, 'another long secret')).toBe(200);
    const again = await gql(reset, { t: token, p: 'a third long secret' });
    expect(again.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });

  it('the request log never shows a reset token, a code or a session token, wherever they are sent', async () => {
    const r = await signUp();
    const { token } = await mailedLink(r.email);
    const code = '493817';
    // the old link's shape, a hand-made one on the shop page, a code and a session token in a query
    for (const path of [
      `/account/reset?token=${token}`,
      `/shop/?token=${token}&code=${code}`,
      `/api/account?Token=${encodeURIComponent(token)}`,
      `/api/account?access=${r.token}`,
      `/api/account/sign-in/code/verify?code=${code}`,
    ])
      await fetch(t.url + path);
    await vi.waitFor(() => expect(lines.join('\n')).toContain('/api/account/sign-in/code/verify'), {
      timeout: 10_000,
    });
    const log = lines.join('\n');
    expect(log).toContain('/account/reset?token=[redacted]');
    expect(log).not.toContain(token);
    expect(log).not.toContain(code);
    expect(log).not.toContain(r.token.slice(4));
  });
});
