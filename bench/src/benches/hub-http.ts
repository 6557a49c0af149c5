import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { createHub } from '@storefleet/central';
import { against, type Benchmark, type Figure } from '../figure.js';
import { benchTargets, withDb } from '../support/bench-db.js';
import { adminSession, catalogue, HubApi, storeWithToken } from '../support/hub-http-caller.js';

const DURATION_S = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 32;
const SKUS = 1000;
const ANCHOR = 'bare-node-http';

type Shape = Pick<autocannon.Options, 'method' | 'headers' | 'body' | 'requests'>;

async function load(url: string, shape: Shape = {}): Promise<{ rps: number; p99: number; n: number }> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S, ...shape });
  if (result.errors || result.non2xx)
    throw new Error(`load run against ${url} had ${result.errors} errors and ${result.non2xx} non-2xx answers`);
  return { rps: result.requests.average, p99: result.latency.p99, n: result.requests.total };
}

const skuAt = (i: number) => `HH-${String(i).padStart(4, '0')}`;
const anySku = () => skuAt(Math.floor(Math.random() * SKUS));

/**
 * The hub's HTTP stack, three ways, each against the same bare node:http JSON answer (measured before and after them,
 * averaged): `/healthz` (mounted before `/api`: no authentication, no idempotency; one database ping); an authenticated
 * read (a store's token, GET a catalog product: token check, access, one query); an idempotent write (the admin's
 * session, PUT a store/sku's safety stock with a fresh Idempotency-Key each: session check, the key's claim and answer
 * stored, the write).
 */
export const hubHttp: Benchmark = {
  name: 'hub-http',
  description: `hub requests/s through the full stack (/healthz; a store-token read; an idempotent admin write), ${CONNECTIONS} connections, against bare node:http`,
  async run() {
    const bare = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end('{"status":"ok"}');
    });
    await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
    const bareUrl = `http://127.0.0.1:${(bare.address() as AddressInfo).port}/`;
    try {
      const before = await load(bareUrl);
      return await withDb(benchTargets[0]!, async (place) => {
        const hub = await createHub({ port: 0, logLevel: 'silent', ...place });
        const api = new HubApi(await hub.start());
        try {
          const admin = await adminSession(hub, api);
          const store = await storeWithToken(api, admin, 'HH1');
          await catalogue(
            api,
            admin,
            Array.from({ length: SKUS }, (_, i) => skuAt(i)),
          );
          const healthz = await load(`${hub.url}/healthz`);
          const read = await load(hub.url!, {
            headers: { authorization: `Bearer ${store.token}` },
            requests: [{ method: 'GET', setupRequest: (r) => ({ ...r, path: `/api/catalog/products/${anySku()}` }) }],
          });
          const write = await load(hub.url!, {
            requests: [
              {
                method: 'PUT',
                setupRequest: (r) => ({
                  ...r,
                  path: `/api/inventory/stores/${store.id}/stock/${anySku()}/safety`,
                  headers: { cookie: admin, 'content-type': 'application/json', 'idempotency-key': randomUUID() },
                  body: JSON.stringify({ safety: Math.floor(Math.random() * 10) }),
                }),
              },
            ],
          });
          const after = await load(bareUrl);
          const anchor = (before.rps + after.rps) / 2;
          const db = hub.db.dialect;
          console.error(
            `  ${db}: /healthz ${healthz.rps.toFixed(0)}/s (p99 ${healthz.p99} ms), store-token read ${read.rps.toFixed(0)}/s (p99 ${read.p99} ms), idempotent write ${write.rps.toFixed(0)}/s (p99 ${write.p99} ms); bare node:http ${before.rps.toFixed(0)} then ${after.rps.toFixed(0)}/s`,
          );
          const figures: Figure[] = [];
          for (const [what, r] of [
            ['healthz', healthz],
            ['api_read_store_token', read],
            ['api_idempotent_write_admin', write],
          ] as const) {
            figures.push(
              against(
                { bench: 'hub-http', metric: `requests_per_s_${what}`, value: r.rps, unit: '1/s', db, n: r.n },
                ANCHOR,
                anchor,
              ),
              { bench: 'hub-http', metric: `p99_ms_${what}`, value: r.p99, unit: 'ms', db, n: r.n },
            );
          }
          return figures;
        } finally {
          api.close();
          await hub.stop();
        }
      });
    } finally {
      bare.close();
    }
  },
};
