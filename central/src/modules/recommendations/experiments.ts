import { AppError, ConflictError, NotFoundError, UnprocessableError } from '@storefleet/shared';
import { CallBatcher } from '../../kernel/call-batcher.js';
import type { HubContext } from '../../kernel/module-contract.js';
import { ExperimentsRepository, type Impression } from './experiments-repository.js';
import { chanceBest, ctrInterval, thompsonPick, type Uniform } from './experiments-stats.js';
import type { SurfaceWeights, Variant, VariantWeights } from './types.js';

/** How old this hub's copy of the running variants' counters may get before it reads them again (hubs share them). */
export const VARIANTS_REFRESH_MS = 3_000;
/** Impressions written in one statement at most; under load many requests share one write. */
const IMPRESSION_BATCH = 500;
/** Past this many impressions waiting for their write, a request waits for its own (back-pressure, memory bounded). */
const IMPRESSION_BACKLOG = 5_000;

const surfaces = (home: SurfaceWeights, product: SurfaceWeights, cart: SurfaceWeights, kiosk: SurfaceWeights) => ({
  home,
  product,
  cart,
  kiosk,
});

/** The two variants a hub starts with when it has none: the same sources, the session pulling weakly or strongly. */
export const DEFAULT_VARIANTS: readonly { name: string; description: string; weights: VariantWeights }[] = [
  {
    name: 'control',
    description: 'Personal candidates and bought-together first; the session re-ranks gently.',
    weights: surfaces(
      { personal: 1, boughtWith: 0.3, similar: 0.1, popular: 0.4, session: 0.3 },
      { personal: 0.3, boughtWith: 1, similar: 0.5, popular: 0.2, session: 0.3 },
      { personal: 0.4, boughtWith: 1, similar: 0.2, popular: 0.2, session: 0.3 },
      { personal: 0.3, boughtWith: 0.8, similar: 0.4, popular: 0.6, session: 0.3 },
    ),
  },
  {
    name: 'session-boost',
    description: 'The same sources; what the session just looked at pulls its neighbours up strongly.',
    weights: surfaces(
      { personal: 0.8, boughtWith: 0.3, similar: 0.1, popular: 0.3, session: 1 },
      { personal: 0.3, boughtWith: 1, similar: 0.5, popular: 0.2, session: 1 },
      { personal: 0.3, boughtWith: 1, similar: 0.2, popular: 0.2, session: 1 },
      { personal: 0.2, boughtWith: 0.8, similar: 0.4, popular: 0.5, session: 1 },
    ),
  },
];

/** A variant as the console lists it: its counters with the observed CTR, its 95 % credible interval, its chance best. */
export interface VariantReport extends Variant {
  readonly ctr: number;
  readonly ctrLow: number;
  readonly ctrHigh: number;
  readonly chanceBest: number;
}

/**
 * The A/B test: variants (per-surface weights), one chosen per request by Thompson sampling over the RUNNING ones,
 * each list served recorded as an impression, its first click counted.
 *
 * Several hubs share the counters in the database; each hub keeps a copy of the running variants and reads them again
 * when it is older than VARIANTS_REFRESH_MS (in the background: a request never waits for it once a copy exists).
 * Impressions are written off the request path by a group commit (one statement for many requests); a click on an
 * impression still being written waits for that write, and `stop` waits for every write, so none is lost at stop.
 */
export class RecsExperiments {
  readonly #repo: ExperimentsRepository;
  #running: { readAt: number; variants: Variant[] } | null = null;
  #refreshing: Promise<Variant[]> | null = null;
  readonly #writes: CallBatcher<Impression, undefined>;
  /** Impressions handed to the batcher and not yet written, by id. */
  readonly #pending = new Map<string, Promise<void>>();

  constructor(
    readonly ctx: HubContext,
    readonly random: Uniform = Math.random,
  ) {
    this.#repo = new ExperimentsRepository(ctx.db);
    this.#writes = new CallBatcher<Impression, undefined>(
      async (list) => {
        await this.#repo.recordImpressions(this.ctx.db, list);
        return list.map(() => undefined);
      },
      { concurrency: 1, maxBatch: IMPRESSION_BATCH },
    );
  }

  /** At module start: the default variants when there are none, and a first copy of the running ones. */
  async start(): Promise<void> {
    await this.#repo.seedIfEmpty(DEFAULT_VARIANTS, this.ctx.now());
    await this.#refresh();
  }

  /** Waits for every impression handed over (and a refresh under way), so nothing is lost or left running. */
  async stop(): Promise<void> {
    await Promise.allSettled([...this.#pending.values(), this.#refreshing]);
  }

  async list(): Promise<Variant[]> {
    return this.#repo.list();
  }

  /** Every variant with its CTR, credible interval and chance of being the best (`GET …/variants`). */
  async report(): Promise<VariantReport[]> {
    const variants = await this.#repo.list();
    const chances = chanceBest(variants);
    return variants.map((v, i) => {
      const { ctr, low, high } = ctrInterval(v);
      return { ...v, ctr, ctrLow: low, ctrHigh: high, chanceBest: chances[i]! };
    });
  }

  /** The variant for one request: a draw from each running variant's posterior, the highest wins. */
  async choose(): Promise<Variant> {
    const running = await this.#runningVariants();
    const i = thompsonPick(running, this.random);
    if (i < 0) throw new AppError('unavailable', 'no recommendations variant is running; start one');
    return running[i]!;
  }

  /**
   * Hands a served list to the impression writer. Resolves at once, unless the backlog is long, then once written
   * (a failed write is logged: the list was served, only its count is lost).
   */
  async recordImpression(impression: Impression): Promise<void> {
    const written = this.#writes
      .call(impression)
      .then(
        () => undefined,
        (err: unknown) =>
          this.ctx.log.warn({ err, impressionId: impression.id }, 'recommendations: an impression was not recorded'),
      )
      .finally(() => this.#pending.delete(impression.id));
    this.#pending.set(impression.id, written);
    if (this.#pending.size > IMPRESSION_BACKLOG) await written;
  }

  /** A click on `sku` of a list served: true when counted (the impression's first click). */
  async click(impressionId: string, sku: string, caller: string): Promise<boolean> {
    await this.#pending.get(impressionId);
    const outcome = await this.#repo.click(impressionId, sku, this.ctx.now(), caller);
    if (outcome === 'unknown-impression') throw new NotFoundError('impression', impressionId);
    if (outcome === 'not-shown') throw new UnprocessableError(`${sku} was not in impression ${impressionId}`);
    return outcome === 'counted';
  }

  async create(input: { name: string; description: string; weights: VariantWeights }): Promise<Variant> {
    const v = await this.#repo.create(input, this.ctx.now());
    if (!v) throw new ConflictError(`a variant named ${input.name} exists`, { name: input.name });
    await this.#reread();
    return v;
  }

  /** Stops serving a variant; refused (409) when it is the last one running. */
  async stopVariant(name: string, by: string | null): Promise<Variant> {
    const v = await this.#repo.setState(name, 'STOPPED', by, this.ctx.now());
    if (v === 'missing') throw new NotFoundError('variant', name);
    if (v === 'last') throw new ConflictError(`${name} is the last variant running: start another first`, { name });
    await this.#reread();
    return v;
  }

  async startVariant(name: string): Promise<Variant> {
    const v = await this.#repo.setState(name, 'RUNNING', null, this.ctx.now());
    if (v === 'missing' || v === 'last') throw new NotFoundError('variant', name);
    await this.#reread();
    return v;
  }

  async #runningVariants(): Promise<Variant[]> {
    const copy = this.#running;
    if (!copy) return this.#refresh();
    if (performance.now() - copy.readAt > VARIANTS_REFRESH_MS && !this.#refreshing)
      this.#refresh().catch((err: unknown) =>
        this.ctx.log.warn({ err }, 'recommendations: variants not re-read; serving the copy held'),
      );
    return copy.variants;
  }

  /** Reads the running variants after a change of this hub's: a read already under way may have started before it. */
  async #reread(): Promise<void> {
    await this.#refreshing?.catch(() => {});
    await this.#refresh();
  }

  /** Reads the running variants again (one read at a time; callers during a read share it). */
  #refresh(): Promise<Variant[]> {
    if (this.#refreshing) return this.#refreshing;
    const run = this.#repo
      .running()
      .then((variants) => {
        this.#running = { readAt: performance.now(), variants };
        return variants;
      })
      .finally(() => {
        this.#refreshing = null;
      });
    this.#refreshing = run;
    return run;
  }
}
