import { modulesKeepingContext } from '../../../../tests/support/modules-keeping-context.js';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import { afterAll, beforeAll } from 'vitest';
import type { HubContext } from '../../../kernel/module-contract.js';
import type { DbTarget } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';
import { ociErrorHandler, ociNotFound } from '../errors.js';
import { registryParts } from '../index.js';

/** The hub's modules with the registry's context kept, so a test reaches the parts of the hub it started. */
export const registryModulesKeepingContext = () => modulesKeepingContext('registry');

export interface AuthWorld {
  readonly t: TestHub;
  readonly ctx: HubContext;
  /** An app beside the hub that guards OCI-shaped paths with the hub's own RegistryAuth (200 `{ok, subject}` when let on). */
  readonly guarded: string;
  readonly admin: string;
  readonly storeA: { id: string; secret: string; token: string };
  readonly managerA: { email: string; password: string; cookie: string };
}

let n = 0;

/**
 * A hub on `target` with store A and its manager, and a small app using the hub's `RegistryAuth` on paths shaped like
 * the OCI API's, so the auth answers are checked whatever the blob and manifest routes do.
 */
export function authWorld(target: DbTarget, overrides: Parameters<typeof TestHub.start>[1] = {}): AuthWorld {
  const s: Partial<Record<keyof AuthWorld, unknown>> = {};
  let server: Server | undefined;
  beforeAll(async () => {
    const { modules, context } = await registryModulesKeepingContext();
    const t = await TestHub.start(target, { modules, ...overrides });
    s.t = t;
    s.ctx = context();
    const auth = registryParts(context()).auth;
    const app = express();
    app.use(auth.authenticate);
    const ok: express.RequestHandler = (_req, res) => {
      res.json({ ok: true, subject: auth.callerOf(res).subject });
    };
    app.get('/v2/', auth.base);
    app.get('/v2/_catalog', auth.requireCatalog, ok);
    app.get('/v2/*name/blobs/:digest', auth.require('pull'), ok);
    app.post('/v2/*name/blobs/uploads/', auth.require('push'), ok);
    app.delete('/v2/*name/manifests/:reference', auth.require('delete'), ok);
    app.use(ociNotFound);
    app.use(ociErrorHandler(context().log));
    server = await new Promise<Server>((resolve) => {
      const srv = app.listen(0, '127.0.0.1', () => resolve(srv));
    });
    // longer than the client keeps an idle connection, so a stalled test never reuses one the server just closed
    server.keepAliveTimeout = 60_000;
    s.guarded = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    s.admin = await t.login();
    const code = `RA${process.pid % 1000}${++n}`;
    s.storeA = await t.store(code, s.admin as string);
    const manager = { email: `mgr-${code.toLowerCase()}@example.test`, password: 'manager password 1234' };
    await t.hub.auth.createUser({
      ...manager,
      name: 'Manager A',
      role: 'STORE_MANAGER',
      storeId: (s.storeA as { id: string }).id,
    } as Parameters<typeof t.hub.auth.createUser>[0]);
    s.managerA = { ...manager, cookie: await t.login(manager.email, manager.password) };
  }, 180_000);
  afterAll(async () => {
    await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()));
    server?.closeAllConnections();
    await (s.t as TestHub | undefined)?.stop();
  });
  return new Proxy({} as AuthWorld, {
    get(_target, key) {
      const v = s[key as keyof AuthWorld];
      if (v === undefined) throw new Error(`authWorld.${String(key)} read before beforeAll`);
      return v;
    },
  });
}

/**
 * fetch, once more when a kept-alive connection was reset before the request reached the server (the server closed
 * it as idle while the client picked it up: seen on a loaded machine). Only for GETs, which change nothing.
 */
async function fetchAgain(url: string, init: RequestInit): Promise<Response> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await fetch(url, init);
    } catch (err) {
      const code = (err as { cause?: { code?: string } }).cause?.code;
      if (attempt >= 2 || (code !== 'ECONNRESET' && code !== 'UND_ERR_SOCKET')) throw err;
    }
  }
}

export const basic = (name: string, secret: string) => `Basic ${Buffer.from(`${name}:${secret}`).toString('base64')}`;

/** GET /api/registry/token with `scopes`, as whoever `authorization`/`cookie` say. */
export async function fetchToken(
  hubUrl: string,
  scopes: readonly string[],
  who: { authorization?: string; cookie?: string } = {},
  service = 'storefleet-registry',
): Promise<{ status: number; body: any; headers: Headers }> {
  const q = new URLSearchParams();
  if (service) q.set('service', service);
  for (const s of scopes) q.append('scope', s);
  const headers: Record<string, string> = {};
  if (who.authorization) headers.authorization = who.authorization;
  if (who.cookie) headers.cookie = who.cookie;
  const res = await fetchAgain(`${hubUrl}/api/registry/token?${q}`, { headers });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** A request to `url` with a bearer token or cookie; the answer's status, headers and JSON body. */
export async function call(
  url: string,
  method: string,
  who: { bearer?: string; cookie?: string } = {},
): Promise<{ status: number; body: any; headers: Headers }> {
  const headers: Record<string, string> = {};
  if (who.bearer) headers.authorization = `Bearer ${who.bearer}`;
  if (who.cookie) headers.cookie = who.cookie;
  const res = method === 'GET' ? await fetchAgain(url, { method, headers }) : await fetch(url, { method, headers });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON */
  }
  return { status: res.status, body, headers: res.headers };
}

/** The claims of a JWT, read without checking (what a client would see). */
export function claimsOf(token: string): any {
  return JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString('utf8'));
}
