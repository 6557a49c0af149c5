import { createHub, type Hub } from '../../src/index.js';
import type { HubConfig } from '../../src/config.js';
import { type DbTarget, placeForHub } from './db-targets.js';
import { csrfHeaderFor } from './csrf-headers.js';

export const ADMIN = { email: 'admin@example.test', password: 'correct horse battery staple' };

export interface ApiAnswer<T = any> {
  readonly status: number;
  readonly body: T;
  readonly headers: Headers;
}

export interface Caller {
  readonly bearer?: string;
  readonly cookie?: string;
  /**
   * The `X-CSRF-Token` a page sends beside `cookie` (issue #27): by default the cookie's own token (as the console
   * and the shop page send it); false sends none, a string sends that.
   */
  readonly csrf?: string | false;
  readonly idempotencyKey?: string;
  readonly contentType?: string;
  readonly rawBody?: string;
}

/** A hub on a fresh database with one admin, listening on 127.0.0.1, plus a fetch helper. */
export class TestHub {
  private constructor(
    readonly hub: Hub,
    readonly url: string,
    private readonly dropDb: () => Promise<void>,
    readonly clock: { offsetMs: number },
  ) {}

  static async start(target: DbTarget, overrides: Partial<HubConfig> = {}): Promise<TestHub> {
    const db = await placeForHub(target, overrides.modules);
    const clock = { offsetMs: 0 };
    const hub = await createHub({
      port: 0,
      logLevel: 'silent',
      mode: 'test', // the simulators stand in for external parties nobody named
      databaseUrl: db.databaseUrl,
      dataDir: db.dataDir,
      now: () => Date.now() + clock.offsetMs,
      // Tests move the clock by hours and days; the admin's session should not end for idling while they do. The idle
      // limit is tested where a test names it (edge.sessionIdleMinutes, or sessionIdleSeconds: undefined for the hub's own default: edge-sessions.test.ts).
      ...('sessionIdleSeconds' in overrides || overrides.edge?.sessionIdleMinutes !== undefined
        ? {}
        : { sessionIdleSeconds: 400 * 86_400 }),
      ...overrides,
    });
    await hub.auth.createUser({ ...ADMIN, name: 'Test Admin', role: 'ADMIN' });
    const url = await hub.start();
    return new TestHub(hub, url, db.drop, clock);
  }

  async call<T = any>(method: string, path: string, body?: unknown, who: Caller = {}): Promise<ApiAnswer<T>> {
    const headers: Record<string, string> = {};
    if (who.bearer) headers.authorization = `Bearer ${who.bearer}`;
    if (who.cookie) headers.cookie = who.cookie;
    if (typeof who.csrf === 'string') headers['x-csrf-token'] = who.csrf;
    else if (who.csrf !== false && !who.bearer) Object.assign(headers, csrfHeaderFor(who.cookie));
    if (who.idempotencyKey) headers['idempotency-key'] = who.idempotencyKey;
    let payload: string | undefined = who.rawBody;
    if (body !== undefined) payload = JSON.stringify(body);
    if (payload !== undefined) headers['content-type'] = who.contentType ?? 'application/json';
    const res = await fetch(this.url + path, { method, headers, body: payload });
    const text = await res.text();
    let parsed: unknown = text;
    if ((res.headers.get('content-type') ?? '').includes('json') && text) parsed = JSON.parse(text);
    return { status: res.status, body: parsed as T, headers: res.headers };
  }

  /** Signs in and returns the session cookie for `who.cookie`. */
  async login(email = ADMIN.email, password = ADMIN.password): Promise<string> {
    const res = await fetch(`${this.url}/api/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    if (res.status !== 200) throw new Error(`login failed: ${res.status} ${await res.text()}`);
    const setCookie = res.headers.get('set-cookie') ?? '';
    return setCookie.split(';')[0]!;
  }

  /** Registers a store and exchanges its credential for a token. */
  async store(code: string, adminCookie: string): Promise<{ id: string; secret: string; token: string }> {
    const reg = await this.call(
      'POST',
      '/api/locations',
      { code, name: `Store ${code}`, kind: 'STORE', lat: 40.7, lon: -74 },
      { cookie: adminCookie },
    );
    if (reg.status !== 201) throw new Error(`store registration failed: ${JSON.stringify(reg.body)}`);
    const { storeId, secret } = reg.body.credential;
    const tok = await this.call('POST', '/api/auth/store-token', { storeId, secret });
    return { id: storeId, secret, token: tok.body.token };
  }

  async stop(): Promise<void> {
    await this.hub.stop();
    await this.dropDb();
  }
}
