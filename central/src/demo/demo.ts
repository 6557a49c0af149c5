/**
 * `npm start`: one hub on embedded PGlite and N store nodes (child processes with their own SQLite files), seeded on
 * first run with a demo admin, stores and a 2,000-sku catalog. Everything lives in ./data/demo; delete it to start over.
 * Options: --stores N (default 3), --port P (hub, default 8080; stores take the ports after it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { randomBytes } from 'node:crypto';
import { exitOnFatalErrors } from '@storefleet/shared';
import { createHub } from '../hub.js';
import { parseCsv } from './csv.js';
import { demoStore } from './demo-stores.js';

const { values } = parseArgs({
  options: {
    stores: { type: 'string', default: '3' },
    port: { type: 'string', default: process.env.PORT ?? '8080' },
    'data-dir': { type: 'string', default: './data/demo' },
  },
});
const storeCount = Number(values.stores);
const hubPort = Number(values.port);
if (!Number.isInteger(storeCount) || storeCount < 1 || storeCount > 200)
  throw new Error('--stores must be a whole number from 1 to 200');
if (!Number.isInteger(hubPort) || hubPort < 1 || hubPort > 65535 - storeCount)
  throw new Error('--port must be a free TCP port');

const dataDir = resolve(values['data-dir']!);
const secretsFile = join(dataDir, 'demo-credentials.json');
mkdirSync(join(dataDir, 'stores'), { recursive: true });

interface DemoSecrets {
  admin: { email: string; password: string };
  stores: Record<string, { storeId: string; secret: string }>;
}
const secrets: DemoSecrets = existsSync(secretsFile)
  ? (JSON.parse(readFileSync(secretsFile, 'utf8')) as DemoSecrets)
  : { admin: { email: 'admin@storefleet.local', password: randomBytes(9).toString('base64url') }, stores: {} };
const saveSecrets = () => {
  writeFileSync(secretsFile, JSON.stringify(secrets, null, 2));
  chmodSync(secretsFile, 0o600);
};

console.log(`Starting the Storefleet demo in ${dataDir} …`);
const hub = await createHub({
  mode: 'demo', // the payment provider and the warehouse are simulators
  dataDir: join(dataDir, 'hub'),
  port: hubPort,
  host: '127.0.0.1',
  logLevel: process.env.LOG_LEVEL ?? 'warn',
  metricsToken: process.env.HUB_METRICS_TOKEN || undefined,
});
// A bug that escapes must not leave the store nodes running without their hub: stop them, then exit non-zero.
exitOnFatalErrors(hub.log, (code) => {
  setTimeout(() => process.exit(code), 10_000).unref();
  stop(code).catch(() => process.exit(code)); // before start-up finished there is nothing to stop yet
});
let hubUrl: string;
try {
  hubUrl = await hub.start();
} catch (err) {
  const inUse = (err as { code?: string }).code === 'EADDRINUSE';
  console.error(
    inUse
      ? `Port ${hubPort} on 127.0.0.1 is already in use (another demo or program?): stop it, or start with --port <another>.`
      : `The hub could not start: ${(err as Error).message}`,
  );
  await hub.stop();
  process.exit(1);
}

if (!(await hub.db.query('SELECT 1 FROM users LIMIT 1')).rowCount) {
  await hub.auth.createUser({ ...secrets.admin, name: 'Demo Admin', role: 'ADMIN' });
  saveSecrets();
}
const login = await fetch(`${hubUrl}/api/auth/login`, {
  method: 'POST',
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(secrets.admin),
});
if (!login.ok) throw new Error(`the demo admin could not sign in (${login.status}); delete ${dataDir} to start over`);
const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0]!;
const api = async <T = unknown>(method: string, path: string, body?: unknown): Promise<T> => {
  const res = await fetch(hubUrl + path, {
    method,
    headers: { cookie, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${await res.text()}`);
  return res.json() as Promise<T>;
};

const { items: someProducts } = await api<{ items: unknown[] }>('GET', '/api/catalog/products?limit=1');
if (someProducts.length === 0) {
  const [, ...rows] = parseCsv(readFileSync(new URL('./demo-catalog.csv', import.meta.url), 'utf8'));
  const items = rows
    .filter((r) => r.length >= 8)
    .map(([sku, gtin, name, brand, size, category, price, taxClass]) => ({
      sku,
      gtin,
      name,
      brand: brand || null,
      size: size || null,
      category,
      priceMinor: Number(price),
      taxClass,
    }));
  for (let i = 0; i < items.length; i += 1000) {
    await api('POST', '/api/catalog/products/import', { items: items.slice(i, i + 1000) });
    process.stdout.write(`\r  catalog: ${Math.min(i + 1000, items.length)}/${items.length} products`);
  }
  process.stdout.write('\n');
}

for (let i = 0; i < storeCount; i++) {
  const s = demoStore(i);
  if (secrets.stores[s.code]) continue;
  const { credential } = await api<{ credential: { storeId: string; secret: string } }>('POST', '/api/locations', {
    ...s,
    kind: 'STORE',
  });
  secrets.stores[s.code] = credential;
  saveSecrets();
}

const cli = fileURLToPath(new URL('../../../store-node/src/cli.ts', import.meta.url));
const children: ChildProcess[] = [];
const storeUrls: string[] = [];
for (let i = 0; i < storeCount; i++) {
  const s = demoStore(i);
  const port = hubPort + 1 + i;
  const child = spawn(process.execPath, ['--import', 'tsx', cli], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: {
      ...process.env,
      PORT: String(port),
      STORE_DB: join(dataDir, 'stores', `${s.code}.sqlite`),
      STORE_NAME: s.name,
      HUB_URL: hubUrl,
      STORE_ID: secrets.stores[s.code]!.storeId,
      STORE_SECRET: secrets.stores[s.code]!.secret,
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      STORE_EMULATE_DEVICES: '1',
      STORE_MODE: 'demo', // the card terminal is the simulator
    },
  });
  child.on('exit', (code, signal) => {
    if (!stopping) console.error(`store node ${s.code} exited (${signal ?? code}); the others keep running`);
  });
  children.push(child);
  storeUrls.push(
    `  ${s.code} ${s.name.padEnd(24)} http://127.0.0.1:${port}/  (POS /pos.html · kiosk /kiosk.html · pickups /pickup.html · handheld /handheld.html)`,
  );
}

console.log(`
Storefleet is running.
  Admin console:        ${hubUrl}/console/   health: ${hubUrl}/healthz
  Metrics:              ${hubUrl}/metrics (signed in as the admin, or Authorization: Bearer $HUB_METRICS_TOKEN)
  Sign in as:           ${secrets.admin.email} / ${secrets.admin.password}
                        (kept in ${secretsFile}; also: curl -c jar -H 'content-type: application/json' \\
                         -d '{"email":"${secrets.admin.email}","password":"…"}' ${hubUrl}/api/auth/login)
  Store nodes:
${storeUrls.join('\n')}
Press Ctrl-C to stop.`);

let stopping = false;
async function stop(code = 0): Promise<void> {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping store nodes and the hub …');
  await Promise.all(
    children.map(
      (c) =>
        new Promise<void>((done) => {
          if (c.exitCode !== null || c.signalCode !== null) return done();
          c.once('exit', () => done());
          c.kill('SIGTERM');
          setTimeout(() => c.kill('SIGKILL'), 5000).unref();
        }),
    ),
  );
  await hub.stop();
  console.log('Stopped.');
  process.exit(code);
}
process.on('SIGINT', () => void stop());
process.on('SIGTERM', () => void stop());
