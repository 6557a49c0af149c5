import { Agent, request } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { Hub } from '@storefleet/central';

/** Who calls: a store's bearer token or an admin's session cookie. */
export interface Who {
  readonly bearer?: string;
  readonly cookie?: string;
}

export interface Answer<T> {
  readonly status: number;
  readonly body: T;
  readonly setCookie: readonly string[];
}

/**
 * A caller of a running hub's HTTP API as a client sees it: keep-alive connections (at most `sockets` at once), JSON in
 * and out. Benchmarks set up their data and take their measurements through it, not through the hub's repositories.
 */
export class HubApi {
  readonly #agent: Agent;
  readonly #url: URL;

  constructor(baseUrl: string, sockets = 32) {
    this.#url = new URL(baseUrl);
    this.#agent = new Agent({ keepAlive: true, maxSockets: sockets });
  }

  call<T = unknown>(
    method: string,
    path: string,
    body?: unknown,
    who: Who & { idempotencyKey?: string } = {},
  ): Promise<Answer<T>> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const headers: Record<string, string> = {};
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    if (who.bearer) headers.authorization = `Bearer ${who.bearer}`;
    if (who.cookie) headers.cookie = who.cookie;
    if (who.idempotencyKey) headers['idempotency-key'] = who.idempotencyKey;
    return new Promise((resolve, reject) => {
      const req = request(
        { host: this.#url.hostname, port: this.#url.port, path, method, headers, agent: this.#agent },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('error', reject);
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            const json = (res.headers['content-type'] ?? '').includes('json') && text;
            resolve({
              status: res.statusCode ?? 0,
              body: (json ? JSON.parse(text) : text) as T,
              setCookie: res.headers['set-cookie'] ?? [],
            });
          });
        },
      );
      req.on('error', reject);
      req.end(payload);
    });
  }

  /** `call`, but anything other than `status` is an error naming the request and the answer. */
  async expect<T = unknown>(
    status: number,
    method: string,
    path: string,
    body?: unknown,
    who: Who & { idempotencyKey?: string } = {},
  ): Promise<T> {
    const res = await this.call<T>(method, path, body, who);
    if (res.status !== status)
      throw new Error(
        `${method} ${path}: expected ${status}, got ${res.status} ${JSON.stringify(res.body).slice(0, 300)}`,
      );
    return res.body;
  }

  close(): void {
    this.#agent.destroy();
  }
}

const ADMIN = { email: 'bench-admin@example.test', password: `bench ${randomUUID()}` };

/** Creates the hub's admin (the hub's auth service, as a first-admin setup does) and signs in: the session cookie. */
export async function adminSession(hub: Hub, api: HubApi): Promise<string> {
  await hub.auth.createUser({ ...ADMIN, name: 'Bench Admin', role: 'ADMIN' });
  const res = await api.call('POST', '/api/auth/login', ADMIN);
  if (res.status !== 200) throw new Error(`admin sign-in failed: ${res.status} ${JSON.stringify(res.body)}`);
  return res.setCookie[0]!.split(';')[0]!;
}

/** Registers a store (POST /api/locations as the admin) and exchanges its credential for a store token. */
export async function storeWithToken(
  api: HubApi,
  admin: string,
  code: string,
): Promise<{ readonly id: string; readonly token: string }> {
  const reg = await api.expect<{ credential: { storeId: string; secret: string } }>(
    201,
    'POST',
    '/api/locations',
    { code, name: `Bench ${code}`, kind: 'STORE', lat: 40.7, lon: -74 },
    { cookie: admin },
  );
  const { storeId, secret } = reg.credential;
  const tok = await api.expect<{ token: string }>(200, 'POST', '/api/auth/store-token', { storeId, secret });
  return { id: storeId, token: tok.token };
}

/** Puts `skus` in the hub's catalog (POST /api/catalog/products/import as the admin, 5,000 a request). */
export async function catalogue(api: HubApi, admin: string, skus: readonly string[]): Promise<void> {
  for (let i = 0; i < skus.length; i += 5000) {
    const items = skus
      .slice(i, i + 5000)
      .map((sku) => ({ sku, name: sku, category: 'Bench', priceMinor: 1000, taxClass: 'ZERO' }));
    await api.expect(200, 'POST', '/api/catalog/products/import', { items }, { cookie: admin });
  }
}
