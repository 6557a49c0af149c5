import type { HubContext, HubModule } from '../../kernel/module-contract.js';
import { provide } from '../../kernel/ports.js';
import { CUSTOMER_SESSIONS } from '../../kernel/ports/accounts.js';
import { CART_MERGE } from '../../kernel/ports/carts.js';
import { CUSTOMER_DIRECTORY, CUSTOMER_PROFILES } from '../../kernel/ports/customers.js';
import { emailSimulator } from './email.js';
import { accountsGraphql } from './graphql.js';
import { accountRoutes } from './routes.js';
import { AccountService } from './service.js';
import { shopRoutes } from './shop/route.js';

export { emailSimulator } from './email.js';

const services = new WeakMap<HubContext, AccountService>();

/** One service per hub (several hubs may share this module object in a test process). */
function serviceOf(ctx: HubContext): AccountService {
  let s = services.get(ctx);
  if (!s) {
    s = new AccountService({
      db: ctx.db,
      now: ctx.now,
      log: ctx.log,
      directory: () => ctx.services.get(CUSTOMER_DIRECTORY),
      profiles: () => ctx.services.get(CUSTOMER_PROFILES),
      cartMerge: () => ctx.services.find(CART_MERGE),
      sender: ctx.settings.customerEmail?.adapter === 'simulator' ? emailSimulator : undefined,
      mailQueued: () =>
        void ctx.jobs
          .enqueue('accounts.send-email', {})
          .catch((err: unknown) => ctx.log.warn({ err }, 'could not queue the customer e-mail drain')),
      // The shop page's reset view; absolute when the hub knows the address clients reach it at (REGISTRY_PUBLIC_URL,
      // the hub's one such setting), else a path from the hub's root.
      resetLinkBase: `${(ctx.settings.registry.publicUrl ?? '').replace(/\/+$/, '')}/shop/#/reset/`,
    });
    services.set(ctx, s);
  }
  return s;
}

/**
 * Customers' own accounts (issue #26): sign-up, sign-in by password or e-mailed code, sessions (`sfc_` tokens, the
 * `sf_customer` cookie), password resets, guest sessions whose cart moves into the account at sign-in. The profile is
 * the customers module's (CUSTOMER_PROFILES); the hub's authentication asks CUSTOMER_SESSIONS who a token is.
 */
export const hubModule: HubModule = {
  name: 'accounts',
  migrations: new URL('./schema/', import.meta.url),
  needs: [CUSTOMER_DIRECTORY, CUSTOMER_PROFILES],
  // Without carts a guest's cart has nowhere to go: signing in still works.
  uses: [CART_MERGE],
  console: {
    dir: new URL('./console/', import.meta.url),
    pages: [{ path: 'accounts', title: 'Customer accounts', script: 'accounts.js' }],
  },
  provides: (ctx) => [provide(CUSTOMER_SESSIONS, { customerFor: (token) => serviceOf(ctx).customerFor(token) })],
  routes: (ctx) => accountRoutes(serviceOf(ctx)),
  graphql: (ctx) => accountsGraphql(serviceOf(ctx)),
  // The customers' shop page (its files only: it calls /graphql like any app).
  rootRoutes: () => ({ '/shop': shopRoutes() }),
  async start(ctx) {
    const drain: Parameters<typeof ctx.jobs.define>[0]['run'] = async (job) =>
      void (await serviceOf(ctx).drainOutbox(job.signal));
    ctx.jobs.define({ name: 'accounts.send-email', run: drain });
    ctx.jobs.define({ name: 'accounts.send-email-sweep', run: drain });
    ctx.jobs.define({ name: 'accounts.purge', run: () => serviceOf(ctx).purge() });
    // The drain also runs on a schedule: mail queued by a hub that died before its job ran still goes out.
    await ctx.jobs.schedule('accounts.send-email-sweep', { everyMs: 60_000, jitter: 0.2 });
    await ctx.jobs.schedule('accounts.purge', { everyMs: 60 * 60_000, jitter: 0.2 });
  },
};
