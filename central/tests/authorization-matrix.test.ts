import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  accessMatrix as coreRows,
  HUB_ACCESS_ROLES,
  type HubAccessRole,
  type HubAccessRow,
} from '../src/kernel/access-matrix.js';
import type { HubModule } from '../src/kernel/module-contract.js';
import type { Services } from '../src/kernel/ports.js';
import { SYNC_PATH } from '../src/sync/sync-server.js';
import { AUTOMERGE_PATH } from '../src/sync/automerge-repo/index.js';
import { encode as cbor } from 'cbor-x';
import { PROTOCOL_VERSION } from '@storefleet/shared';
import { dbTargets } from './support/db-targets.js';
import { TestHub } from './support/test-hub.js';
import { discoverRoutes } from './support/express-routes.js';
import { rawCall, inBatches } from './support/raw-http.js';
import { accessMismatch, successMismatch } from './support/access-verdict.js';
import { handshake } from './support/ws-handshake.js';
import { GRAPHQL_PATH } from '../src/kernel/graphql/subscriptions.js';
import { filesUnder, hubStaticRoots } from './support/hub-static-roots.js';
import { hubAccessFixture, PASSWORD, type HubAccessFixture } from './support/hub-access-fixture.js';
import { hubProbe } from './support/hub-access-probes.js';
import { resolveSettings } from '../src/kernel/hub-settings.js';

const MODULES_DIR = fileURLToPath(new URL('../src/modules/', import.meta.url));

/** Each module the hub runs, with the rows of its `access-matrix.ts` (undefined when the file is missing). */
async function moduleRows(modules: readonly HubModule[]): Promise<Map<string, HubAccessRow[] | undefined>> {
  const byName = new Map<string, HubAccessRow[] | undefined>(modules.map((m) => [m.name, undefined]));
  for (const e of readdirSync(MODULES_DIR, { withFileTypes: true })) {
    if (!e.isDirectory() || !existsSync(join(MODULES_DIR, e.name, 'index.ts'))) continue;
    const { hubModule } = (await import(pathToFileURL(join(MODULES_DIR, e.name, 'index.ts')).href)) as {
      hubModule: HubModule;
    };
    if (!byName.has(hubModule.name)) continue;
    const file = join(MODULES_DIR, e.name, 'access-matrix.ts');
    if (existsSync(file))
      byName.set(
        hubModule.name,
        ((await import(pathToFileURL(file).href)) as { accessMatrix: HubAccessRow[] }).accessMatrix,
      );
  }
  return byName;
}

const key = (method: string, path: string) => `${method} ${path}`;

/** The WebSocket endpoints the hub serves itself, beside those its modules declare. */
const HUB_SOCKETS = [SYNC_PATH, '/api/console/live', AUTOMERGE_PATH, GRAPHQL_PATH];

/** Roles from the most to the least privileged: the first allowed one of a row must get a real answer (2xx). */
const BY_PRIVILEGE: readonly HubAccessRole[] = [...HUB_ACCESS_ROLES.filter((r) => r !== 'anonymous'), 'anonymous'];

describe.each(dbTargets)('the hub’s authorization matrix, on $name', (target) => {
  let t: TestHub;
  let fx: HubAccessFixture;
  let rows: HubAccessRow[];

  beforeAll(async () => {
    t = await TestHub.start(target);
    fx = await hubAccessFixture(t);
    const perModule = await moduleRows(t.hub.modules);
    rows = [...coreRows, ...[...perModule.values()].flatMap((r) => r ?? [])];
  }, 300_000); // every module's fixture over HTTP: minutes on a loaded machine
  afterAll(() => t?.stop());

  it('every module with routes or console pages declares its rows in modules/<name>/access-matrix.ts', async () => {
    const perModule = await moduleRows(t.hub.modules);
    const missing = t.hub.modules
      .filter((m) => (m.routes || m.console) && !perModule.get(m.name))
      .map((m) => `module ${m.name} has routes but no access-matrix.ts`);
    expect(missing).toEqual([]);
  });

  it('has exactly one row for each route and static mount the running hub has, and no row without one', () => {
    const { routes, statics } = discoverRoutes(t.hub.app as never);
    const existing = [...routes.map((r) => key(r.method, r.path)), ...statics.map((s) => key('GET', `${s.mount}/*`))];
    const tabled = rows.filter((r) => r.method !== 'WS').map((r) => key(r.method, r.path));
    const dupes = tabled.filter((k, i) => tabled.indexOf(k) !== i);
    expect(dupes, 'rows listed twice').toEqual([]);
    expect(
      existing.filter((k) => !tabled.includes(k)),
      'routes missing from the authorization matrix',
    ).toEqual([]);
    expect(
      tabled.filter((k) => !existing.includes(k)),
      'rows for routes the hub does not have',
    ).toEqual([]);
    // every static mount is one we know the folder of, so its files are checked below
    const roots = hubStaticRoots(t.hub.modules);
    expect(statics.map((s) => s.mount).filter((m) => !roots.has(m))).toEqual([]);
  });

  it('has a WS row for each WebSocket endpoint (the hub’s own and every module’s), and no WS row without one', () => {
    // a module's `sockets` only builds its handlers; the services they will use are not asked for here
    const services = { get: () => ({}), find: () => undefined } as unknown as Services;
    const ctx = {
      db: t.hub.db,
      log: t.hub.log,
      metrics: t.hub.metrics,
      now: Date.now,
      feed: t.hub.sync.feed,
      docs: t.hub.sync.docs,
      services,
      settings: resolveSettings({ mode: 'test' }).settings,
      testHooks: {},
      credentials: {
        check: () => Promise.reject(new Error('not here')),
        principalOf: async () => undefined,
        current: async () => undefined,
      },
      jobs: t.hub.jobs.forOwner('matrix-test'),
    };
    const sockets = [...HUB_SOCKETS, ...t.hub.modules.flatMap((m) => Object.keys(m.sockets?.(ctx) ?? {}))];
    const wsRows = rows.filter((r) => r.method === 'WS').map((r) => r.path);
    // a module socket is a path prefix (`/api/carts/`); its row names the full path (`/api/carts/:customerId/live`)
    expect(
      sockets.filter((s) => !wsRows.some((p) => p === s || (s.endsWith('/') && p.startsWith(s)))),
      'sockets missing from the authorization matrix',
    ).toEqual([]);
    expect(
      wsRows.filter((p) => !sockets.some((s) => p === s || (s.endsWith('/') && p.startsWith(s)))),
      'WS rows for sockets the hub does not have',
    ).toEqual([]);
  });

  it('answers every route, as every role, as the table says', async () => {
    const roots = hubStaticRoots(t.hub.modules);
    // Sign-out ends the session it is given: each person signs out a session of its own.
    const freshSession = async (role: HubAccessRole): Promise<Record<string, string>> => {
      const who = {
        admin: undefined,
        managerA: 'manager-a@example.test',
        associateA: 'associate-a@example.test',
        associateB: 'associate-b@example.test',
      } as Record<string, string | undefined>;
      // a customer signs out (here or everywhere) a throwaway account's session, so A's and B's serve every other row
      if (role === 'customerA' || role === 'customerB') {
        const res = await t.call('POST', '/api/account/sign-up', {
          email: `sign-out-${role}-${Math.random().toString(36).slice(2)}@example.test`,
          password: PASSWORD,
          name: role,
        });
        return { authorization: `Bearer ${res.body.token}` };
      }
      if (!(role in who)) return fx.credentials[role];
      return { cookie: role === 'admin' ? await t.login() : await t.login(who[role], PASSWORD) };
    };
    // The most privileged allowed caller of each row goes first, one row at a time, with a valid call on the fixture
    // (it must succeed); every other call runs after, so a call that uses its target up cannot starve that check.
    const first: (() => Promise<string | undefined>)[] = [];
    const rest: (() => Promise<string | undefined>)[] = [];
    // Sign-ins reserve an attempt per account while they run (R3's limit): signing in one account from every role at
    // once would be refused as a burst, so these go one at a time.
    const serial: (() => Promise<string | undefined>)[] = [];
    const wsUrl = t.url.replace(/^http/, 'ws');
    for (const row of rows) {
      const privileged = BY_PRIVILEGE.find((r) => row.cells[r] === 'allow');
      for (const role of HUB_ACCESS_ROLES) {
        if (row.path.endsWith('/*')) {
          const mount = row.path.slice(0, -2);
          const files = mount === '/console' ? ['', ...filesUnder(roots.get(mount)!)] : filesUnder(roots.get(mount)!);
          for (const f of files) {
            rest.push(async () => {
              const res = await rawCall(t.url, { method: 'GET', path: `${mount}/${f}`, headers: fx.credentials[role] });
              if (res.status !== 200 && row.cells[role] === 'allow')
                return `${role.padEnd(10)} GET ${mount}/${f} → ${res.status}; the table says allow (a file that exists)`;
              return accessMismatch(row, role, res.status);
            });
          }
          continue;
        }
        const task = async (): Promise<string | undefined> => {
          const probe = hubProbe(row, role, fx);
          if (row.method === 'WS') {
            const isSync = row.path === SYNC_PATH;
            const hello = JSON.stringify({
              type: 'hello',
              protocol: PROTOCOL_VERSION,
              storeId: fx.a.id,
              outboxHead: 1,
              feedCursor: 0,
            });
            const ans = await handshake(wsUrl + probe.path, {
              headers: fx.credentials[role],
              // the privileged caller must be served, not just upgraded: a first frame, not a close
              waitForFrame: role === privileged,
              ...(isSync && role === privileged ? { send: hello } : {}),
              // automerge-repo's handshake: the client's join, answered by the hub's peer frame
              ...(row.path === AUTOMERGE_PATH && role === privileged
                ? {
                    send: cbor({
                      type: 'join',
                      senderId: 'matrix',
                      peerMetadata: {},
                      supportedProtocolVersions: ['1'],
                    }),
                  }
                : {}),
              // graphql-ws: its subprotocol, and the client's connection_init, answered by connection_ack
              ...(row.path === GRAPHQL_PATH
                ? { protocols: ['graphql-transport-ws'], send: JSON.stringify({ type: 'connection_init' }) }
                : {}),
            });
            if (role === privileged && ans.status === 101 && ans.firstFrame === undefined) {
              return `${role.padEnd(10)} WS ${row.path} → 101, then closed with ${ans.closedWith} before any frame; the table says allow`;
            }
            return (
              accessMismatch(row, role, ans.status) ??
              (role === privileged ? successMismatch(row, role, ans.status) : undefined)
            );
          }
          const signsOut =
            row.path === '/api/auth/logout' ||
            (row.path.startsWith('/api/account/sign-out') && role.startsWith('customer'));
          const headers = signsOut ? await freshSession(role) : fx.credentials[role];
          const call = (path: string) =>
            rawCall(t.url, {
              method: row.method,
              path,
              headers: {
                ...headers,
                ...(probe.body === undefined ? {} : { 'content-type': 'application/json' }),
                ...probe.headers,
              },
              ...(probe.body === undefined ? {} : { body: JSON.stringify(probe.body) }),
              ...(probe.rawBody === undefined ? {} : { body: probe.rawBody }),
            });
          const res = await call(probe.path).catch((err: Error) => err);
          if (res instanceof Error)
            return `${role.padEnd(10)} ${row.method} ${probe.path} → no answer (${res.message})`;
          const missing = probe.missing ? (await call(probe.missing)).status : undefined;
          if (res.status >= 500)
            return `${role.padEnd(10)} ${row.method} ${probe.path} → ${res.status}: ${res.text.slice(0, 200)}`;
          return (
            accessMismatch(row, role, res.status, missing) ??
            (role === privileged ? successMismatch(row, role, res.status, res.text.slice(0, 200)) : undefined)
          );
        };
        const signsIn = row.path.startsWith('/api/auth/log') || row.path === '/api/account/sign-in';
        (role === privileged ? first : signsIn ? serial : rest).push(task);
      }
    }
    const mismatches = [
      ...(await inBatches(first, 1)),
      ...(await inBatches(serial, 1)),
      ...(await inBatches(rest, 12)),
    ].filter((m): m is string => !!m);
    expect(mismatches).toEqual([]);
  }, 300_000); // ~450 calls, one at a time for the privileged ones: over a minute on a loaded machine
});
