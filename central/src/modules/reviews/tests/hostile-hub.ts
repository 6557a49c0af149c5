import type { HubAccessRole } from '../../../kernel/access-matrix.js';
import type { DbTarget } from '../../../../tests/support/db-targets.js';
import { reviewsAccessFixture, type ReviewsAccessFixture } from '../../../../tests/support/reviews-access.js';
import { TestHub } from '../../../../tests/support/test-hub.js';

export const PASSWORD = 'a long enough password 123';
export const SKU = 'MATRIX-MUG';

export interface ReviewsHub {
  readonly t: TestHub;
  readonly admin: string;
  readonly storeA: { readonly id: string; readonly token: string };
  readonly storeB: { readonly id: string; readonly token: string };
  readonly fx: ReviewsAccessFixture;
  /** Each role's headers, as the authorization matrix sends them. */
  readonly credentials: Record<HubAccessRole, Record<string, string>>;
}

/**
 * A hub with only what the reviews routes need to be called by every role of the matrix (store A and store B, a
 * manager and an associate of store A, an associate of store B, two customers signed in on the web, the mug in the
 * catalog, a customer store A signed up) and the reviews fixture of the authorization matrix
 * (tests/support/reviews-access.ts) on top.
 */
export async function startReviewsHub(target: DbTarget): Promise<ReviewsHub> {
  const t = await TestHub.start(target);
  try {
    const admin = await t.login();
    const a = await t.store('REVIEWS-A', admin);
    const b = await t.store('REVIEWS-B', admin);
    const user = (email: string, role: 'STORE_MANAGER' | 'ASSOCIATE', storeId: string) =>
      t.hub.auth.createUser({ email, name: email, role, storeId: storeId as never, password: PASSWORD });
    await user('manager-a@example.test', 'STORE_MANAGER', a.id);
    await user('associate-a@example.test', 'ASSOCIATE', a.id);
    await user('associate-b@example.test', 'ASSOCIATE', b.id);
    const imported = await t.call(
      'POST',
      '/api/catalog/products/import',
      { items: [{ sku: SKU, name: 'Matrix mug', category: 'Kitchen', priceMinor: 900 }] },
      { cookie: admin },
    );
    if (imported.status >= 300) throw new Error(`catalog: ${imported.status} ${JSON.stringify(imported.body)}`);
    const customer = await t.call('POST', '/api/customers', { name: 'Signed up at A' }, { bearer: a.token });
    if (customer.status !== 201) throw new Error(`customer: ${customer.status} ${JSON.stringify(customer.body)}`);
    // customers signed in on the web (issue #26): the reviews routes are head office's and stores', a customer nobody
    const customerSignedUp = async (email: string) => {
      const res = await t.call('POST', '/api/account/sign-up', { email, password: PASSWORD, name: email });
      if (res.status !== 201) throw new Error(`customer sign-up: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.token as string;
    };
    const fx = await reviewsAccessFixture(t, { admin, storeAToken: a.token, customerId: customer.body.id, sku: SKU });
    const credentials: Record<HubAccessRole, Record<string, string>> = {
      anonymous: {},
      admin: { cookie: admin },
      managerA: { cookie: await t.login('manager-a@example.test', PASSWORD) },
      associateA: { cookie: await t.login('associate-a@example.test', PASSWORD) },
      storeA: { authorization: `Bearer ${a.token}` },
      storeB: { authorization: `Bearer ${b.token}` },
      associateB: { cookie: await t.login('associate-b@example.test', PASSWORD) },
      customerA: { authorization: `Bearer ${await customerSignedUp('customer-a@example.test')}` },
      customerB: { authorization: `Bearer ${await customerSignedUp('customer-b@example.test')}` },
    };
    return { t, admin, storeA: a, storeB: b, fx, credentials };
  } catch (err) {
    await t.stop();
    throw err;
  }
}
