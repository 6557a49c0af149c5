import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { FsBlobStore } from '../../../central/src/kernel/fs-blob-store.js';
import { LocalKms } from '../../../central/src/modules/vault/kms.js';
import { type SealedObject, SealedStore } from '../../../central/src/modules/vault/sealed-store.js';
import { against, round, type Benchmark, type Figure } from '../figure.js';
import { check } from '../support/check.js';

/**
 * Issue #22's `vault-io`: a file of VAULT_IO_MB (default 1024) sealed into the vault's blob store (SHA-256 of the
 * plaintext, AES-256-GCM in 64 KiB segments, SHA-256 content address of the ciphertext, temp file + fsync + rename)
 * and opened back (every tag checked, plaintext to a sink), against the anchor measured in the same run on the same
 * disk: sealing (a write) against a plain stream copy of the same file (read + write + fsync), opening (a read)
 * against a plain read of it. Each side runs ROUNDS times (3 for files up to 256 MB, the median counts; one round for
 * bigger files, the default 1024 MB among them). Beside wall-clock MB/s, MB per CPU second of this process
 * (`*_cpu_mb_s`): what each would do with a core to itself, steadier on a shared machine. The process's RSS is
 * sampled through the run: its growth must stay below an eighth of the file's size (a check: nothing holds the whole
 * file), or the run fails. It grows some 20–25 MB whatever the size (buffers, the allocator's pages), so below about
 * 200 MB the check fails on that alone: measure at 256 MB or more.
 */
const MB = Math.min(Math.max(Math.round(Number(process.env.VAULT_IO_MB ?? 1024)) || 1024, 16), 4096);
const BYTES = MB * 1024 ** 2;
const ROUNDS = MB <= 256 ? 3 : 1;
/** The RSS growth allowed while sealing and opening: an eighth of the file (a streaming path holds a few MB). */
const RSS_GROWTH_LIMIT = BYTES / 8;
const DIR = process.env.VAULT_IO_DIR ?? tmpdir();

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mbPerS = (ms: number) => MB / (ms / 1000);
const sink = () =>
  new Writable({
    write(_chunk, _enc, done) {
      done();
    },
  });

/** Wall time and this process's CPU time (user + system) of `fn`, in ms. */
async function timed<T>(fn: () => Promise<T>): Promise<[{ wall: number; cpu: number }, T]> {
  const t0 = performance.now();
  const c0 = process.cpuUsage();
  const value = await fn();
  const c = process.cpuUsage(c0);
  return [{ wall: performance.now() - t0, cpu: (c.user + c.system) / 1000 }, value];
}

/** The source file: BYTES of incompressible bytes, written 1 MiB at a time (not timed). */
async function writeSource(path: string): Promise<string> {
  const hash = createHash('sha256');
  const block = randomBytes(1024 ** 2);
  let i = 0;
  const source = new Readable({
    read() {
      if (i === MB) return void this.push(null);
      const chunk = Buffer.from(block);
      chunk.writeUInt32BE(i++, 0);
      hash.update(chunk);
      this.push(chunk);
    },
  });
  await pipeline(source, createWriteStream(path));
  return hash.digest('hex');
}

/** The blob store reads in 256 KiB; the plain copy and read do too, so the anchor is not slowed by a smaller read. */
const READ = { highWaterMark: 256 * 1024 };

async function plainCopy(from: string, to: string): Promise<void> {
  await pipeline(createReadStream(from, READ), createWriteStream(to));
  const fh = await open(to, 'r');
  await fh.sync();
  await fh.close();
}

export const vaultIoBench: Benchmark = {
  name: 'vault-io',
  description: `seal+store MB/s of a ${MB} MB file against a plain file copy, open+read MB/s against a plain read, on the same disk (${
    ROUNDS === 1 ? 'one round' : `median of ${ROUNDS} rounds`
  })`,
  async run(): Promise<Figure[]> {
    const dir = await mkdtemp(join(DIR, 'vault-io-'));
    let peakRss = 0;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 20);
    try {
      const src = join(dir, 'source.bin');
      const expected = await writeSource(src);
      const blobs = new FsBlobStore(join(dir, 'blobs'));
      const sealed = new SealedStore(await LocalKms.open(join(dir, 'vault-keys.json')), blobs);
      const baseRss = process.memoryUsage().rss;
      peakRss = baseRss;

      const copyMs: { wall: number; cpu: number }[] = [];
      const readMs: { wall: number; cpu: number }[] = [];
      const sealMs: { wall: number; cpu: number }[] = [];
      const openMs: { wall: number; cpu: number }[] = [];
      let last: SealedObject | null = null;
      for (let r = 0; r < ROUNDS; r++) {
        const copy = join(dir, `copy-${r}.bin`);
        copyMs.push((await timed(() => plainCopy(src, copy)))[0]);
        readMs.push((await timed(() => pipeline(createReadStream(copy, READ), sink())))[0]);
        await rm(copy);
        const [ms, obj] = await timed(() => sealed.seal(createReadStream(src, READ), { maxBytes: BYTES }));
        sealMs.push(ms);
        last = obj;
        if (obj.sha256 !== expected) throw new Error('vault-io: the sealed SHA-256 is not the source’s');
        openMs.push((await timed(async () => pipeline(await sealed.open(obj), sink())))[0]);
        // each round seals afresh (a new data key and nonce, so a new blob); keep the disk to one copy at a time
        if (r < ROUNDS - 1) await blobs.delete(obj.blobKey);
      }
      // correctness, untimed: the last sealed object opens to the source's bytes
      if (!last) throw new Error('vault-io: nothing was sealed');
      const obj: SealedObject = last;
      const digest = createHash('sha256');
      await pipeline(
        await sealed.open(obj),
        new Writable({
          write(chunk: Buffer, _enc, done) {
            digest.update(chunk);
            done();
          },
        }),
      );
      if (digest.digest('hex') !== expected) throw new Error('vault-io: the opened bytes are not the source’s');
      const blobBytes = (await blobs.stat(obj.blobKey))?.size ?? 0;
      const rssGrowth = peakRss - baseRss;
      check(
        rssGrowth < RSS_GROWTH_LIMIT,
        `the process's RSS grew by ${round(rssGrowth / 1024 ** 2)} MB while sealing and opening a ${MB} MB file: not below ${round(RSS_GROWTH_LIMIT / 1024 ** 2)} MB (an eighth of it)`,
      );

      const wall = (xs: { wall: number }[]) => mbPerS(median(xs.map((x) => x.wall)));
      const cpu = (xs: { cpu: number }[]) => mbPerS(median(xs.map((x) => x.cpu)));
      const copy = wall(copyMs);
      const read = wall(readMs);
      const seal = wall(sealMs);
      const opened = wall(openMs);
      const n = MB;
      const base = { bench: 'vault-io', n } as const;
      return [
        { ...base, metric: 'plain_copy_mb_s', value: round(copy), unit: 'MB/s' },
        { ...base, metric: 'plain_read_mb_s', value: round(read), unit: 'MB/s' },
        against({ ...base, metric: 'seal_mb_s', value: seal, unit: 'MB/s' }, 'plain_copy_mb_s', copy),
        // opening is a read: it is held against reading the same bytes, not against a copy (which also writes)
        against({ ...base, metric: 'open_mb_s', value: opened, unit: 'MB/s' }, 'plain_read_mb_s', read),
        { ...base, metric: 'seal_vs_plain_copy', value: round(seal / copy, 2), unit: 'ratio' },
        { ...base, metric: 'open_vs_plain_read', value: round(opened / read, 2), unit: 'ratio' },
        // per CPU second of this process: what a core of its own would give, steadier than wall time on a busy machine
        against(
          { ...base, metric: 'seal_cpu_mb_s', value: cpu(sealMs), unit: 'MB/cpu-s' },
          'plain_copy_cpu_mb_s',
          cpu(copyMs),
        ),
        against(
          { ...base, metric: 'open_cpu_mb_s', value: cpu(openMs), unit: 'MB/cpu-s' },
          'plain_read_cpu_mb_s',
          cpu(readMs),
        ),
        { ...base, metric: 'sealed_overhead_pct', value: round(((blobBytes - BYTES) / BYTES) * 100, 3), unit: '%' },
        { ...base, metric: 'rss_growth_mb', value: round(rssGrowth / 1024 ** 2), unit: 'MB' },
      ];
    } finally {
      clearInterval(sampler);
      await rm(dir, { recursive: true, force: true });
    }
  },
};
