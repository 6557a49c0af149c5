/**
 * The demo's tags (issue #20), through the hub's API: a CATEGORY tree of two and three levels over the demo catalog's
 * categories (Food › Pantry › Oils & vinegars, Home › Household, Care › Baby…), ATTRIBUTE tags read from the product
 * names (organic, gluten-free, sugar-free, whole grain), a PROMOTION (weekly deals: every 25th product) and a SEASONAL
 * tag (autumn harvest: pumpkin, apple, cinnamon…). Tags are found by slug on a restart and made only when missing;
 * products are tagged only with the tags made now, so a restart never undoes what a merchandiser changed in the
 * console. Nothing here stops the demo: a refusal is said in the banner.
 */
import type { CatalogRow } from './demo-seed.js';
import { attempts } from './demo-attempt.js';

type Api = <T = unknown>(method: string, path: string, body?: unknown) => Promise<T>;
type Kind = 'CATEGORY' | 'ATTRIBUTE' | 'PROMOTION' | 'SEASONAL';

interface Tag {
  readonly id: number;
  readonly slug: string;
  readonly name: string;
  readonly kind: Kind;
  readonly parentId: number | null;
  readonly products: number | null;
}

/** One tag of the demo: its parent by slug, and which products carry it (none: only its children's). */
export interface DemoTag {
  readonly slug: string;
  readonly name: string;
  readonly kind: Kind;
  readonly parent: string | null;
  /** The demo catalog's categories filed here (a CATEGORY tag). */
  readonly categories?: readonly string[];
  /** Product names matching this (under a category: only that category's products). */
  readonly names?: RegExp;
  /** Products picked by their place in the catalog (the promotion). */
  readonly every?: number;
}

const cat = (slug: string, name: string, parent: string | null, categories: string[] = []): DemoTag => ({
  slug,
  name,
  kind: 'CATEGORY',
  parent,
  categories,
});
const sub = (slug: string, name: string, parent: string, names: RegExp): DemoTag => ({
  slug,
  name,
  kind: 'CATEGORY',
  parent,
  names,
});

/** Parents before children (the hub needs a parent's id to make a child). */
export const DEMO_TAGS: readonly DemoTag[] = [
  cat('food', 'Food', null),
  cat('pantry', 'Pantry', 'food', ['Pantry']),
  sub('oils-vinegars', 'Oils & vinegars', 'pantry', /\b(oil|vinegar)s?\b/i),
  sub(
    'pasta-rice',
    'Pasta, rice & grains',
    'pantry',
    /\b(pasta|spaghetti|penne|rice|noodles?|quinoa|couscous|oats?)\b/i,
  ),
  sub('sauces-spreads', 'Sauces & spreads', 'pantry', /\b(sauce|salsa|ketchup|mustard|mayo\w*|jam|peanut butter)\b/i),
  cat('produce', 'Produce', 'food', ['Produce']),
  sub('dried-fruit-nuts', 'Dried fruit & nuts', 'produce', /\b(raisins?|dried|almonds?|cashews?|nuts?|pecans?)\b/i),
  cat('dairy', 'Dairy', 'food', ['Dairy']),
  sub('cheese', 'Cheese', 'dairy', /\bcheeses?\b|cheddar|brie|gouda|mozzarella|parmesan/i),
  cat('meat-deli', 'Meat & deli', 'food', ['Meat & Deli']),
  cat('bakery', 'Bakery', 'food', ['Bakery']),
  cat('frozen', 'Frozen', 'food', ['Frozen']),
  cat('snacks', 'Snacks', 'food', ['Snacks']),
  sub('chocolate', 'Chocolate', 'snacks', /chocolate|cocoa|cacao/i),
  sub('crisps-crackers', 'Crisps & crackers', 'snacks', /\b(chips|crisps|crackers?|pretzels?|popcorn)\b/i),
  cat('beverages', 'Beverages', 'food', ['Beverages']),
  sub('coffee-tea', 'Coffee & tea', 'beverages', /\b(coffee|espresso|tea|chai)\b/i),
  cat('home', 'Home', null),
  cat('household', 'Household', 'home', ['Household']),
  cat('kitchen', 'Kitchen', 'home', ['Home & Kitchen']),
  cat('stationery', 'Stationery', 'home', ['Stationery']),
  cat('general-merchandise', 'General merchandise', 'home', ['General Merchandise']),
  cat('care', 'Care', null),
  cat('health-beauty', 'Health & beauty', 'care', ['Health & Beauty']),
  cat('baby', 'Baby', 'care', ['Baby']),
  cat('pet', 'Pet', 'care', ['Pet']),
  { slug: 'organic', name: 'Organic', kind: 'ATTRIBUTE', parent: null, names: /\borganic\b/i },
  { slug: 'gluten-free', name: 'Gluten-free', kind: 'ATTRIBUTE', parent: null, names: /gluten[- ]free/i },
  { slug: 'sugar-free', name: 'Sugar-free', kind: 'ATTRIBUTE', parent: null, names: /sugar[- ]free|no sugar/i },
  { slug: 'whole-grain', name: 'Whole grain', kind: 'ATTRIBUTE', parent: null, names: /whole[- ]?(grain|wheat)/i },
  { slug: 'weekly-deals', name: 'Weekly deals', kind: 'PROMOTION', parent: null, every: 25 },
  {
    slug: 'autumn-harvest',
    name: 'Autumn harvest',
    kind: 'SEASONAL',
    parent: null,
    names: /pumpkin|\bapples?\b|cinnamon|squash|cranberr|maple|pecan/i,
  },
];

/**
 * Which demo tags each product gets (by slug): its category's deepest match (a sub-category whose names match, else
 * the category), then every attribute, the promotion and the season that fit. Pure, so the test can check the rules.
 */
export function demoTagsOf(catalog: readonly CatalogRow[]): Map<string, string[]> {
  const byCategory = new Map<string, DemoTag>();
  for (const t of DEMO_TAGS) for (const c of t.categories ?? []) byCategory.set(c, t);
  const subs = DEMO_TAGS.filter((t) => t.kind === 'CATEGORY' && t.names);
  const others = DEMO_TAGS.filter((t) => t.kind !== 'CATEGORY');
  const given = new Map<string, string[]>();
  catalog.forEach((p, i) => {
    const tags: string[] = [];
    const category = byCategory.get(p.category);
    if (category) {
      const deeper = subs.find((s) => s.parent === category.slug && s.names!.test(p.name));
      tags.push((deeper ?? category).slug);
    }
    for (const t of others) if (t.names?.test(p.name) || (t.every && i % t.every === 0)) tags.push(t.slug);
    if (tags.length) given.set(p.sku, tags);
  });
  return given;
}

export interface DemoTags {
  /** What the banner says: "36 tags (36 made now) on 1,990 products". */
  readonly summary: string;
}

const readable = (n: number) => n.toLocaleString('en-US');

/** Makes the demo's tags (once, found by slug) and tags the catalog's products with the ones made now. */
export async function seedDemoTags(o: {
  api: Api;
  catalog: readonly CatalogRow[];
  say: (line: string) => void;
}): Promise<DemoTags> {
  const { api } = o;
  const { attempt, refused } = attempts();
  o.say('adding the demo tags…');
  const known = new Map((await api<{ tags: Tag[] }>('GET', '/api/tags')).tags.map((t) => [t.slug, t]));
  const made = new Set<string>();
  for (const t of DEMO_TAGS) {
    if (known.has(t.slug)) continue;
    const parentId = t.parent === null ? null : known.get(t.parent)?.id;
    if (parentId === undefined) continue; // its parent was refused: said already
    const tag = await attempt(`tag ${t.slug}`, () =>
      api<Tag>('POST', '/api/tags', { slug: t.slug, name: t.name, kind: t.kind, parentId }),
    );
    if (!tag) continue;
    known.set(t.slug, tag);
    made.add(t.slug);
  }

  // Products, per tag made now: ADD in batches of 1,000 skus (the API's bound), so a restart adds nothing again.
  const given = demoTagsOf(o.catalog);
  const skusOf = new Map<string, string[]>();
  for (const [sku, slugs] of given)
    for (const slug of slugs) if (made.has(slug)) skusOf.set(slug, [...(skusOf.get(slug) ?? []), sku]);
  let tagged = 0;
  for (const [slug, skus] of skusOf) {
    const tagId = known.get(slug)!.id;
    for (let i = 0; i < skus.length; i += 1000) {
      const batch = skus.slice(i, i + 1000);
      const r = await attempt(`products of ${slug}`, () =>
        api<{ unknownSkus?: string[] }>('POST', '/api/tags/products', { action: 'ADD', tagIds: [tagId], skus: batch }),
      );
      if (r) tagged += batch.length - (r.unknownSkus?.length ?? 0);
    }
  }
  if (tagged) o.say(`tags: ${readable(tagged)} product tags given`);

  const ours = DEMO_TAGS.filter((t) => known.has(t.slug)).length;
  const products = new Set([...given].filter(([, slugs]) => slugs.some((s) => known.has(s))).map(([sku]) => sku));
  return {
    summary: `${ours} tags (${made.size} made now) on ${readable(products.size)} products${
      refused.length ? `; refused: ${refused.slice(0, 3).join('; ')}${refused.length > 3 ? '; …' : ''}` : ''
    }`,
  };
}
