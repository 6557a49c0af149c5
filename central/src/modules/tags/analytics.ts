import type { HubContext } from '../../kernel/module-contract.js';
import { NotFoundError } from '@storefleet/shared';
import { dayOf, TagAnalyticsRepository } from './analytics-repository.js';
import { SearchCounter } from './analytics-search-counter.js';
import { dayText, daysAgoText, indexNotReady } from './analytics-wire.js';
import type { TagIndex } from './index/tag-index.js';
import { TagsRepository } from './repository.js';
import { tagView, type TagView } from './service.js';
import type { Tag } from './types.js';

export interface MostUsed {
  readonly tag: TagView;
  /** Products carrying the tag or one of its descendants. */
  readonly products: number;
}
export interface Trending {
  readonly tag: TagView;
  /** Uses (products newly given the tag + searches naming it) in the last 7 UTC days, today included. */
  readonly thisWeek: number;
  /** Uses in the 7 days before those. */
  readonly lastWeek: number;
  /** ratio = thisWeek / lastWeek (null when lastWeek is 0: new this week); percent the same as a signed change. */
  readonly change: { readonly ratio: number | null; readonly difference: number; readonly percent: number | null };
}
export interface Unused {
  readonly tag: TagView;
  /** The last UTC day the tag was given, taken or searched (YYYY-MM-DD), null when never. */
  readonly lastUsedOn: string | null;
  readonly daysSinceLastUse: number | null;
  /** "never", "today", "3 days ago". */
  readonly lastUse: string;
}
export interface CoOccurrence {
  readonly tag: TagView;
  /** Products carrying both (each with descendants). */
  readonly together: number;
  /** together / the asked tag's products, 0–1 (4 decimals). */
  readonly share: number;
}

const byName = (a: { name: string; id: number }, b: { name: string; id: number }) =>
  a.name.localeCompare(b.name, 'en') || a.id - b.id;
const round = (x: number, places: number) => Math.round(x * 10 ** places) / 10 ** places;

/**
 * Tag analytics (issue #20): most used and unused (the index's closures), co-occurrence (bitmap intersections),
 * trending week over week (tag_daily_stats: products given a tag, counted by TagWriter in its transaction, plus
 * searches, counted here in memory and flushed in batches). The index-based figures throw a 503 (AppError
 * 'unavailable' with retryAfterSeconds) while the index is not READY, and first catch it up with Postgres so a
 * figure asked right after a write includes it.
 */
export class TagAnalytics {
  readonly searches: SearchCounter;

  constructor(
    readonly ctx: HubContext,
    readonly index: TagIndex,
  ) {
    this.searches = new SearchCounter(ctx.db, ctx.now, ctx.log);
  }

  /**
   * Counts a search that named these tags, once per caller and UTC day (flushed to tag_daily_stats every few seconds,
   * and at stop).
   */
  searched(tagIds: readonly number[], caller?: string): void {
    this.searches.count(tagIds, caller);
  }

  start(): void {
    this.searches.start();
  }
  async stop(): Promise<void> {
    await this.searches.stop();
  }

  /** The tags on the most products (with descendants), most first, ties by name; tags on none are left out. */
  async mostUsed(limit: number): Promise<MostUsed[]> {
    const tags = await this.#readyTags();
    return tags
      .map((t) => ({ t, products: this.index.closure(t.id).size }))
      .filter((x) => x.products > 0)
      .sort((a, b) => b.products - a.products || byName(a.t, b.t))
      .slice(0, limit)
      .map(({ t, products }) => ({ tag: tagView(t, this.index, true), products }));
  }

  /**
   * Uses in the last 7 UTC days (ending today, by the hub's clock) against the 7 before, per live tag with any use
   * in either; the biggest rise first (difference, then ratio), ties by name. Needs no index (products null in the
   * tags while it is not READY).
   */
  async trending(limit: number): Promise<Trending[]> {
    const repo = new TagAnalyticsRepository(this.ctx.db);
    const uses = await repo.weekUses(dayOf(this.ctx.now()));
    const tags = new Map(
      (await new TagsRepository(this.ctx.db).liveTagsById(uses.map((u) => u.tagId))).map((t) => [t.id, t]),
    );
    const ready = this.index.status().state === 'READY';
    return uses
      .flatMap((u) => {
        const t = tags.get(u.tagId);
        return t ? [{ ...u, t }] : [];
      })
      .map((u) => ({
        ...u,
        difference: u.thisWeek - u.lastWeek,
        ratio: u.lastWeek > 0 ? u.thisWeek / u.lastWeek : null,
      }))
      .sort(
        (a, b) =>
          b.difference - a.difference ||
          (b.ratio ?? Number.POSITIVE_INFINITY) - (a.ratio ?? Number.POSITIVE_INFINITY) ||
          byName(a.t, b.t),
      )
      .slice(0, limit)
      .map((u) => ({
        tag: tagView(u.t, this.index, ready),
        thisWeek: u.thisWeek,
        lastWeek: u.lastWeek,
        change: {
          ratio: u.ratio === null ? null : round(u.ratio, 2),
          difference: u.difference,
          percent: u.ratio === null ? null : Math.round((u.ratio - 1) * 100),
        },
      }));
  }

  /** Live tags no product carries (nor any descendant): longest unused first (never first of all), ties by name. */
  async unused(limit: number): Promise<Unused[]> {
    const tags = (await this.#readyTags()).filter((t) => this.index.closure(t.id).isEmpty);
    const today = dayOf(this.ctx.now());
    const last = await new TagAnalyticsRepository(this.ctx.db).lastActivity(
      tags.map((t) => t.id),
      today,
    );
    const ago = (t: Tag) => (last.has(t.id) ? today - last.get(t.id)! : null);
    return tags
      .sort((a, b) => (ago(b) ?? Number.POSITIVE_INFINITY) - (ago(a) ?? Number.POSITIVE_INFINITY) || byName(a, b))
      .slice(0, limit)
      .map((t) => {
        const days = ago(t);
        return {
          tag: tagView(t, this.index, true),
          lastUsedOn: last.has(t.id) ? dayText(last.get(t.id)!) : null,
          daysSinceLastUse: days,
          lastUse: daysAgoText(days),
        };
      });
  }

  /**
   * The live tags most often on the same products as `tagId` (each tag with its descendants): together =
   * |closure(t) ∧ closure(u)|, share = together / |closure(t)|, most first, ties by name; tags on none of them left
   * out. The tag's own ancestors and descendants are left out unless `family` (an ancestor is on every one of its
   * products, a descendant's products are its own: they co-occur by definition and would crowd out what is news).
   * A tag that is not live: 404.
   */
  async coOccurrence(tagId: number, limit: number, family: boolean): Promise<CoOccurrence[]> {
    const tags = await this.#readyTags();
    const t = tags.find((x) => x.id === tagId);
    if (!t) throw new NotFoundError('tag', String(tagId));
    const mine = this.index.closure(t.id);
    if (mine.isEmpty) return [];
    const related = (u: Tag) => u.path.startsWith(`${t.path}.`) || t.path.startsWith(`${u.path}.`);
    return tags
      .filter((u) => u.id !== t.id && (family || !related(u)))
      .map((u) => ({ u, together: mine.andCardinality(this.index.closure(u.id)) }))
      .filter((x) => x.together > 0)
      .sort((a, b) => b.together - a.together || byName(a.u, b.u))
      .slice(0, limit)
      .map(({ u, together }) => ({
        tag: tagView(u, this.index, true),
        together,
        share: round(together / mine.size, 4),
      }));
  }

  /** The index's live tags, once it is READY and has caught up with Postgres; else a 503 saying how far it is. */
  async #readyTags(): Promise<readonly Tag[]> {
    const status = this.index.status();
    if (status.state !== 'READY') throw indexNotReady(status);
    const version = await new TagsRepository(this.ctx.db).version();
    try {
      await this.index.caughtUp(version);
    } catch (err) {
      const now = this.index.status();
      throw now.state === 'READY' ? err : indexNotReady(now);
    }
    return this.index.tags().filter((t) => !t.deleted);
  }
}
