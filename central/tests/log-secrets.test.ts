import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { emailSimulator } from '../src/modules/accounts/email.js';
import { dbTargets } from './support/db-targets.js';
import { describeLeaks, findLeaks, LogCapture, type Secret } from './support/log-capture.js';
import { StoreNodeProcess } from './support/log-capture-store-node.js';
import { ADMIN, TestHub } from './support/test-hub.js';
import { waitFor } from './support/wait-for.js';

// Every secret this test makes up itself is a fixed text (seeded: the same each run); the hub and the node make the rest.
const METRICS_TOKEN = 'metrics-token-that-only-the-scraper-knows';
const MANAGER_PASSWORD = 'manager password 8812 kept';
const WRONG_PASSWORD = 'a wrong password 5531';
const CUSTOMER_PASSWORD = 'customer secret 40417 long';
const CUSTOMER_NEW_PASSWORD = 'customer new secret 77120';
const WRONG_PIN = '58203716'; // 8 digits: never one the hub gives (6), and a grep for it is meaningful
const IDEMPOTENCY_KEY = 'idem-key-3b9f0c7e-log-check';

/** A cookie's value from a Set-Cookie header list. */
function cookieValue(res: Response, name: string): string | undefined {
  for (const c of res.headers.getSetCookie())
    if (c.startsWith(`${name}=`)) return c.slice(name.length + 1).split(';')[0];
  return undefined;
}

/**
 * Issue #27's log check: a hub at `debug` and a store node (its own process, its stdout and stderr read) run the flows
 * that create secrets — console passwords and sessions, a store's secret and tokens and a sale synced with them, a
 * customer's password, sign-in code, reset link and session, a pickup code and its typed form, a staff PIN signed in
 * with at the lane and its cookie, an Idempotency-Key, the metrics token, the CSRF token — and every log line of both is
 * searched for each secret as sent, URL-encoded and base64/base64url. None may appear.
 */
describe.each(dbTargets)('no secret in any log line ($name)', (target) => {
  const capture = new LogCapture();
  const secrets: Secret[] = [];
  const keep = (kind: string, value: string | undefined) => {
    if (!value) throw new Error(`the flow gave no ${kind}`);
    secrets.push({ kind, value });
    return value;
  };
  let t: TestHub;
  let node: StoreNodeProcess | undefined;
  let nodeUrl = '';
  let staffCookie = '';
  let staffPin = ''; // the hub draws it (6 digits) and answers it once
  let dir = '';
  let store: { id: string; secret: string; token: string };
  let admin: string;

  const nodeCall = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(nodeUrl + path, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(staffCookie ? { cookie: staffCookie } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return {
      status: res.status,
      res,
      body: (text && res.headers.get('content-type')?.includes('json') ? JSON.parse(text) : text) as any,
    };
  };

  beforeAll(async () => {
    t = await TestHub.start(target, {
      logLevel: 'debug',
      logDestination: capture.destination('hub'),
      metricsToken: METRICS_TOKEN,
      syncHeartbeatMs: 1000,
    });
    keep('the admin’s password', ADMIN.password);
    keep('the metrics token', METRICS_TOKEN);
    admin = await t.login();
    keep('the admin’s session token', admin.split('=')[1]);
    await t.call(
      'POST',
      '/api/catalog/products/import',
      { items: [{ sku: 'KETTLE', name: 'Kettle', category: 'Kitchen', priceMinor: 3000, taxClass: 'STANDARD' }] },
      { cookie: admin },
    );
    store = await t.store('LOGS', admin);
    keep('the store’s secret', store.secret);
    keep('a store token', store.token);
    dir = mkdtempSync(join(tmpdir(), 'sf-log-secrets-'));
    node = new StoreNodeProcess(capture, {
      LOG_LEVEL: 'debug',
      STORE_DB: join(dir, 'store.sqlite'),
      HUB_URL: t.url,
      STORE_ID: store.id,
      STORE_SECRET: store.secret,
      STORE_NAME: 'Log Check',
    });
    nodeUrl = await node.listening(150_000);
  }, 240_000);

  afterAll(async () => {
    await node?.stop();
    await t?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('console: a user created with a password, a sign-in, a session used, a CSRF token, a failed sign-in', async () => {
    keep('a console user’s password', MANAGER_PASSWORD);
    keep('a wrong console password', WRONG_PASSWORD);
    const created = await t.call(
      'POST',
      '/api/users',
      {
        email: 'manager@example.test',
        name: 'Mo Manager',
        role: 'STORE_MANAGER',
        storeId: store.id,
        password: MANAGER_PASSWORD,
      },
      { cookie: admin },
    );
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const res = await fetch(`${t.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: 'manager@example.test', password: MANAGER_PASSWORD }),
    });
    expect(res.status).toBe(200);
    const session = keep('a console session token', cookieValue(res, 'sf_session'));
    const cookie = `sf_session=${session}`;
    const csrfCookie = cookieValue(res, 'sf_csrf');
    if (csrfCookie) keep('a CSRF token (sf_csrf)', decodeURIComponent(csrfCookie));
    const me = await t.call('GET', '/api/auth/me', undefined, { cookie });
    expect(me.status).toBe(200);
    const csrf = await t.call('GET', '/api/auth/csrf', undefined, { cookie });
    if (csrf.status === 200) keep('a CSRF token (GET /api/auth/csrf)', csrf.body.token);
    // a cookie-authenticated write: the session in the cookie, the CSRF token in its header
    const pin = await t.call('POST', `/api/staff/people/${created.body.id}/pin`, undefined, { cookie });
    expect(pin.status, JSON.stringify(pin.body)).toBe(201);
    staffPin = keep('a staff PIN', pin.body.pin);
    const failed = await t.call('POST', '/api/auth/login', { email: 'manager@example.test', password: WRONG_PASSWORD });
    expect(failed.status).toBe(401);
    const metrics = await t.call('GET', '/metrics', undefined, { bearer: METRICS_TOKEN });
    expect(metrics.status).toBe(200);
    expect((await t.call('GET', '/metrics', undefined, { bearer: `${METRICS_TOKEN}x` })).status).toBe(401);
    await t.call('GET', '/api/auth/me', undefined, { bearer: METRICS_TOKEN }); // no credential elsewhere
  });

  it('store: its node signs in with its secret, syncs, a person signs in at the lane with a PIN, a sale goes up', async () => {
    // the node exchanged its secret for a token and holds a socket; its token is looked for by shape (a JWT)
    await waitFor('the catalog at the node', async () => {
      const r = await nodeCall('POST', '/api/stock/movements', { sku: 'KETTLE', delta: 10, kind: 'RECEIVE' });
      return r.status < 300 || undefined;
    });
    expect(staffPin, 'the console test gave the manager a PIN').toMatch(/^\d{6}$/);
    await waitFor('the roster at the node', async () => {
      const me = (await nodeCall('GET', '/api/staff/me')).body;
      return me?.roster?.people > 0 || undefined;
    });
    keep('a wrong staff PIN', WRONG_PIN);
    const wrong = await nodeCall('POST', '/api/staff/sign-in', { pin: WRONG_PIN });
    expect(wrong.body.signedIn).toBe(false);
    const signIn = await nodeCall('POST', '/api/staff/sign-in', { pin: staffPin });
    expect(signIn.body.signedIn, JSON.stringify(signIn.body)).toBe(true);
    staffCookie = `sf_staff=${keep('a lane’s staff cookie (sf_staff)', cookieValue(signIn.res, 'sf_staff'))}`;
    const approval = await nodeCall('POST', '/api/staff/approvals', { pin: staffPin, action: 'NO_SALE' });
    expect(approval.status, JSON.stringify(approval.body)).toBe(201);
    const approvalId = keep('a manager approval id', approval.body.approvalId);
    // the approval id goes in its header on the gated call (no printer here: nothing opens, the header is sent)
    await nodeCall(
      'POST',
      '/api/pos/drawer/open',
      { reason: 'change for the float' },
      { 'manager-approval': approvalId },
    );
    const sale = await nodeCall('POST', '/api/pos/sales');
    expect(sale.status, JSON.stringify(sale.body)).toBeLessThan(300);
    const line = await nodeCall('POST', `/api/pos/sales/${sale.body.id}/lines`, { code: 'KETTLE', qty: 1 });
    expect(line.status, JSON.stringify(line.body)).toBeLessThan(300);
    const paid = await nodeCall('POST', `/api/pos/sales/${sale.body.id}/tender`, { kind: 'CASH', givenMinor: 5000 });
    expect(paid.body.status, JSON.stringify(paid.body)).toBe('COMPLETED');
    await waitFor('the sale’s stock at the hub', async () => {
      const { rows } = await t.hub.db.query<{ on_hand: number }>(
        "SELECT on_hand FROM inventory_stock WHERE store_id = $1 AND sku = 'KETTLE'",
        [store.id],
      );
      return rows[0]?.on_hand === 9 || undefined;
    });
    // a store call with a token of its own, and a wrong secret
    await t.call('GET', `/api/locations/${store.id}`, undefined, { bearer: store.token });
    const wrongSecret = `${store.secret.slice(0, -4)}zzzz`;
    keep('a wrong store secret', wrongSecret);
    await t.call('POST', '/api/auth/store-token', { storeId: store.id, secret: wrongSecret });
  });

  it('customer: sign-up, sign-in, a code, a reset link, GraphQL sign-in; an Idempotency-Key', async () => {
    const email = 'shopper-logs@example.test';
    keep('a customer’s password', CUSTOMER_PASSWORD);
    const up = await t.call('POST', '/api/account/sign-up', {
      email,
      password: CUSTOMER_PASSWORD,
      name: 'Sal Shopper',
    });
    expect(up.status, JSON.stringify(up.body)).toBe(201);
    const token = keep('a customer session token', up.body.token);
    expect((await t.call('GET', '/api/account', undefined, { bearer: token })).status).toBe(200);
    expect((await t.call('GET', '/api/account', undefined, { cookie: `sf_customer=${token}` })).status).toBe(200);
    const signIn = await t.call('POST', '/api/account/sign-in', { email, password: CUSTOMER_PASSWORD });
    keep('a customer session token (sign-in)', signIn.body.token);
    await t.call('POST', '/api/account/sign-in', { email, password: WRONG_PASSWORD });
    const mark = emailSimulator.mark(); // one list for the process: read what this request sent
    expect((await t.call('POST', '/api/account/sign-in/code', { email })).status).toBe(202);
    const mail = await waitFor('the sign-in code’s mail', () => emailSimulator.sentTo(email, mark)[0]);
    const code = keep('a customer sign-in code', /(\d{6})/.exec(mail.body)?.[1]);
    const verified = await t.call('POST', '/api/account/sign-in/code/verify', { email, code });
    expect(verified.status).toBe(200);
    keep('a customer session token (code)', verified.body.token);
    const resetMark = emailSimulator.mark();
    expect((await t.call('POST', '/api/account/password-reset', { email })).status).toBe(202);
    const resetMail = await waitFor('the reset mail', () =>
      emailSimulator.sentTo(email, resetMark).find((m) => /\/reset\//.test(m.body)),
    );
    const reset = keep('a password-reset token', /\/reset\/([A-Za-z0-9_-]{43})/.exec(resetMail.body)?.[1]);
    // a hand-made link, as an old mail had it: the token in a query string
    await fetch(`${t.url}/account/reset?token=${reset}`);
    keep('a customer’s new password', CUSTOMER_NEW_PASSWORD);
    const confirmed = await t.call('POST', '/api/account/password-reset/confirm', {
      token: reset,
      password: CUSTOMER_NEW_PASSWORD,
    });
    expect(confirmed.status).toBe(200);
    const gql = await t.call('POST', '/graphql', {
      query: 'mutation($e: String!, $p: String!) { signIn(email: $e, password: $p) { token } }',
      variables: { e: email, p: CUSTOMER_NEW_PASSWORD },
    });
    const gqlToken = keep('a customer session token (GraphQL)', gql.body?.data?.signIn?.token);
    expect((await t.call('GET', '/api/account', undefined, { bearer: gqlToken })).status).toBe(200);
    keep('an Idempotency-Key', IDEMPOTENCY_KEY);
    const patched = await t.call(
      'PATCH',
      '/api/account',
      { name: 'Sal S' },
      { bearer: gqlToken, idempotencyKey: IDEMPOTENCY_KEY },
    );
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
  });

  it('pickup: a hold’s codes at the hub, then scanned and typed at the store node', async () => {
    const hold = await t.call(
      'POST',
      '/api/reservations',
      { storeId: store.id, customerRef: 'Pat Pickup', lines: [{ sku: 'KETTLE', qty: 1 }] },
      { bearer: store.token, idempotencyKey: `${IDEMPOTENCY_KEY}-hold` },
    );
    expect(hold.status, JSON.stringify(hold.body)).toBe(201);
    keep('a pickup code (QR)', hold.body.pickupCode);
    const typed = keep('a typed pickup code', hold.body.typedCode);
    keep('a typed pickup code without its dash', typed.replace('-', ''));
    await t.call('GET', `/api/reservations/${hold.body.id}`, undefined, { bearer: store.token });
    await waitFor('the hold at the node', async () => {
      const found = await nodeCall('GET', `/api/bopis/pickups?q=${encodeURIComponent(typed)}`);
      return found.body?.items?.length > 0 || undefined;
    });
    const wrongTyped = typed === 'ZZZ-ZZZ' ? 'YYY-YYY' : 'ZZZ-ZZZ';
    await nodeCall('POST', `/api/bopis/pickups/${hold.body.id}/verify-code`, { code: wrongTyped });
    const byTyped = await nodeCall('POST', `/api/bopis/pickups/${hold.body.id}/verify-code`, { code: typed });
    expect(byTyped.body.matched, JSON.stringify(byTyped.body)).toBe(true);
    const scanned = await nodeCall('POST', '/api/bopis/pickups/verify', { code: hold.body.pickupCode });
    expect(scanned.status, JSON.stringify(scanned.body)).toBe(200);
  });

  it('no log line of the hub or the store node holds any of those secrets, in any spelling', async () => {
    await node?.stop(); // its last lines (shutdown, a final sync) are read too
    expect(capture.count('hub', '/api/auth/store-token')).toBeGreaterThan(0); // the requests were logged…
    expect(capture.count('store-node', '/api/pos/sales')).toBeGreaterThan(0);
    // …with the headers that carry secrets shown as redacted, not dropped unseen
    expect(capture.count('hub', '"x-csrf-token":"[redacted]"')).toBeGreaterThan(0);
    expect(capture.count('hub', '"idempotency-key":"[redacted]"')).toBeGreaterThan(0);
    expect(capture.count('store-node', '"manager-approval":"[redacted]"')).toBeGreaterThan(0);
    // the staff part ran: its PIN, the lane's cookie and the approval are among what is searched for
    const kinds = secrets.map((s) => s.kind);
    for (const kind of [
      'a staff PIN',
      'a wrong staff PIN',
      'a lane’s staff cookie (sf_staff)',
      'a manager approval id',
    ])
      expect(kinds, kind).toContain(kind);
    expect(secrets.length).toBeGreaterThan(15);
    const leaks = findLeaks(capture.lines, secrets);
    expect(leaks.length, `log lines holding secrets:\n${describeLeaks(leaks)}`).toBe(0); // …without what they carried
  });
});
