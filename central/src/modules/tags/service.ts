import {
  ConflictError,
  isTagQueryOperatorWord,
  NotFoundError,
  TAG_SLUG_RULE,
  UnprocessableError,
} from '@storefleet/shared';
import type { HubContext } from '../../kernel/module-contract.js';
import { CATALOG_PRODUCTS } from '../../kernel/ports/catalog.js';
import type { TagIndex } from './index/tag-index.js';
import { TagsRepository } from './repository.js';
import { searchTags, type SearchInput } from './tag-search.js';
import type { Tag, TagChange, TagIndexStatus, TagInput, TagPatch, TagSearchPage } from './types.js';
import type { TagWriter } from './writer.js';

/** The deepest a tag may sit (a root is depth 1). */
export const MAX_TAG_DEPTH = 16;

/** A tag as the API shows it: with its product counts from the index (null while the index is not READY). */
export type TagView = Omit<Tag, 'deleted'> & { readonly products: number | null; readonly ownProducts: number | null };

/** `t` as the API shows it (the tree's answers and the analytics' alike); counts only when the index is `ready`. */
export function tagView(t: Tag, index: TagIndex, ready: boolean): TagView {
  const { deleted: _d, ...rest } = t;
  return {
    ...rest,
    products: ready ? index.closure(t.id).size : null,
    ownProducts: ready ? index.own(t.id).size : null,
  };
}

/**
 * The tags' rules (lane A): the tree (create, rename, move a subtree, delete an unused leaf), tagging products by
 * sku (through TagWriter), and search (parse → check every slug/path exists, answering a 422 with the position of
 * the first unknown one → index.caughtUp → match → page by product number → skus and names → facet counts).
 *
 * Every tree write runs in one transaction under the tags write lock at one new version, set on each tag row it
 * changes, and tells the replicas at commit (repo.notify).
 */
export class TagsService {
  /** Called after a search's first page with the ids of the tags it named and who asked (analytics counts them). */
  onSearched: (tagIds: readonly number[], caller: string | undefined) => void = () => {};

  constructor(
    readonly ctx: HubContext,
    readonly index: TagIndex,
    readonly writer: TagWriter,
  ) {}

  get #repo(): TagsRepository {
    return new TagsRepository(this.ctx.db);
  }

  /** The live tree ordered by path, the newest version, and the index's state. */
  async list(): Promise<{ tags: TagView[]; version: number; index: { state: string; version: number } }> {
    const repo = this.#repo;
    // the version first: the tags read after it are at least as new, so a caller holding `version` never misses one
    // (read the other way round, a write committing between the two reads had a version newer than the tags shown)
    const version = await repo.version();
    const tags = await repo.liveTags();
    const s = this.index.status();
    return { tags: tags.map((t) => this.view(t)), version, index: { state: s.state, version: s.version } };
  }

  /** A live tag with its children; 404 for an unknown or deleted one. */
  async get(id: number): Promise<TagView & { children: TagView[] }> {
    const t = await this.#repo.tag(id);
    if (!t || t.deleted) throw new NotFoundError('tag', String(id));
    const all = await this.#repo.liveTags();
    return { ...this.view(t), children: all.filter((c) => c.parentId === id).map((c) => this.view(c)) };
  }

  async create(input: TagInput): Promise<TagView> {
    checkSlug(input.slug);
    checkName(input.name);
    const tag = await this.ctx.db.transaction(async (tx) => {
      const repo = new TagsRepository(tx);
      await repo.lockForWrite();
      let path = input.slug;
      let depth = 1;
      if (input.parentId !== null) {
        const parent = await repo.tag(input.parentId);
        if (!parent || parent.deleted)
          throw new UnprocessableError(`there is no tag ${input.parentId} to put "${input.slug}" under`);
        if (parent.depth + 1 > MAX_TAG_DEPTH)
          throw new UnprocessableError(
            `"${input.slug}" would sit ${parent.depth + 1} levels deep under ${parent.path}; tags go ${MAX_TAG_DEPTH} levels deep at most`,
          );
        path = `${parent.path}.${input.slug}`;
        depth = parent.depth + 1;
      }
      await this.#slugFree(repo, input.slug, null);
      const version = await repo.takeVersion();
      const created = await repo.insertTag({ ...input, path, depth }, version, this.ctx.now());
      await repo.notify(version);
      return created;
    });
    return this.view(tag);
  }

  /** Renames and/or moves a tag with its subtree (the paths rewritten in one statement). */
  async update(id: number, patch: TagPatch): Promise<TagView> {
    if (patch.slug !== undefined) checkSlug(patch.slug);
    if (patch.name !== undefined) checkName(patch.name);
    const tag = await this.ctx.db.transaction(async (tx) => {
      const repo = new TagsRepository(tx);
      await repo.lockForWrite();
      const t = await repo.tag(id);
      if (!t || t.deleted) throw new NotFoundError('tag', String(id));
      const slug = patch.slug ?? t.slug;
      const parentId = patch.parentId === undefined ? t.parentId : patch.parentId;
      let parentPath: string | null = null;
      let parentDepth = 0;
      if (parentId !== null) {
        const parent = await repo.tag(parentId);
        if (!parent || parent.deleted)
          throw new UnprocessableError(`there is no tag ${parentId} to move ${t.path} under`);
        if (parent.id === t.id || parent.path.startsWith(`${t.path}.`))
          throw new UnprocessableError(`${t.path} cannot move under itself or its descendant ${parent.path}`);
        parentPath = parent.path;
        parentDepth = parent.depth;
      }
      const newPath = parentPath === null ? slug : `${parentPath}.${slug}`;
      const height = await repo.subtreeHeight(t.path);
      if (parentDepth + 1 + height > MAX_TAG_DEPTH)
        throw new UnprocessableError(
          `moving ${t.path} to ${newPath} would put its deepest tag ${parentDepth + 1 + height} levels deep; tags go ${MAX_TAG_DEPTH} levels deep at most`,
        );
      if (slug !== t.slug) await this.#slugFree(repo, slug, t.id);
      const next = { slug, name: patch.name ?? t.name, kind: patch.kind ?? t.kind, parentId };
      if (next.slug === t.slug && next.name === t.name && next.kind === t.kind && next.parentId === t.parentId)
        return t;
      const version = await repo.takeVersion();
      const now = this.ctx.now();
      await repo.updateTag(id, next, version, now);
      if (newPath !== t.path) await repo.rewriteSubtree(t.path, newPath, version, now);
      await repo.notify(version);
      return (await repo.tag(id))!;
    });
    return this.view(tag);
  }

  /** Deletes an unused tag (a tombstone); 409 while it has children or products. */
  async remove(id: number): Promise<void> {
    await this.ctx.db.transaction(async (tx) => {
      const repo = new TagsRepository(tx);
      await repo.lockForWrite();
      const t = await repo.tag(id);
      if (!t || t.deleted) throw new NotFoundError('tag', String(id));
      const { children, products } = await repo.usage(id);
      if (children > 0 || products > 0) {
        const parts = [
          children > 0 ? `${children} child tag${children === 1 ? '' : 's'}` : '',
          products > 0 ? `${products.toLocaleString('en')} product${products === 1 ? '' : 's'}` : '',
        ].filter(Boolean);
        throw new ConflictError(
          `${t.path} still has ${parts.join(' and ')}: move or delete the children first, and clear its products with a bulk REMOVE job`,
          { children, products },
        );
      }
      const version = await repo.takeVersion();
      await repo.tombstone(id, version, this.ctx.now());
      await repo.notify(version);
    });
  }

  /** A product's given tags and the ancestors they imply. */
  async productTags(sku: string): Promise<{ sku: string; tags: TagView[]; implied: TagView[] }> {
    const repo = this.#repo;
    const row = await repo.productBySku(sku);
    const given = await repo.liveTagsById(row?.tagIds ?? []);
    const all = new Map((await repo.liveTags()).map((t) => [t.id, t]));
    const givenIds = new Set(given.map((t) => t.id));
    const implied = new Map<number, Tag>();
    for (const t of given) {
      let p = t.parentId === null ? undefined : all.get(t.parentId);
      while (p) {
        if (!givenIds.has(p.id)) implied.set(p.id, p);
        p = p.parentId === null ? undefined : all.get(p.parentId);
      }
    }
    const byPath = (a: Tag, b: Tag) => (a.path < b.path ? -1 : 1);
    return {
      sku,
      tags: given.map((t) => this.view(t)),
      implied: [...implied.values()].sort(byPath).map((t) => this.view(t)),
    };
  }

  /** Replaces one product's tags; 422 for a sku the catalog lacks or an unknown tag. */
  async replaceProductTags(
    sku: string,
    tagIds: readonly number[],
  ): Promise<{ sku: string; tags: TagView[]; version: number }> {
    const r = await this.ctx.db.transaction((tx) => this.writer.write(tx, [sku], { action: 'REPLACE', tagIds }));
    if (r.unknownSkus.length) throw new UnprocessableError(`the catalog has no product ${sku}`, { sku });
    if (r.tooManyTags.length) throw new UnprocessableError(`${sku} would carry more than 500 tags`, { sku });
    const { tags } = await this.productTags(sku);
    return { sku, tags, version: r.version || (await this.#repo.version()) };
  }

  /** Changes the tags of up to 1,000 products at one version. */
  async changeProducts(
    skus: readonly string[],
    change: TagChange,
  ): Promise<{ version: number; changed: number; unknownSkus: readonly string[]; tooManyTags: readonly string[] }> {
    const r = await this.ctx.db.transaction((tx) => this.writer.write(tx, skus, change));
    return { version: r.version, changed: r.changed.length, unknownSkus: r.unknownSkus, tooManyTags: r.tooManyTags };
  }

  /** One page of a tag query's results (see tag-search.ts). */
  search(input: SearchInput): Promise<TagSearchPage> {
    return searchTags(
      {
        index: this.index,
        repo: this.#repo,
        names: async (skus) => {
          const m = await this.ctx.services.get(CATALOG_PRODUCTS).many(skus);
          return new Map([...m].map(([k, p]) => [k, p.name]));
        },
        onSearched: (ids, caller) => this.onSearched(ids, caller),
      },
      input,
    );
  }

  indexStatus(): TagIndexStatus {
    return this.index.status();
  }

  /** Starts a rebuild beside the current index (search answers from the old one until the new is ready). */
  rebuildIndex(): void {
    this.index.rebuild().catch((err: unknown) => this.ctx.log.error({ err }, 'tags index rebuild failed'));
  }

  /** The wire view: counts from the index when READY. */
  view(t: Tag): TagView {
    return tagView(t, this.index, this.index.ready());
  }

  async #slugFree(repo: TagsRepository, slug: string, self: number | null): Promise<void> {
    const other = await repo.liveTagBySlug(slug);
    if (other && other.id !== self)
      throw new ConflictError(`the slug "${slug}" is taken by the tag ${other.path} (id ${other.id})`, {
        tagId: other.id,
      });
  }
}

/** Slugs: TAG_SLUG_RULE and not an operator word (a tag named `or` could not be searched as a bare word). */
function checkSlug(slug: string): void {
  if (!TAG_SLUG_RULE.test(slug))
    throw new UnprocessableError(
      `"${slug}" is not a slug: use 1–64 lowercase letters, digits, - and _, starting with a letter or a digit`,
    );
  if (isTagQueryOperatorWord(slug))
    throw new UnprocessableError(`"${slug}" is a word of the query language (and, or, not); choose another slug`);
}

/**
 * A name shows on kiosk chips and the console: no control characters, no invisible format characters (U+202E
 * right-to-left override turns what follows around; zero-width ones hide), private-use ones or lone surrogates.
 */
function checkName(name: string): void {
  const bad = /[\p{Cc}\p{Cf}\p{Co}\p{Cs}]/u.exec(name);
  if (!bad) return;
  const ch = bad[0];
  const code = `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
  const what = /\p{Cc}/u.test(ch)
    ? 'a control character'
    : /\p{Cf}/u.test(ch)
      ? 'an invisible format character'
      : /\p{Co}/u.test(ch)
        ? 'a private-use character'
        : 'a lone surrogate';
  throw new UnprocessableError(
    `a tag's name cannot hold ${what} (${code}, at character ${bad.index + 1}): type the name as it should read`,
    { character: code, position: bad.index },
  );
}
