import { Worker } from 'node:worker_threads';

/**
 * One kind of read the `graphql` bench times, as a client makes it. `graphql`: one POST /graphql per operation (the
 * bodies taken in turn). `get`: one GET per operation (the paths in turn). `rest-products`: the product page a web
 * backend builds from REST — GET the catalog page, then, with its skus, the batch price call and the store's stock in
 * parallel: `stock: 'list'` reads the store's stock list for the same sku range (`?after=<the page's cursor>&limit=n`,
 * 3 calls in all, the fewest REST allows), `stock: 'each'` one stock read per product (1 + 1 + n calls).
 */
export type Operation =
  | { readonly kind: 'graphql'; readonly bodies: readonly string[] }
  | { readonly kind: 'get'; readonly paths: readonly string[] }
  | {
      readonly kind: 'rest-products';
      readonly first: number;
      readonly cursors: readonly (string | null)[];
      readonly storeId: string;
      readonly stock: 'list' | 'each';
    };

export interface LoadPlan {
  readonly baseUrl: string;
  /** The caller's credential, the same for every operation (a session cookie or an Authorization header). */
  readonly headers: Readonly<Record<string, string>>;
  /** Operations in flight at once (each client waits for its operation's answers before starting the next). */
  readonly clients: number;
  /** Keep-alive sockets the clients share (a REST page's parallel calls need more than one per client). */
  readonly sockets: number;
  readonly warmupSeconds: number;
  readonly seconds: number;
  /** At most this many operations in the timed window, however fast they go. */
  readonly maxOps: number;
  readonly op: Operation;
}

export interface LoadResult {
  readonly ops: number;
  readonly seconds: number;
  /** HTTP requests the timed operations made (a REST page is several). */
  readonly httpRequests: number;
  /** Each timed operation's time, first byte sent to last answer read, in ms. */
  readonly latenciesMs: Float64Array;
  readonly failures: number;
  readonly firstFailure?: string;
}

/**
 * The client, in a worker thread: the hub under test runs on this process's main thread, and a client loop there would
 * take its event loop (and charge REST's many small answers to the hub). Plain JS, run with `eval`, as registry.ts's.
 * An answer that is not 2xx, or a GraphQL answer with `errors`, is a failure; the bench refuses a run that has any.
 */
const LOAD_WORKER = `
const { parentPort, workerData: w } = require('node:worker_threads');
const { Agent, request } = require('node:http');
const agent = new Agent({ keepAlive: true, maxSockets: w.sockets });
const base = new URL(w.baseUrl);
let requests = 0, failures = 0, firstFailure;
const fail = (what) => { failures++; firstFailure ??= what; return undefined; };
const call = (method, path, body) => new Promise((resolve) => {
  const payload = body === undefined ? undefined : (typeof body === 'string' ? body : JSON.stringify(body));
  const headers = { ...w.headers };
  if (payload !== undefined) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(Buffer.byteLength(payload));
  }
  requests++;
  const req = request({ host: base.hostname, port: base.port, path, method, headers, agent }, (res) => {
    const chunks = [];
    res.on('data', (c) => chunks.push(c));
    res.on('error', (err) => resolve(fail(method + ' ' + path + ': ' + err.message)));
    res.on('end', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      if (res.statusCode < 200 || res.statusCode > 299)
        return resolve(fail(method + ' ' + path + ' answered ' + res.statusCode + ' ' + text.slice(0, 200)));
      let json;
      try { json = JSON.parse(text); } catch { return resolve(fail(method + ' ' + path + ' answered no JSON')); }
      if (json && json.errors) return resolve(fail(method + ' ' + path + ': ' + JSON.stringify(json.errors).slice(0, 300)));
      resolve(json);
    });
  });
  req.on('error', (err) => resolve(fail(method + ' ' + path + ': ' + err.message)));
  req.end(payload);
});
const op = w.op;
let turn = 0;
const once = async () => {
  const i = turn++;
  if (op.kind === 'graphql') return call('POST', '/graphql', op.bodies[i % op.bodies.length]);
  if (op.kind === 'get') return call('GET', op.paths[i % op.paths.length]);
  const after = op.cursors[i % op.cursors.length];
  const page = await call('GET', '/api/catalog/products?limit=' + op.first + (after ? '&after=' + encodeURIComponent(after) : ''));
  if (!page) return;
  const skus = page.items.map((p) => p.sku);
  const stockBase = '/api/inventory/stores/' + op.storeId + '/stock';
  await Promise.all([
    call('POST', '/api/pricing/price', { lines: skus.map((sku) => ({ sku, qty: 1 })) }),
    ...(op.stock === 'list'
      ? [call('GET', stockBase + '?limit=' + op.first + (after ? '&after=' + encodeURIComponent(after) : ''))]
      : skus.map((sku) => call('GET', stockBase + '/' + encodeURIComponent(sku)))),
  ]);
};
const phase = async (seconds, limit, record) => {
  const until = performance.now() + seconds * 1000;
  let started = 0;
  await Promise.all(Array.from({ length: w.clients }, async () => {
    while (performance.now() < until && started < limit) {
      started++;
      const t = performance.now();
      await once();
      if (record) record.push(performance.now() - t);
    }
  }));
};
(async () => {
  await phase(w.warmupSeconds, Infinity, null);
  requests = 0; failures = 0; firstFailure = undefined;
  const latencies = [];
  const t0 = performance.now();
  await phase(w.seconds, w.maxOps, latencies);
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  parentPort.postMessage({ ops: latencies.length, seconds, httpRequests: requests, latenciesMs: Float64Array.from(latencies), failures, firstFailure });
})().catch((err) => parentPort.postMessage({ crashed: String(err && err.stack || err) }));
`;

/** Runs one plan in a worker and answers what its timed window measured; a crashed client is an error. */
export function drive(plan: LoadPlan): Promise<LoadResult> {
  return new Promise((resolve, reject) => {
    const worker = new Worker(LOAD_WORKER, { eval: true, workerData: plan });
    worker.once('message', (m: LoadResult & { crashed?: string }) => {
      void worker.terminate();
      if (m.crashed) reject(new Error(`the load client crashed: ${m.crashed}`));
      else resolve(m);
    });
    worker.once('error', reject);
  });
}

/** The q-quantile (0..1) of some latencies, in ms; NaN when there are none. */
export function quantile(latencies: readonly Float64Array[], q: number): number {
  const all = Float64Array.from(latencies.flatMap((l) => Array.from(l))).sort();
  return all.length ? all[Math.min(all.length - 1, Math.ceil(q * all.length) - 1)]! : Number.NaN;
}
