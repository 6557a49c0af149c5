import { exitOnFatalErrors, stopOnSignals } from '@storefleet/shared';
import { createHub } from './hub.js';
import { hubConfigFromEnv } from './config.js';

/**
 * Runs one hub from environment variables (README). With HUB_ADMIN_EMAIL and HUB_ADMIN_PASSWORD set and no user in
 * the database yet, creates that first admin; the password is never logged. HUB_METRICS_TOKEN, when set, is the bearer
 * token a Prometheus scraper presents for /metrics (otherwise only an ADMIN session reads it); never logged either.
 */
const hub = await createHub(hubConfigFromEnv());
exitOnFatalErrors(hub.log);
const { HUB_ADMIN_EMAIL: email, HUB_ADMIN_PASSWORD: password } = process.env;
if (email && password && !(await hub.db.query('SELECT 1 FROM users LIMIT 1')).rowCount) {
  await hub.auth.createUser({ email, password, name: 'Administrator', role: 'ADMIN' });
  hub.log.info({ email }, 'first admin created');
}
await hub.start();
stopOnSignals(() => hub.stop(), hub.log);
