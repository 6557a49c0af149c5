import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';

/** Issue #26: the accounts' part of `/graphql` follows the REST rules (same service, same schemas, same cookie). */
describe.each(dbTargets)('customer accounts over GraphQL, on $name', (target) => {
  let t: TestHub;
  const gql = async (query: string, variables: Record<string, unknown> = {}, token?: string) => {
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: JSON.stringify({ query, variables }),
    });
    return { res, body: (await res.json()) as { data?: any; errors?: { message: string; extensions?: any }[] } };
  };
  const SIGN_UP = `mutation($email: String!, $password: String!, $name: String!) {
    signUp(email: $email, password: $password, name: $name) { token expiresAt account { customerId email guest } } }`;

  beforeAll(async () => {
    t = await TestHub.start(target);
  });
  afterAll(async () => {
    await t?.stop();
  });

  it('signs up (token and cookie), answers me for the token only, and signs out', async () => {
    const email = `gql-${Date.now()}@example.test`;
    const up = await gql(SIGN_UP, { email, password: 'a long enough secret', name: 'Gia' });
    expect(up.body.errors).toBeUndefined();
    const { token, account } = up.body.data.signUp;
    expect(account).toMatchObject({ email, guest: false });
    expect(up.res.headers.get('set-cookie')).toMatch(/^sf_customer=sfc_/);
    expect((await gql('{ me { customerId name } }', {}, token)).body.data.me).toEqual({
      customerId: account.customerId,
      name: 'Gia',
    });
    expect((await gql('{ me { customerId } }')).body.data.me).toBeNull();
    const other = await gql(SIGN_UP, {
      email: `gql2-${Date.now()}@example.test`,
      password: 'a long enough secret',
      name: 'Bo',
    });
    const changed = await gql(
      'mutation { updateProfile(name: "Bo B") { customerId name } }',
      {},
      other.body.data.signUp.token,
    );
    expect(changed.body.data.updateProfile).toEqual({
      customerId: other.body.data.signUp.account.customerId,
      name: 'Bo B',
    });
    expect((await gql('{ me { name } }', {}, token)).body.data.me.name).toBe('Gia');
    expect((await gql('mutation { signOut }', {}, token)).body.data.signOut).toBe(true);
    expect((await t.call('GET', '/api/account', undefined, { bearer: token })).status).toBe(401);
  });

  it('refuses a short password as BAD_USER_INPUT and a wrong one as UNAUTHENTICATED, alike for an unknown e-mail', async () => {
    const short = await gql(SIGN_UP, { email: `gql3-${Date.now()}@example.test`, password: 'short', name: 'X' });
    expect(short.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const signIn = (email: string) =>
      gql('mutation($e: String!) { signIn(email: $e, password: "not the password") { token } }', { e: email });
    const unknown = await signIn(`nobody-${Date.now()}@example.test`);
    expect(unknown.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
    expect(unknown.body.errors?.[0]?.message).toBe('the e-mail or the password is wrong');
    expect((await gql('mutation { signOut }')).body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
  });
});
