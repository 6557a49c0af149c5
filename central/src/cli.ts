import { AppError, exitOnFatalErrors, stopOnSignals } from '@storefleet/shared';
import { createHub, type Hub } from './hub.js';
import { HubConfigError, hubConfigFromEnv, type HubConfig } from './config.js';
import { defaultReplaySources, describeReplay, runReplay } from './workflows/replay/replay-sources.js';

/**
 * Runs one hub from environment variables (README). With HUB_ADMIN_EMAIL and HUB_ADMIN_PASSWORD set and no user in
 * the database yet, creates that first admin; the password is never logged. HUB_METRICS_TOKEN, when set, is the bearer
 * token a Prometheus scraper presents for /metrics (otherwise only an ADMIN session reads it); never logged either.
 */
let config: HubConfig;
try {
  config = hubConfigFromEnv();
} catch (err) {
  if (!(err instanceof HubConfigError)) throw err;
  console.error(err.message); // what to fix, without a stack trace
  process.exit(2);
}
const hub = await createHub(config);
exitOnFatalErrors(hub.log);
// `replay-check` (issue #27): rebuilds stock, holds and orders from the event log, compares them with the live state,
// prints what differs and exits 1 when anything does (0 when nothing); the hub is opened, not started.
if (process.argv[2] === 'replay-check') {
  const report = await runReplay(hub.db, defaultReplaySources());
  console.log(describeReplay(report));
  await hub.stop();
  process.exit(report.differenceCount ? 1 : 0);
}
const { HUB_ADMIN_EMAIL: email, HUB_ADMIN_PASSWORD: password } = process.env;
if (email && password) await ensureFirstAdmin(hub, email, password);
await hub.start();
stopOnSignals(() => hub.stop(), hub.log);

/**
 * Creates the first admin when the database has no user. Idempotent across replicas: several starting together on a
 * new database all see no user, one insert wins and the others' unique-email conflict means the admin exists.
 */
async function ensureFirstAdmin(h: Hub, adminEmail: string, adminPassword: string): Promise<void> {
  const anyUser = async () => Boolean((await h.db.query('SELECT 1 FROM users LIMIT 1')).rowCount);
  if (await anyUser()) return;
  try {
    await h.auth.createUser({ email: adminEmail, password: adminPassword, name: 'Administrator', role: 'ADMIN' });
    h.log.info({ email: adminEmail }, 'first admin created');
  } catch (err) {
    if (!(err instanceof AppError && err.type === 'conflict' && (await anyUser()))) throw err;
    h.log.info({ email: adminEmail }, 'first admin already created by another replica');
  }
}
