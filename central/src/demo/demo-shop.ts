import type { HubFetch } from './demo-https.js';

/**
 * The demo's shop account (issue #26): one customer who can sign in at `/shop/` straight away, with a password the
 * banner prints. Only the demo makes it; a real hub's customers sign up themselves.
 */
export const DEMO_SHOPPER = {
  name: 'Dana Demo',
  email: 'shopper@storefleet.local',
  password: 'shop-demo-password',
} as const;

/**
 * Signs the demo shopper up through the hub's own sign-up (the same route the shop page's GraphQL sign-up calls), or
 * checks the password still works on a demo started again on the same data folder. Answers a line for the banner.
 */
export async function seedDemoShopper(
  hubUrl: string,
  hubFetch: HubFetch = (url, init) => fetch(url, init),
): Promise<string> {
  const post = (path: string, body: unknown) =>
    hubFetch(`${hubUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
  const up = await post('/api/account/sign-up', DEMO_SHOPPER);
  if (up.status === 201) return `${DEMO_SHOPPER.email} / ${DEMO_SHOPPER.password}`;
  // 409: made by an earlier run on this data folder; its password is the one printed, unless someone changed it
  const signIn = await post('/api/account/sign-in', { email: DEMO_SHOPPER.email, password: DEMO_SHOPPER.password });
  if (signIn.ok) return `${DEMO_SHOPPER.email} / ${DEMO_SHOPPER.password}`;
  return `not seeded: sign-up answered ${up.status}, sign-in ${signIn.status}`;
}
