import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isMainThread, type MessagePort, parentPort, Worker, workerData } from 'node:worker_threads';
import { contentNeighbours } from './models/content.js';
import { closestByFactors, type IalsModel, type IalsOptions, scoreItemsForUser, trainIals } from './models/ials.js';
import { itemNeighbours } from './models/item-knn.js';
import { buildMatrix, hasItem, type InteractionMatrix, type Triple } from './models/matrix.js';
import type { Neighbours } from './models/neighbours.js';
import { type TopN, topN } from './models/top-n.js';

/**
 * The models off the request path: `startTrainer` trains on a worker thread of its own, so a training run never
 * holds the hub's event loop; the hub then pulls the customers' candidates from it a slice at a time (a million
 * customers' top 100 would not fit in one message), and terminates it. This file is also the worker's body (below),
 * recognised by its workerData; the thread starts from a tiny CommonJS bootstrap that registers tsx first when this
 * file is TypeScript (from source, under tsx or vitest), as the delivery solver's worker does.
 *
 * Protocol: worker → main `trained` once; then main → worker `candidates [from, to)`, answered by one `candidates`
 * each (or `error`), until the hub terminates the thread. Typed arrays travel transferred, not copied.
 */
const MARK = 'storefleet-recs-trainer';

/** Interaction kinds as the worker gets them, with the weight each counts (a purchase says more than a view). */
export const KIND_CODES = { VIEW: 0, CART_ADD: 1, PURCHASE: 2 } as const;
const KIND_WEIGHTS = [1, 2, 4];

/** What training learns from: one entry per interaction, ids already mapped to dense indices by the hub. */
export interface TrainData {
  readonly nCustomers: number;
  readonly nItems: number;
  readonly nStores: number;
  readonly nCategories: number;
  /** Per interaction: the customer (−1 anonymous: popularity only), the item, KIND_CODES, the store (−1 none). */
  readonly customers: Int32Array;
  readonly items: Int32Array;
  readonly kinds: Uint8Array;
  readonly stores: Int32Array;
  /** Per item: its category's index. */
  readonly itemCategory: Int32Array;
  /** Per item: the words content similarity compares (category, brand, name, tags). */
  readonly tokens: readonly (readonly string[])[];
}

export interface TrainSettings {
  readonly ials: Omit<IalsOptions, 'signal' | 'onIteration' | 'initial'>;
  /** Personal candidates per customer. */
  readonly candidates: number;
  /** Neighbours kept per product (bought with, similar). */
  readonly neighbours: number;
  /** Products per popular list. */
  readonly popular: number;
  readonly knnShrink: number;
  /** How many of a customer's own items (the heaviest) are compared to find a candidate's "why". */
  readonly whyAmong: number;
}

/** What the worker sends once it has trained. */
export interface Trained {
  readonly boughtWith: Neighbours;
  readonly similar: Neighbours;
  readonly popularAll: TopN;
  /** By category index, by store index. */
  readonly popularByCategory: readonly TopN[];
  readonly popularByStore: readonly TopN[];
  readonly timings: {
    readonly ialsMs: number;
    readonly knnMs: number;
    readonly contentMs: number;
    readonly popularMs: number;
  };
}

/** A slice of customers' candidates: row r (customer from + r) is `items[r*n .. r*n+n)`, −1 padded, best first. */
export interface CandidateSlice {
  readonly from: number;
  readonly to: number;
  readonly n: number;
  readonly items: Int32Array;
  readonly scores: Float32Array;
  /** The customer's own item that explains each candidate, or −1. */
  readonly why: Int32Array;
}

type Reply =
  | { readonly kind: 'trained'; readonly trained: Trained }
  | { readonly kind: 'candidates'; readonly slice: CandidateSlice }
  | { readonly kind: 'error'; readonly name: string; readonly message: string };
type Request = { readonly kind: 'candidates'; readonly from: number; readonly to: number };

/** A training run stopped by its caller (the worker was terminated). */
export class TrainingAbortedError extends Error {
  override readonly name = 'AbortError';
}

/** The worker's models after training, answering slices of customers' candidates. */
class Trainer {
  readonly #all: InteractionMatrix;
  readonly #purchased: InteractionMatrix;
  readonly #model: IalsModel;
  readonly trained: Trained;
  readonly #settings: TrainSettings;

  constructor(data: TrainData, settings: TrainSettings) {
    this.#settings = settings;
    const triples = (keep: (k: number) => boolean, weight: (k: number) => number): Triple[] => {
      const out: Triple[] = [];
      for (let k = 0; k < data.items.length; k++)
        if (data.customers[k]! >= 0 && keep(k)) out.push({ u: data.customers[k]!, i: data.items[k]!, w: weight(k) });
      return out;
    };
    const weightOf = (k: number) => KIND_WEIGHTS[data.kinds[k]!]!;
    this.#all = buildMatrix(
      data.nCustomers,
      data.nItems,
      triples(() => true, weightOf),
    );
    this.#purchased = buildMatrix(
      data.nCustomers,
      data.nItems,
      triples(
        (k) => data.kinds[k] === KIND_CODES.PURCHASE,
        () => 1,
      ),
    );
    // "Bought together" learns from what went into baskets (purchases and cart adds), not from browsing.
    const baskets = buildMatrix(
      data.nCustomers,
      data.nItems,
      triples((k) => data.kinds[k] !== KIND_CODES.VIEW, weightOf),
    );

    let t = performance.now();
    this.#model = trainIals(this.#all, settings.ials);
    const ialsMs = performance.now() - t;
    t = performance.now();
    const boughtWith = itemNeighbours(baskets, { k: settings.neighbours, shrink: settings.knnShrink });
    const knnMs = performance.now() - t;
    t = performance.now();
    const similar = contentNeighbours(
      data.tokens.map((tokens) => ({ tokens })),
      { k: settings.neighbours },
    );
    const contentMs = performance.now() - t;
    t = performance.now();
    const popular = popularLists(data, settings.popular);
    const popularMs = performance.now() - t;
    this.trained = { boughtWith, similar, ...popular, timings: { ialsMs, knnMs, contentMs, popularMs } };
  }

  /** Customers `from`…`to`−1: the iALS top n of each, leaving out what they bought, with each one's "why". */
  candidates(from: number, to: number): CandidateSlice {
    const n = this.#settings.candidates;
    const rows = to - from;
    const items = new Int32Array(rows * n).fill(-1);
    const scores = new Float32Array(rows * n);
    const why = new Int32Array(rows * n).fill(-1);
    const buffer = new Float32Array(this.#model.nItems);
    for (let u = from; u < to; u++) {
      const best = topN(scoreItemsForUser(this.#model, u, buffer), n, (i) => hasItem(this.#purchased, u, i));
      const own = heaviest(this.#all, u, this.#settings.whyAmong);
      const base = (u - from) * n;
      items.set(best.items, base);
      scores.set(best.scores, base);
      for (let r = 0; r < best.items.length; r++) why[base + r] = closestByFactors(this.#model, best.items[r]!, own);
    }
    return { from, to, n, items, scores, why };
  }
}

/** Up to `n` of row u's items, heaviest first. */
function heaviest(m: InteractionMatrix, u: number, n: number): Int32Array {
  const start = m.rowPtr[u]!;
  const end = m.rowPtr[u + 1]!;
  if (end - start <= n) return m.cols.slice(start, end);
  return topN(m.vals.subarray(start, end), n).items.map((p) => m.cols[start + p]!);
}

/** Popularity (summed interaction weights, anonymous sessions too) overall, per category and per store. */
function popularLists(
  data: TrainData,
  n: number,
): Pick<Trained, 'popularAll' | 'popularByCategory' | 'popularByStore'> {
  const overall = new Float32Array(data.nItems);
  const storeTriples: Triple[] = [];
  for (let k = 0; k < data.items.length; k++) {
    const w = KIND_WEIGHTS[data.kinds[k]!]!;
    overall[data.items[k]!]! += w;
    if (data.stores[k]! >= 0) storeTriples.push({ u: data.stores[k]!, i: data.items[k]!, w });
  }
  // An item with no interactions is not popular anywhere (a new product reaches lists once it is bought or seen).
  const popularAll = topN(overall, n, (i) => overall[i] === 0);
  const byCategory: number[][] = Array.from({ length: data.nCategories }, () => []);
  for (let i = 0; i < data.nItems; i++) if (overall[i]! > 0) byCategory[data.itemCategory[i]!]!.push(i);
  const popularByCategory = byCategory.map((members) => {
    const ranked = members.sort((a, b) => overall[b]! - overall[a]! || a - b).slice(0, n);
    return { items: Int32Array.from(ranked), scores: Float32Array.from(ranked, (i) => overall[i]!) };
  });
  const perStore = buildMatrix(data.nStores, data.nItems, storeTriples);
  const popularByStore = Array.from({ length: data.nStores }, (_, s) => {
    const start = perStore.rowPtr[s]!;
    const best = topN(perStore.vals.subarray(start, perStore.rowPtr[s + 1]!), n);
    return { items: best.items.map((p) => perStore.cols[start + p]!), scores: best.scores };
  });
  return { popularAll, popularByCategory, popularByStore };
}

const BOOTSTRAP = `
const { workerData } = require('node:worker_threads');
(async () => {
  if (workerData.tsx) (await import(workerData.tsx)).register();
  await import(workerData.entry);
})().catch((err) => { setImmediate(() => { throw err; }); });
`;

/** The ES-module build of tsx's register API (the CommonJS one cannot register hooks from an eval'd worker). */
function tsxApi(): string {
  const require = createRequire(import.meta.url);
  const manifest = require.resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
    exports: Record<string, { import: { default: string } }>;
  };
  return pathToFileURL(join(dirname(manifest), pkg.exports['./esm/api']!.import.default)).href;
}

/** A trainer running on its thread: what it learned, and its customers' candidates on request. */
export interface TrainerHandle {
  readonly trained: Trained;
  candidates(from: number, to: number): Promise<CandidateSlice>;
  /** Ends the thread (idempotent); call it whatever happened. */
  close(): Promise<void>;
}

/**
 * Starts a worker thread that trains on `data` (its typed arrays are moved to the thread: unusable here afterwards)
 * and resolves once it has. Aborting `signal` terminates the thread, and every pending call rejects with
 * TrainingAbortedError; a thread that throws or dies rejects them with its error.
 */
export function startTrainer(data: TrainData, settings: TrainSettings, signal?: AbortSignal): Promise<TrainerHandle> {
  if (signal?.aborted) return Promise.reject(new TrainingAbortedError('the training was aborted before it started'));
  const entry = new URL(import.meta.url);
  const tsx = entry.pathname.endsWith('.ts') ? tsxApi() : null;
  const worker = new Worker(BOOTSTRAP, {
    eval: true,
    workerData: { entry: entry.href, tsx, job: { mark: MARK, data, settings } },
    transferList: [data.customers.buffer, data.items.buffer, data.kinds.buffer, data.stores.buffer] as ArrayBuffer[],
    // factors of a million customers × 64 floats are 256 MB; leave room for the neighbour lists beside them
    resourceLimits: { maxOldGenerationSizeMb: 4096, maxYoungGenerationSizeMb: 64 },
  });
  let pending: { resolve: (r: Reply) => void; reject: (e: Error) => void } | null = null;
  let failure: Error | null = null;
  const fail = (err: Error) => {
    if (failure) return;
    failure = err;
    signal?.removeEventListener('abort', onAbort);
    pending?.reject(err);
    pending = null;
    void worker.terminate();
  };
  const onAbort = () => fail(new TrainingAbortedError('the training was aborted'));
  signal?.addEventListener('abort', onAbort, { once: true });
  worker.on('message', (reply: Reply) => {
    if (reply.kind === 'error') return fail(Object.assign(new Error(reply.message), { name: reply.name }));
    const p = pending;
    pending = null;
    p?.resolve(reply);
  });
  worker.on('error', (err) => fail(err));
  worker.on('exit', (code) => fail(new Error(`the trainer's thread exited with code ${code}`)));
  const next = () =>
    new Promise<Reply>((resolve, reject) => {
      if (failure) return reject(failure);
      pending = { resolve, reject };
    });
  const close = async () => {
    if (!failure) failure = new Error('the trainer was closed');
    signal?.removeEventListener('abort', onAbort);
    await worker.terminate();
  };
  return next().then(
    (first) => {
      if (first.kind !== 'trained') throw new Error(`the trainer answered ${first.kind} before it trained`);
      return {
        trained: first.trained,
        async candidates(from, to) {
          const answer = next();
          worker.postMessage({ kind: 'candidates', from, to } satisfies Request);
          const reply = await answer;
          if (reply.kind !== 'candidates')
            throw new Error(`the trainer answered ${reply.kind} to a candidates request`);
          return reply.slice;
        },
        close,
      };
    },
    async (err: unknown) => {
      await close();
      throw err;
    },
  );
}

function serve(port: MessagePort, data: TrainData, settings: TrainSettings): void {
  const send = (reply: Reply, transfer: ArrayBuffer[] = []) => port.postMessage(reply, transfer);
  const failWith = (err: unknown) => {
    const e = err instanceof Error ? err : new Error(String(err));
    send({ kind: 'error', name: e.name, message: e.message });
  };
  let trainer: Trainer;
  try {
    trainer = new Trainer(data, settings);
  } catch (err) {
    failWith(err);
    return;
  }
  const t = trainer.trained;
  send({ kind: 'trained', trained: t }, [
    t.boughtWith.items.buffer,
    t.boughtWith.scores.buffer,
    t.similar.items.buffer,
    t.similar.scores.buffer,
  ] as ArrayBuffer[]);
  port.on('message', (req: Request) => {
    try {
      const slice = trainer.candidates(req.from, req.to);
      send({ kind: 'candidates', slice }, [slice.items.buffer, slice.scores.buffer, slice.why.buffer] as ArrayBuffer[]);
    } catch (err) {
      failWith(err);
    }
  });
}

// The worker's body.
if (!isMainThread && parentPort && (workerData as { job?: { mark?: string } } | null)?.job?.mark === MARK) {
  const { data, settings } = (workerData as { job: { data: TrainData; settings: TrainSettings } }).job;
  serve(parentPort, data, settings);
}
