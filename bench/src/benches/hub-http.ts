import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import autocannon from 'autocannon';
import { createHub } from '@storefleet/central';
import { against, type Benchmark } from '../figure.js';
import { benchTargets, withDb } from '../support/bench-db.js';

const DURATION_S = Number(process.env.BENCH_SECONDS ?? 5);
const CONNECTIONS = 32;

async function load(url: string): Promise<{ rps: number; p99: number; n: number }> {
  const result = await autocannon({ url, connections: CONNECTIONS, duration: DURATION_S });
  if (result.errors || result.non2xx)
    throw new Error(`load run against ${url} had ${result.errors} errors and ${result.non2xx} non-2xx answers`);
  return { rps: result.requests.average, p99: result.latency.p99, n: result.requests.total };
}

/** Hub /healthz (express stack + a database round trip) against a bare node:http JSON answer, 32 connections. */
export const hubHttp: Benchmark = {
  name: 'hub-http',
  description: 'hub /healthz requests/s through the full middleware stack, against bare node:http',
  async run() {
    const bare = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end('{"status":"ok"}');
    });
    await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
    const anchor = await load(`http://127.0.0.1:${(bare.address() as AddressInfo).port}/`);
    bare.close();

    return withDb(benchTargets[0]!, async (place) => {
      const hub = await createHub({ port: 0, logLevel: 'silent', ...place });
      try {
        const url = await hub.start();
        const ours = await load(`${url}/healthz`);
        const db = hub.db.dialect;
        return [
          against(
            { bench: 'hub-http', metric: 'requests_per_s', value: ours.rps, unit: '1/s', db, n: ours.n },
            'bare-node-http',
            anchor.rps,
          ),
          { bench: 'hub-http', metric: 'p99_ms', value: ours.p99, unit: 'ms', db, n: ours.n },
        ];
      } finally {
        await hub.stop();
      }
    });
  },
};
