/**
 * The demo's recommendations (issue #21): a month of shopping history, so the kiosk's "bought with" shelf, the web
 * lists and the console's Recommendations page have something to show after `npm start`. The demo shoppers and 240
 * past shoppers (loyalty members from before this hub: ids only) bought baskets built around a few shopping missions
 * (pasta night: pasta, a sauce, parmesan; breakfast: cereal, milk, fruit; game night: chips, salsa, soda …) at their
 * home store, viewing and adding to the cart first; then one training run is asked for and waited on. The history is
 * recorded through the module's one write path (what the RECS_INTERACTIONS port records for orders, carts and lane
 * sales), each basket under a fixed reference, so a second start records nothing twice and trains only when no model
 * is active. Nothing here stops the demo: a refusal is said in the banner.
 */
import type { Hub } from '../hub.js';
import type { Interaction } from '../kernel/ports/recommendations.js';
import { seededRandom } from '../modules/delivery/carriers/seeded-random.js';
import { InteractionsRepository, MAX_INTERACTIONS_A_CALL } from '../modules/recommendations/interactions-repository.js';
import type { CatalogRow } from './demo-seed.js';

type Api = <T = unknown>(method: string, path: string, body?: unknown) => Promise<T>;

/** A shopping mission: each group is one product a basket of it takes (by name), in this order. */
export interface DemoMission {
  readonly name: string;
  readonly groups: readonly RegExp[];
}

export const DEMO_MISSIONS: readonly DemoMission[] = [
  {
    name: 'pasta night',
    groups: [
      /\b(pasta|spaghetti|penne|linguine|fusilli|rigatoni|orzo)\b/i,
      /\b(sauce|marinara|pesto)\b/i,
      /parmesan|mozzarella|romano/i,
    ],
  },
  {
    name: 'breakfast',
    groups: [/\b(cereal|granola|oats|oatmeal|muesli)\b/i, /\bmilk\b/i, /\b(bananas?|berries|blueberr\w*)\b/i],
  },
  {
    name: 'coffee break',
    groups: [/\bcoffee\b/i, /\b(milk|creamer|half & half)\b/i, /\b(cookies?|biscotti|biscuits?)\b/i],
  },
  {
    name: 'game night',
    groups: [
      /\b(chips|crisps|tortilla chips|pretzels?|popcorn)\b/i,
      /\b(salsa|dip|guacamole|hummus)\b/i,
      /\b(soda|cola|sparkling|lemonade)\b/i,
    ],
  },
  {
    name: 'sandwiches',
    groups: [
      /\b(bread|bagels?|rolls?|buns?)\b/i,
      /\b(butter|peanut butter|jam|preserves)\b/i,
      /\b(cheddar|swiss|turkey|ham)\b/i,
    ],
  },
  { name: 'chicken dinner', groups: [/\bchicken\b/i, /\brice\b/i, /\b(soy|teriyaki|curry|stir fry)\b/i] },
  { name: 'tacos', groups: [/\btortillas?\b/i, /\bbeans?\b/i, /\bsalsa\b/i, /\bcheese\b/i] },
  { name: 'tea time', groups: [/\btea\b/i, /\bhoney\b/i, /\b(shortbread|cookies?|scones?)\b/i] },
];

/** Past shoppers beside the demo's own (ids only: loyalty members from before this hub). */
export const PAST_SHOPPERS = 240;

/**
 * The month of history, deterministic: per shopper two favourite missions, 3–9 baskets (each one product of each of
 * the mission's groups, a few products of a group selling far more than the rest, and now and then one extra from the
 * shopper's favourite category) at their home store, each product viewed on the web first and most added to the cart.
 */
export function demoShoppingHistory(
  catalog: readonly CatalogRow[],
  customers: readonly string[],
  storeIds: readonly string[],
  now: number,
): Interaction[] {
  const random = seededRandom('demo recommendations');
  const missions = DEMO_MISSIONS.map((m) => ({
    name: m.name,
    groups: m.groups.map((g) => catalog.filter((p) => g.test(p.name))).filter((g) => g.length > 0),
  })).filter((m) => m.groups.length >= 2);
  if (!missions.length) return [];
  // a skewed pick: the first few of a list (in catalog order) sell far more than the rest
  const skewed = <T>(list: readonly T[]) => list[Math.min(list.length - 1, Math.floor(list.length * random() ** 3))]!;
  const byCategory = new Map<string, CatalogRow[]>();
  for (const p of catalog) byCategory.set(p.category, [...(byCategory.get(p.category) ?? []), p]);
  const shoppers = [...customers, ...Array.from({ length: PAST_SHOPPERS }, (_, i) => `demo-past-shopper-${i + 1}`)];
  const out: Interaction[] = [];
  shoppers.forEach((customerId, s) => {
    const favourites = [missions[s % missions.length]!, missions[(s * 3 + 1) % missions.length]!];
    const storeId = storeIds.length ? storeIds[s % storeIds.length]! : null;
    const baskets = 3 + Math.floor(random() * 7);
    for (let b = 0; b < baskets; b++) {
      const mission = favourites[random() < 0.7 ? 0 : 1]!;
      const basket = new Set(mission.groups.map((g) => skewed(g).sku));
      if (random() < 0.4) {
        const first = catalog.find((p) => p.sku === [...basket][0]);
        const same = first ? byCategory.get(first.category) : undefined;
        if (same) basket.add(skewed(same).sku);
      }
      const at = now - Math.floor((1 + random() * 27) * 86_400_000);
      const sourceRef = `demo-basket-${s + 1}-${b + 1}`;
      for (const sku of basket) {
        out.push({ customerId, sku, kind: 'VIEW', storeId, source: 'web', sourceRef, at: at - 600_000 });
        if (random() < 0.7)
          out.push({ customerId, sku, kind: 'CART_ADD', storeId, source: 'cart', sourceRef, at: at - 300_000 });
        out.push({ customerId, sku, kind: 'PURCHASE', storeId, source: 'pos', sourceRef, at });
      }
    }
  });
  return out;
}

export interface DemoRecommendations {
  /** What the banner says: "model 1 from 14,210 interactions of 248 shoppers; try …". */
  readonly summary: string;
}

interface Run {
  readonly version: number;
  readonly state: string;
  readonly error: string | null;
}

const readable = (n: number) => n.toLocaleString('en-US');

/** Records the history (once) and trains a model when none is active, waiting for it up to `waitMs` (default 120 s). */
export async function seedDemoRecommendations(o: {
  hub: Hub;
  api: Api;
  stores: readonly { storeId: string }[];
  customers: readonly string[];
  catalog: readonly CatalogRow[];
  say: (line: string) => void;
  waitMs?: number;
}): Promise<DemoRecommendations> {
  o.say('recording the demo’s shopping history for recommendations…');
  const history = demoShoppingHistory(
    o.catalog,
    o.customers,
    o.stores.map((s) => s.storeId),
    Date.now(),
  );
  const repo = new InteractionsRepository(o.hub.db);
  for (let i = 0; i < history.length; i += MAX_INTERACTIONS_A_CALL)
    await repo.record(history.slice(i, i + MAX_INTERACTIONS_A_CALL));

  const runs = async () => (await o.api<{ runs: Run[] }>('GET', '/api/recommendations/models')).runs;
  let active = (await runs()).find((r) => r.state === 'ACTIVE');
  if (!active) {
    o.say('training the first recommendations model…');
    await o.api('POST', '/api/recommendations/models/train', {});
    const deadline = Date.now() + (o.waitMs ?? 120_000);
    while (!active && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      // a look that failed (a kept-alive connection the hub closed while a training step held it busy) is asked again
      const now = await runs().catch(() => []);
      active = now.find((r) => r.state === 'ACTIVE');
      const failed = now.find((r) => r.state === 'FAILED');
      if (!active && failed) return { summary: `the model did not train: ${failed.error ?? 'no reason given'}` };
    }
    if (!active)
      return { summary: 'the first model is still training (the lists use live popularity until it is ready)' };
  }
  const shoppers = new Set(history.map((h) => h.customerId)).size;
  return {
    summary: `model ${active.version} from ${readable(history.length)} interactions of ${readable(shoppers)} shoppers (pasta, breakfast, game night… baskets); each kiosk's product page shows "bought with", offline too`,
  };
}
