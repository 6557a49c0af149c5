import { mkdtemp, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { createHub, type Hub } from '@storefleet/central';
import { ClientSandbox, DistributionServer, which } from '../../../central/src/modules/registry/tests/client-tools.js';
import { type BuiltImage, OciLayout } from '../../../central/src/modules/registry/tests/oci-layout.js';
import { against, round, type Benchmark, type Figure } from '../figure.js';
import { benchTargets, withDb } from '../support/bench-db.js';
import { check } from '../support/check.js';

/** A positive whole number from the environment (CI-size runs), else the fallback; anything else stops the run. */
function fromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined) return fallback;
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isInteger(n) || n < 1)
    throw new Error(`${name} must be a whole number ≥ 1, not '${raw}'`);
  return n;
}

/** What one run is sized and bounded by; every field has an environment variable. */
const SIZE = {
  /** The pushed and pulled image, in MB of incompressible layers (split over LAYERS). */
  mb: fromEnv('REGISTRY_BENCH_MB', 200),
  layers: fromEnv('REGISTRY_BENCH_LAYERS', 4),
  /** Push + pull rounds per registry (a fresh image each round: nothing to reuse); the median counts. */
  rounds: fromEnv('REGISTRY_BENCH_ROUNDS', 3),
  /** Seconds of hot-blob GETs per registry, with CONNECTIONS connections. */
  getSeconds: fromEnv('REGISTRY_BENCH_GET_SECONDS', 10),
  connections: fromEnv('REGISTRY_BENCH_CONNECTIONS', 64),
  /** Images sharing two base layers (BASE_MB in all) pushed to repositories of their own, for the dedup ratio. */
  dedupImages: fromEnv('REGISTRY_BENCH_DEDUP_IMAGES', 10),
  dedupBaseMb: fromEnv('REGISTRY_BENCH_DEDUP_BASE_MB', 8),
};
const ANCHOR = 'docker-distribution-2.8';
const ADMIN = { email: 'bench-admin@example.test', password: 'registry bench admin password' };
const MiB = 1024 ** 2;

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const log = (line: string) => console.error(`  registry: ${line}`);

/** One registry under test, as skopeo and autocannon reach it. */
interface Side {
  readonly name: 'ours' | 'theirs';
  readonly host: string;
  /** skopeo's `user:password`, when the registry wants them. */
  readonly creds?: string;
  /** Headers a plain HTTP GET of a blob needs (a bearer token from the realm for ours). */
  getHeaders(repository: string): Promise<Record<string, string>>;
  /** Bytes of blobs stored for the repositories under `prefix/` (the dedup figure's denominator). */
  storedBytes(prefix: string): Promise<number>;
}

async function timedMs(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

/** The sizes of every file named `data` under `dir` (Distribution keeps each blob and manifest as one). */
async function dataFileBytes(dir: string): Promise<number> {
  let total = 0;
  const entries = await readdir(dir, { withFileTypes: true, recursive: true }).catch(() => []);
  for (const e of entries) {
    if (e.isFile() && e.name === 'data') total += (await stat(join(e.parentPath, e.name))).size;
  }
  return total;
}

/**
 * The hot-GET client: SIZE.connections keep-alive connections, each one request at a time, for `seconds` (and at
 * most `limit` requests); a 200 of `size` bytes counts. It runs in a worker thread: the hub under test runs in this
 * process's main thread, and a client loop there would take its event loop (Distribution has a process of its own).
 */
const GET_WORKER = `
const { parentPort, workerData: w } = require('node:worker_threads');
const { Agent, request } = require('node:http');
const agent = new Agent({ keepAlive: true, maxSockets: w.connections });
let started = 0, done = 0, failed = 0, firstFailure;
const one = () => new Promise((resolve) => {
  const req = request(w.url, { agent, headers: w.headers }, (res) => {
    let got = 0;
    res.on('data', (c) => { got += c.length; });
    res.on('end', () => {
      if (res.statusCode === 200 && got === w.size) done++;
      else { failed++; firstFailure ??= 'status ' + res.statusCode + ', ' + got + ' bytes'; }
      resolve();
    });
    res.on('error', () => resolve());
  });
  req.on('error', (err) => { failed++; firstFailure ??= err.message; resolve(); });
  req.end();
});
const t0 = performance.now();
const until = t0 + w.seconds * 1000;
Promise.all(Array.from({ length: w.connections }, async () => {
  while (performance.now() < until && started < w.limit) { started++; await one(); }
})).then(() => {
  const seconds = (performance.now() - t0) / 1000;
  agent.destroy();
  parentPort.postMessage({ perS: done / seconds, done, failed, firstFailure });
});
`;

function hotGets(
  url: string,
  headers: Record<string, string>,
  size: number,
): Promise<{ perS: number; done: number; failed: number; firstFailure?: string }> {
  const workerData = {
    url,
    headers,
    size,
    connections: SIZE.connections,
    seconds: SIZE.getSeconds,
    limit: fromEnv('REGISTRY_BENCH_GETS', 1_000_000),
  };
  return new Promise((resolve, reject) => {
    const worker = new Worker(GET_WORKER, { eval: true, workerData });
    worker.once('message', (m) => {
      resolve(m);
      void worker.terminate();
    });
    worker.once('error', reject);
  });
}

const imageBytes = (img: BuiltImage, configSize: number) =>
  img.manifest.length + configSize + img.layers.reduce((n, l) => n + l.size, 0);

export const registryBench: Benchmark = {
  name: 'registry',
  description: `OCI registry: skopeo push/pull MB/s of a ${SIZE.mb} MB image vs Docker Distribution 2.8 in the same run (median of ${SIZE.rounds}), hot 1 MB blob GETs/s with ${SIZE.connections} connections, dedup ratio of ${SIZE.dedupImages} images sharing base layers`,
  async run(): Promise<Figure[]> {
    for (const bin of ['skopeo', 'docker-registry'])
      if (!which(bin))
        throw new Error(`registry bench: ${bin} is not installed (apt-get install skopeo docker-registry)`);
    const target = benchTargets[0]!;
    return withDb(target, async (place) => {
      const work = await mkdtemp(join(tmpdir(), 'sf-registry-bench-'));
      const hub: Hub = await createHub({
        port: 0,
        host: '127.0.0.1',
        logLevel: 'silent',
        mode: 'test',
        ...place,
        blobDir: join(work, 'hub-blobs'),
      });
      let distribution: DistributionServer | undefined;
      let box: ClientSandbox | undefined;
      try {
        await hub.auth.createUser({ ...ADMIN, name: 'Bench Admin', role: 'ADMIN' });
        const hubUrl = await hub.start();
        distribution = await DistributionServer.start();
        const theirsDir = distribution.dir;
        const ours: Side = {
          name: 'ours',
          host: new URL(hubUrl).host,
          creds: `${ADMIN.email}:${ADMIN.password}`,
          async getHeaders(repository) {
            const basic = Buffer.from(`${ADMIN.email}:${ADMIN.password}`).toString('base64');
            const res = await fetch(
              `${hubUrl}/api/registry/token?service=storefleet-registry&scope=repository:${repository}:pull`,
              { headers: { authorization: `Basic ${basic}` } },
            );
            if (res.status !== 200) throw new Error(`token answered ${res.status}: ${await res.text()}`);
            const { token } = (await res.json()) as { token: string };
            return { authorization: `Bearer ${token}` };
          },
          async storedBytes(prefix) {
            const blobs = await hub.db.query<{ n: number | string | null }>(
              `SELECT sum(b.size) AS n FROM registry_blobs b WHERE EXISTS
                 (SELECT 1 FROM registry_repo_blobs l WHERE l.digest = b.digest AND l.repository LIKE $1)`,
              [`${prefix}/%`],
            );
            const manifests = await hub.db.query<{ n: number | string | null }>(
              'SELECT sum(size) AS n FROM registry_manifests WHERE repository LIKE $1',
              [`${prefix}/%`],
            );
            return Number(blobs.rows[0]?.n ?? 0) + Number(manifests.rows[0]?.n ?? 0);
          },
        };
        const theirs: Side = {
          name: 'theirs',
          host: distribution.host,
          getHeaders: async () => ({}),
          // a fresh Distribution that only the dedup images went to so far: all its blob files are theirs
          storedBytes: async () => dataFileBytes(join(theirsDir, 'storage')),
        };
        const sides = [ours, theirs];
        box = await ClientSandbox.create(sides.map((s) => s.host));
        const sandbox = box;
        const skopeo = async (args: string[]) => {
          const r = await sandbox.skopeo(args, 30 * 60_000);
          if (r.code !== 0) throw new Error(`skopeo ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
          return r.stdout;
        };
        const push = (side: Side, dir: string, tag: string, repo: string) =>
          skopeo([
            'copy',
            ...(side.creds ? ['--dest-creds', side.creds] : []),
            '--dest-tls-verify=false',
            `oci:${dir}:${tag}`,
            `docker://${side.host}/${repo}:${tag}`,
          ]);
        const pull = (side: Side, repo: string, tag: string, dir: string) =>
          skopeo([
            'copy',
            ...(side.creds ? ['--src-creds', side.creds] : []),
            '--src-tls-verify=false',
            `docker://${side.host}/${repo}:${tag}`,
            `oci:${dir}:${tag}`,
          ]);

        // 1. dedup: images sharing two base layers, each with a small layer of its own, to repositories of their own
        log(`dedup: ${SIZE.dedupImages} images sharing ${SIZE.dedupBaseMb} MB of base layers`);
        const dedupLayout = await OciLayout.create(join(work, 'dedup'));
        const baseA = await dedupLayout.addRandomLayer('base/a.bin', Math.ceil((SIZE.dedupBaseMb * MiB * 3) / 4));
        const baseB = await dedupLayout.addRandomLayer('base/b.bin', Math.floor((SIZE.dedupBaseMb * MiB) / 4));
        let pushedBytes = 0;
        for (let i = 0; i < SIZE.dedupImages; i++) {
          const own = await dedupLayout.addRandomLayer(`app/${i}.bin`, 256 * 1024);
          const img = await dedupLayout.addImage(`d${i}`, [baseA, baseB, own]);
          pushedBytes += imageBytes(img, (await stat(dedupLayout.blobPath(img.configDigest))).size);
          for (const side of sides) await push(side, dedupLayout.dir, `d${i}`, `dedup/img-${i}`);
        }
        const dedup = {
          ours: pushedBytes / (await ours.storedBytes('dedup')),
          theirs: pushedBytes / (await theirs.storedBytes('dedup')),
        };
        log(`dedup ratio: ours ${round(dedup.ours, 2)}, theirs ${round(dedup.theirs, 2)}`);
        // the base layers are stored once: the hub keeps no more bytes than Distribution for the same images (a copy
        // per repository would put the ratio near 1)
        check(
          dedup.ours >= dedup.theirs * 0.99 && dedup.ours > 1,
          `dedup: the hub stores ${round(dedup.ours, 2)}× less than pushed, Distribution ${round(dedup.theirs, 2)}×`,
        );

        // 2. a hot 1 MB layer, GET with many connections
        const hotLayout = await OciLayout.create(join(work, 'hot'));
        const hotLayer = await hotLayout.addRandomLayer('hot.bin', MiB - 1536);
        await hotLayout.addImage('v1', [hotLayer]);
        const getsPerS: Record<Side['name'], number> = { ours: 0, theirs: 0 };
        for (const side of sides) {
          await push(side, hotLayout.dir, 'v1', 'bench/hot');
          const headers = await side.getHeaders('bench/hot');
          const url = `http://${side.host}/v2/bench/hot/blobs/${hotLayer.digest}`;
          const probe = await fetch(url, { headers });
          check(
            probe.status === 200 && (await probe.arrayBuffer()).byteLength === hotLayer.size,
            `${side.name}: GET of the hot layer answered ${probe.status}`,
          );
          log(`${side.name}: hot blob GETs, ${SIZE.connections} connections, ${SIZE.getSeconds} s`);
          const result = await hotGets(url, headers, hotLayer.size);
          check(
            result.failed === 0,
            `${side.name}: ${result.failed} of ${result.done + result.failed} hot blob GETs failed (${result.firstFailure})`,
          );
          getsPerS[side.name] = result.perS;
          log(`${side.name}: ${round(result.perS)} GETs/s (${result.done} in all)`);
        }

        // 3. push and pull of a big image: a fresh one each round (nothing either registry could reuse)
        const pushMs: Record<Side['name'], number[]> = { ours: [], theirs: [] };
        const pullMs: Record<Side['name'], number[]> = { ours: [], theirs: [] };
        let imageMb = 0;
        for (let r = 0; r < SIZE.rounds; r++) {
          const dir = join(work, `big-${r}`);
          const layout = await OciLayout.create(dir);
          const layers = [];
          for (let i = 0; i < SIZE.layers; i++)
            layers.push(await layout.addRandomLayer(`layer-${i}.bin`, Math.floor((SIZE.mb * MiB) / SIZE.layers)));
          const img = await layout.addImage('v1', layers);
          imageMb = layers.reduce((n, l) => n + l.size, 0) / MiB;
          // alternate who goes first, so neither always gets the warmer page cache
          for (const side of r % 2 === 0 ? sides : [...sides].reverse()) {
            const repo = `bench/big-${r}`;
            pushMs[side.name].push(await timedMs(() => push(side, dir, 'v1', repo)));
            const back = join(work, `back-${r}-${side.name}`);
            pullMs[side.name].push(await timedMs(() => pull(side, repo, 'v1', back)));
            check(
              (await OciLayout.digestOf(back, 'v1')) === img.manifestDigest,
              `${side.name}: the image pulled back is not the one pushed`,
            );
            await rm(back, { recursive: true, force: true });
            log(
              `round ${r + 1}/${SIZE.rounds} ${side.name}: push ${round(imageMb / (pushMs[side.name].at(-1)! / 1000))} MB/s, pull ${round(imageMb / (pullMs[side.name].at(-1)! / 1000))} MB/s`,
            );
          }
          await rm(dir, { recursive: true, force: true });
        }

        const mbs = (ms: number[]) => imageMb / (median(ms) / 1000);
        const base = { bench: 'registry', db: target.name } as const;
        const push_ = { ours: mbs(pushMs.ours), theirs: mbs(pushMs.theirs) };
        const pull_ = { ours: mbs(pullMs.ours), theirs: mbs(pullMs.theirs) };
        return [
          against(
            { ...base, metric: 'push_mb_per_s', value: push_.ours, unit: 'MB/s', n: SIZE.rounds },
            ANCHOR,
            push_.theirs,
          ),
          against(
            { ...base, metric: 'pull_mb_per_s', value: pull_.ours, unit: 'MB/s', n: SIZE.rounds },
            ANCHOR,
            pull_.theirs,
          ),
          {
            ...base,
            metric: 'push_vs_distribution',
            value: round(push_.ours / push_.theirs, 2),
            unit: 'ratio',
            n: SIZE.rounds,
          },
          {
            ...base,
            metric: 'pull_vs_distribution',
            value: round(pull_.ours / pull_.theirs, 2),
            unit: 'ratio',
            n: SIZE.rounds,
          },
          against(
            { ...base, metric: 'blob_get_per_s', value: getsPerS.ours, unit: 'req/s', n: SIZE.connections },
            ANCHOR,
            getsPerS.theirs,
          ),
          against(
            { ...base, metric: 'dedup_ratio', value: dedup.ours, unit: 'ratio', n: SIZE.dedupImages },
            ANCHOR,
            dedup.theirs,
          ),
        ];
      } finally {
        await box?.remove();
        await distribution?.stop();
        await hub.stop();
        await rm(work, { recursive: true, force: true });
      }
    });
  },
};
