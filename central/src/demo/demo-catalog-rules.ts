/**
 * How the demo catalog's builder (build-demo-catalog.ts) files a product of the Datakick list: its category, its
 * price range, its tax class, and whether its name is usable at all. Pure, so a test can check the rules on the
 * examples that went wrong (wool wash under Beverages, ketchup under Produce, corn chips under Dairy).
 */
/**
 * First match wins, so the specific comes before the general ("olive oil" is oil, not an olive; "peanut butter" is a
 * spread, not butter; "ice cream" is frozen). Ranges are shelf prices in cents for what that kind of product costs in
 * a US grocery or drugstore (a box of tea $2–5.50, a kettle $25–60): a range per rule, not per category, so tea and
 * coffee in Beverages do not share one. Names in German, Italian and Swedish (the list has European products) count.
 */
export type Rule = [category: string, pattern: RegExp, priceRange: [number, number]];
/**
 * Whole words (a plural `s`/`es` allowed), or word starts for those ending in `*`. Letters are Unicode, so "müsli"
 * and "öl" match too and "Lipton" is not "lip".
 */
const w = (words: string) =>
  new RegExp(
    `(?<![\\p{L}\\p{N}])(?:${words
      .split('|')
      .map((x) => (x.endsWith('*') ? x.slice(0, -1) : `${x}(?:e?s)?(?![\\p{L}\\p{N}])`))
      .join('|')})`,
    'iu',
  );
export const RULES: Rule[] = [
  [
    'Home & Kitchen',
    w('electric kettle|tea kettle|toaster oven|hand blender|countertop blender|coffee maker|saucepan|frying pan'),
    [2499, 5999],
  ],
  ['General Merchandise', w('usb|adapter|radio|headphone|charger|cable|hdmi|flashlight'), [999, 3999]],
  ['Baby', w('diaper|windel|pampers|huggies'), [999, 3499]],
  ['Baby', w('baby food|baby formula|infant|toddler|gerber|baby wash|baby lotion|baby shampoo'), [199, 1299]],
  ['Pet', w('dog food|cat food|cat litter|kitten|puppy|purina|iams|pedigree|whiskas|friskies|meow mix'), [149, 1999]],
  ['Health & Beauty', w('razor|sensor 3|mach3|disposable razor'), [899, 2499]],
  [
    'Health & Beauty',
    w(
      'vitamin|d3|caplet|tablet|capsule|softgel|supplement|ibuprofen|acetaminophen|aspirin|allergy|antacid|multivitamin',
    ),
    [499, 1999],
  ],
  [
    'Health & Beauty',
    w(
      'saline|contact lens|shampoo|conditioner|moisturizer|hand cream|body wash|anti-transpirant|lotion|soap|seife|toothpaste|zahnpasta|deodorant|cosmetic|lip balm|lipstick|chap stick|chapstick|sunscreen|gauze|gauze pad|bandage|cotton swab|petroleum jelly|vaseline',
    ),
    [199, 999],
  ],
  ['Household', w('detergent|laundry|waschmittel|fabric softener|wool wash|washables'), [699, 1699]],
  ['Household', w('battery|batteries|light bulb'), [499, 1499]],
  ['Household', w('insect|insect killer|bug spray|raid|hot shot'), [499, 999]],
  [
    'Household',
    w(
      'paper towel|tissue|trash bag|cleaner|magic eraser|bleach|aluminum foil|foil|sponge|dish soap|dishwasher|napkin|toilet paper|plastic wrap|disinfecting wipe',
    ),
    [199, 899],
  ],
  ['Baby', w('wipe'), [299, 999]],
  ['Pantry', w('olive oil|oil|öl|olio|vinegar|balsamic|essig|aceto'), [399, 1299]],
  // Condiments before the words they are made of ("tomato ketchup" is not produce, "pizza sauce" is not frozen)
  [
    'Pantry',
    w('sauce|ketchup|catsup|mustard|mayo|mayonnaise|dressing|salsa|pesto|marinara|bruschetta|syrup|catalina|relish'),
    [149, 599],
  ],
  ['Pantry', w('peanut butter|nutella|spread|honey|honig|jam|jelly|marmalade|konfitüre|preserves'), [249, 699]],
  ['Frozen', w('ice cream|eiscreme|eis|gelato|sorbet|frozen|waffle|eggo|pizza|schokoladeneis'), [249, 799]],
  ['Beverages', w('tea|tee|chai|rooibos|chamomile'), [199, 549]],
  ['Beverages', w('nescaf*|instant coffee'), [399, 999]],
  ['Beverages', w('coffee|kaffee|espresso|caff*'), [499, 1299]],
  ['Beverages', w('beer|bier|lager|ipa'), [899, 1699]],
  ['Beverages', w('wine|wein|vino'), [799, 1999]],
  ['Beverages', w('water|wasser|mineralwasser|acqua|aqua|vatten|seltzer|pure life'), [79, 299]],
  [
    'Beverages',
    w(
      'soda|cola|fanta|sprite|lemonade|limonade|tonic|ginger ale|root beer|energy drink|red bull|pepsi|gatorade|powerade',
    ),
    [99, 349],
  ],
  ['Beverages', w('juice|saft|nectar|smoothie|kombucha|drink|splash|müllermilch|garden cocktail'), [199, 549]],
  ['Dairy', w('cracker barrel'), [249, 799]], // a cheese brand, not a cracker
  // Snacks by brand or kind before dairy ("Fritos Mild Cheddar", "Microwave Popcorn Butter", "Parmesan Crisps")
  [
    'Snacks',
    w(
      "chip|crisps|pringles|popcorn|pretzel|cracker|fritos|doritos|cheetos|tostitos|ruffles|lay's|cheez it|cheez-it|goldfish|sesame stick",
    ),
    [199, 549],
  ],
  // Boxed meals and soups before the cheese, cream or egg in their names ("Macaroni & Cheese", "Cream of Mushroom")
  [
    'Pantry',
    w(
      'macaroni|mac|lasagna|helper|pasta roni|skillet|scalloped|soup|cream of|crouton|egg roll wrapper|hot cereal|cheez whiz',
    ),
    [129, 599],
  ],
  ['Dairy', w('cream cheese|cheese|käse|formaggio|mozzarella|cheddar|parmesan|gouda|brie'), [249, 799]],
  ['Dairy', w('yogurt|yoghurt|joghurt|skyr|quark|kefir'), [99, 599]],
  ['Dairy', w('butter|margarine'), [299, 599]],
  ['Dairy', w('egg|eier'), [249, 599]],
  ['Dairy', w('milk|milch|mjölk|bio-milch|cream|creamer|sahne|half and half'), [129, 449]],
  ['Snacks', w('chocolate|schoko*|cioccolat*|raisinets|m&m|kitkat|snickers|twix|almond joy'), [99, 499]],
  ['Snacks', w('cookie|biscuit|keks|fudge|brownie|wafer|oreo|fudge round'), [199, 549]],
  ['Snacks', w('candy|candies|gum|gummi*|liquiriz*|licorice|lakritz|mint|marshmallow|dextro*|lollipop'), [99, 399]],
  [
    'Snacks',
    w('almond|cashew|peanut|pistachio|macadamia|walnut|pecan|trail mix|nut|jerky|seed|pumpkin seed|sunflower seed'),
    [299, 899],
  ],
  ['Snacks', w('bar|snack|granola bar'), [99, 499]],
  ['Bakery', w('bread|brot|bagel|muffin|tortilla|bun|roll|cake|pie|croissant|brioche|texas toast'), [199, 549]],
  ['Meat & Deli', w('tuna|sardine|salmon|anchov*|mackerel'), [149, 599]],
  ['Meat & Deli', w('chicken|beef|turkey|bologna|ham|pork|sausage|wurst|bacon|salami|shrimp|meatball'), [299, 1299]],
  ['Produce', w('raisin|dried|prune|date|apricot|dried fruit'), [249, 599]],
  [
    'Produce',
    w(
      'fruit|fresh ginger|artichoke|shredded sweetened coconut|pumpkin|berr*|strawberr*|apple|banana|orange|tomato|potato|pea|petit pois|corn|onion|garlic|vegetable|carrot|spinach|olive|avocado|mango|peach|cherr*|grape|lemon|lime|mushroom|bean|lentil|chickpea|arugula|lettuce|salad|kale|broccoli',
    ),
    [99, 449],
  ],
  ['Stationery', w('fineliner|pen|pencil|marker|highlighter|crayon|stift'), [99, 999]],
  ['Stationery', w('ruled|notebook|paper|envelope|tape|glue|binder|sticky note|flickzeug'), [149, 799]],
  [
    'Pantry',
    w('cereal|haferflocken|müsli|muesli|granola|oat|oatmeal|porridge|corn flakes|cheerios|crunchy-müsli'),
    [299, 599],
  ],
  [
    'Pantry',
    w('quinoa|couscous|rice|reis|riso|pasta|penne|spaghetti|fusilli|noodle|macaroni|nudeln|lasagna|rigate'),
    [129, 449],
  ],
  [
    'Pantry',
    w(
      'oregano|basil|cinnamon|vanilla|pepper|paprika|cumin|spice|seasoning|marinade|herb|thyme|salt|bouillon|broth|stock|roasters|leaves',
    ),
    [149, 699],
  ],
  ['Pantry', w('creme|gelatin|dessert|pudding|mix|powder|frosting'), [149, 599]],
  ['Pantry', w('soup|spaghettios|chef boyardee|chili|canned|instant|ravioli|mac|skillets'), [99, 399]],
  ['Pantry', w('flour|mehl|sugar|suger|zucker|baking|yeast|cocoa'), [149, 499]],
];
export const FALLBACK: [number, number] = [149, 899]; // the list is mostly groceries: an unknown item prices like one
const FOOD = new Set(['Beverages', 'Dairy', 'Frozen', 'Snacks', 'Bakery', 'Pantry', 'Produce', 'Meat & Deli']);

/** The category and price range of a product: books by their ISBN prefix (978/979), else the first rule that matches. */
export function categorise(gtin: string, brand: string, name: string): { category: string; range: [number, number] } {
  if (/^0?97[89]/.test(gtin)) return { category: 'Books', range: [799, 2999] };
  const text = `${brand} ${name}`;
  for (const [category, pattern, range] of RULES) if (pattern.test(text)) return { category, range };
  return { category: 'General Merchandise', range: FALLBACK };
}

/** Books are zero-rated, food reduced, the rest standard. */
export const taxClassOf = (category: string) =>
  category === 'Books' ? 'ZERO' : FOOD.has(category) ? 'REDUCED' : 'STANDARD';

/**
 * Whether a name can stand on a shelf label: three letters at least ("021000626793", a barcode typed into the name
 * field, has none), and not a placeholder such as "test".
 */
export const usableName = (name: string) =>
  (name.match(/\p{L}/gu)?.length ?? 0) >= 3 && !/^(test|n\/?a|none|unknown)$/i.test(name.trim());
