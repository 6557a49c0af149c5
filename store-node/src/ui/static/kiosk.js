// The kiosk, a customer's screen: featured products, best sellers and more in stock here by category, ranked search
// (offline too), a product's page with stock at nearby stores (when head office answers), its rating and top reviews
// (the store's copy, offline too), "You may also like" from the store's own list (offline too, re-ranked by what this
// customer looked at), and the customer's own cart, opened with their loyalty card, phone number or e-mail. The screen
// forgets the customer on "Done" and after 90 s untouched.
import { api, h, money, placeholder, say, statusBar } from '/store.js';
import { mountTagFilter } from '/tag-filter.js';

statusBar('Kiosk', { kiosk: true }); // a customer's screen: no links to staff pages
const $ = (id) => document.getElementById(id);
const params = new URLSearchParams(location.search);
/**
 * Seconds untouched before the screen starts over (`?idleSeconds=` for a shop that wants another figure), at most 180:
 * the node ends a cart session untouched that long (KIOSK_CART_IDLE_MS), so a longer figure would show a dead cart.
 */
const IDLE_MS = Math.min(180, Math.max(2, Number(params.get('idleSeconds')) || 90)) * 1000;

let customer = null; // { firstName } once a cart is open
let pending = null; // a product chosen before the cart was open: added once it is
let view = { kind: 'home' }; // what the left side shows: home | results | product
let previous = null; // the view "Back" returns to, and the card to focus there
let lastTouch = Date.now();
/**
 * This customer's browsing session at the screen, a new one for the next customer ("Done", or the screen cleared):
 * the store re-ranks its recommendations by the products shown in it. Random (crypto.randomUUID needs a secure
 * context, which a kiosk on the store's plain-http network is not); the store tells head office an id of its own.
 */
const newSession = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
let session = newSession();
/** Counts the views drawn: a view whose data arrives after another was asked for is not drawn over it. */
let drawn = 0;

// ---- Products ------------------------------------------------------------------------------------------------

/** The stock wording a customer reads: in stock, low stock (with how many), or out of stock here. */
function stockBadge(p) {
  const low = p.lowStockAt > 0 ? p.lowStockAt : 3;
  if (p.onHand <= 0) return h('span', { class: 'badge bad' }, 'Out of stock here — check nearby');
  if (p.onHand <= low) return h('span', { class: 'badge warn' }, `Low stock here — ${p.onHand} left`);
  return h('span', { class: 'badge ok' }, 'In stock here');
}

/** A product's card; a recommendation's `reason` ("Popular at this store") under its name. */
function card(p) {
  return h(
    'article',
    { class: 'product', 'aria-label': p.name, 'data-sku': p.sku },
    placeholder(p.category),
    h(
      'h3',
      { class: 'product-title' },
      h('button', { type: 'button', class: 'product-name', onclick: () => showProduct(p) }, p.name),
    ),
    h('span', { class: 'muted' }, [p.brand, p.size].filter(Boolean).join(' · ') || p.category),
    p.reason ? h('span', { class: 'reason' }, p.reason) : '',
    h('span', { class: 'price' }, money(p.priceMinor, p.currency)),
    stockBadge(p),
    h('button', { type: 'button', class: 'add', onclick: () => addToCart(p) }, 'Add to cart'),
  );
}

function show(title, ...body) {
  $('view-title').textContent = title;
  $('back').hidden = view.kind === 'home';
  $('view-body').replaceChildren(...body);
}

/** One home page shelf: its heading says what it is (featured, best sellers here, a category). */
function shelf(id, title, items) {
  return h(
    'section',
    { class: 'kiosk-category', 'aria-labelledby': id },
    h('h3', { id, class: 'category-title' }, title),
    h('div', { class: 'products' }, items.map(card)),
  );
}

/**
 * "You may also like": at most six from the store's own list (works offline), bought with the product shown, then
 * popular here, re-ranked by what this session looked at. An empty list, or a store that cannot answer, shows nothing.
 */
async function recommendations(sku) {
  const q = new URLSearchParams({ session, limit: '6' });
  if (sku) q.set('sku', sku);
  try {
    return (await api('GET', `/api/recommendations?${q}`)).items;
  } catch {
    return [];
  }
}

/** The "You may also like" shelf, or nothing: drawn with its view in one go, so nothing moves once it is there. */
const likeShelf = (id, items) =>
  items.length
    ? [
        h(
          'section',
          { class: 'kiosk-category kiosk-recs', 'aria-labelledby': id },
          h('h3', { id, class: 'category-title' }, 'You may also like'),
          h('div', { class: 'products' }, items.map(card)),
        ),
      ]
    : [];

// Head office's featured products first, then what this customer may like, then what sells here (only once the store
// has sold something), then the day's pick per category (favouring what the store has plenty of): never an
// alphabetical list called popular.
async function showHome() {
  view = { kind: 'home' };
  previous = null;
  const mine = ++drawn;
  try {
    const [home, liked] = await Promise.all([
      api('GET', '/api/catalog/featured?perCategory=6&categories=8'),
      recommendations(null),
    ]);
    if (mine !== drawn) return;
    const shelves = [
      ...(home.featured.length ? [shelf('home-featured', 'Featured', home.featured)] : []),
      ...likeShelf('home-like', liked),
      ...(home.bestSellers.length ? [shelf('home-best', 'Best sellers here', home.bestSellers)] : []),
      ...home.categories.map((c, i) => shelf(`cat-${i}`, c.category, c.items)),
    ];
    if (!shelves.length) {
      const { items } = await api('GET', '/api/catalog/products?limit=12');
      show(
        'Our products',
        items.length
          ? h('div', { class: 'products' }, items.map(card))
          : h('p', { class: 'muted' }, 'The product list is still arriving from head office.'),
      );
      return;
    }
    show('In this store', ...shelves);
  } catch (err) {
    if (mine === drawn) show('In this store', h('p', { role: 'alert', class: 'error' }, err.message));
  }
}

async function search(q) {
  if (!q) return showHome();
  view = { kind: 'results', q };
  previous = null;
  const mine = ++drawn;
  try {
    const { items } = await api('GET', `/api/catalog/products?limit=24&q=${encodeURIComponent(q)}`);
    if (mine !== drawn) return;
    say($('search-msg'));
    show(
      items.length ? `Results for “${q}”` : `Nothing matches “${q}”`,
      items.length
        ? h('div', { class: 'products' }, items.map(card))
        : h('p', { class: 'muted' }, 'Try another word, a brand, or scan the barcode on the product.'),
    );
  } catch (err) {
    say($('search-msg'), err);
  }
}

async function showProduct(p) {
  if (view.kind !== 'product') previous = { view, sku: p.sku }; // from a recommendation, Back still leads home
  view = { kind: 'product', p };
  const mine = ++drawn;
  // The store counts the view (head office learns what was looked at) and re-ranks this session's list by it.
  await api('POST', '/api/kiosk/views', { sku: p.sku, session }, { keyed: false }).catch(() => undefined);
  const [liked, reviews] = await Promise.all([recommendations(p.sku), reviewsOf(p.sku)]);
  if (mine !== drawn) return;
  const nearby = h(
    'div',
    { class: 'nearby', 'aria-live': 'polite' },
    h('p', { class: 'muted' }, 'Asking nearby stores…'),
  );
  show(
    p.name,
    h(
      'div',
      { class: 'product-detail' },
      placeholder(p.category, 'big'),
      h(
        'div',
        { class: 'product-facts' },
        h('p', { class: 'muted' }, [p.brand, p.size, p.category].filter(Boolean).join(' · ')),
        h('p', { class: 'price big' }, money(p.priceMinor, p.currency)),
        h('p', {}, stockBadge(p)),
        h('button', { type: 'button', class: 'add', onclick: () => addToCart(p) }, 'Add to cart'),
        h('h3', { class: 'facts-title' }, 'Stock at nearby stores'),
        nearby,
      ),
    ),
    reviews?.count ? reviewsSection(reviews) : '',
    ...likeShelf('product-like', liked),
  );
  $('view-title').focus();
  void loadNearby(p, nearby);
}

async function loadNearby(p, area) {
  try {
    const { items } = await api('GET', `/api/catalog/products/${encodeURIComponent(p.sku)}/nearby`);
    area.replaceChildren(
      items.length
        ? h(
            'ul',
            { class: 'nearby-list' },
            items.map((s) =>
              h(
                'li',
                {},
                h('strong', {}, s.name),
                ` — ${s.available} in stock, ${s.distanceKm < 1 ? 'under 1' : Math.round(s.distanceKm)} km away`,
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'No store nearby has it right now.'),
    );
  } catch (err) {
    area.replaceChildren(h('p', { class: 'notice' }, err.message));
  }
}

function back() {
  const to = previous;
  if (!to || to.view.kind === 'home') void showHome().then(() => focusCard(to?.sku));
  else void search(to.view.q).then(() => focusCard(to.sku));
}
const focusCard = (sku) => {
  const btn = sku && document.querySelector(`article[data-sku="${CSS.escape(sku)}"] .product-name`);
  (btn || $('view-title')).focus();
};

// ---- Reviews (the store's own copy, offline too) -------------------------------------------------------------------

/** The product's rating summary and top reviews, or null (none, or the store cannot answer). */
async function reviewsOf(sku) {
  try {
    return await api('GET', `/api/reviews/${encodeURIComponent(sku)}`);
  } catch {
    return null;
  }
}

/** ★★★★☆: the rating in whole stars (rounded), read out as `label` ("4.3 out of 5, 27 reviews"). */
const stars = (rating, label) =>
  h('span', { class: 'stars', role: 'img', 'aria-label': label }, '★'.repeat(Math.round(rating)).padEnd(5, '☆'));
const one = (x) => (Math.round(x * 10) / 10).toFixed(1);
const dated = (ms) => new Date(ms).toLocaleDateString(undefined, { year: 'numeric', month: 'short', day: 'numeric' });

/** "Customer reviews": the stars and count, a bar per star rating, and the top reviews with the brand's answers. */
function reviewsSection(r) {
  const count = `${r.count} ${r.count === 1 ? 'review' : 'reviews'}`;
  return h(
    'section',
    { class: 'kiosk-reviews', 'aria-labelledby': 'product-reviews' },
    h('h3', { id: 'product-reviews', class: 'category-title' }, 'Customer reviews'),
    h(
      'p',
      { class: 'rating-summary' },
      stars(r.average, `${one(r.average)} out of 5, ${count}`),
      h('strong', {}, ` ${one(r.average)}`),
      h('span', { class: 'muted' }, ` · ${count}`),
    ),
    h(
      'ul',
      { class: 'rating-bars', 'aria-label': 'Reviews by stars' },
      [5, 4, 3, 2, 1].map((n) => {
        const k = r.histogram[n - 1] ?? 0;
        return h(
          'li',
          {},
          h('span', { 'aria-hidden': 'true' }, `${n}★`),
          h('meter', { min: 0, max: Math.max(1, r.count), value: k, 'aria-label': `${n} stars: ${k}` }),
          h('span', { class: 'muted', 'aria-hidden': 'true' }, String(k)),
        );
      }),
    ),
    r.top.map((v) =>
      h(
        'article',
        { class: 'review', 'aria-label': v.title || `${v.rating} stars` },
        h('h4', { class: 'review-title' }, stars(v.rating, `${v.rating} out of 5`), ' ', v.title),
        h(
          'p',
          { class: 'muted' },
          `${v.author} · ${dated(v.createdAt)}`,
          v.verified ? h('span', { class: 'badge ok' }, 'Verified purchase') : '',
        ),
        h('p', { class: 'review-body' }, v.body),
        v.response
          ? h('p', { class: 'review-response' }, h('strong', {}, `Response from ${v.as || 'the brand'}: `), v.response)
          : '',
      ),
    ),
  );
}

// ---- The customer's cart ---------------------------------------------------------------------------------------

/**
 * A change to the cart: a retry the node had answered already (the answer was lost) is answered only `{ replayed:
 * true }`, never run twice (no item added twice), so the cart is read afresh.
 */
async function changeCart(method, path, body) {
  const answer = await api(method, path, body);
  if (!answer?.replayed) return answer;
  const now = await api('GET', '/api/kiosk/cart');
  if (now.firstName === null)
    throw Object.assign(new Error('Your cart was closed. Open it again to go on.'), { status: 404 });
  return now;
}

async function addToCart(p) {
  if (!customer) {
    pending = p;
    say($('cart-msg'), null, `To add ${p.name}, open your cart: scan your card or type your phone number or e-mail.`);
    $('customer').focus();
    return;
  }
  try {
    renderCart(await changeCart('POST', '/api/kiosk/cart/lines', { sku: p.sku, qty: 1 }));
    say($('cart-msg'), null, `Added ${p.name}.`);
  } catch (err) {
    cartError(err);
  }
}

async function setQty(line, qty) {
  try {
    renderCart(await changeCart('PUT', `/api/kiosk/cart/lines/${encodeURIComponent(line.sku)}`, { qty }));
    say($('cart-msg'), null, qty === 0 ? `Removed ${line.name}.` : `${line.name}: ${qty}.`);
  } catch (err) {
    cartError(err);
  }
}

async function pickupHere() {
  try {
    renderCart(await changeCart('PUT', '/api/kiosk/cart/pickup-here', {}));
    say($('cart-msg'), null, 'Your order will be ready for pickup at this store.');
  } catch (err) {
    cartError(err);
  }
}

/** A refusal in the customer's words; a cart this screen no longer has (ended elsewhere) closes. */
function cartError(err) {
  if (err.status === 404 && customer) {
    forgetCustomer();
    $('customer').focus();
  }
  say($('cart-msg'), err);
}

function renderCart(answer) {
  customer = { firstName: answer.firstName };
  $('customer-form').hidden = true;
  const { cart } = answer;
  const lines = cart.lines ?? [];
  // The cart priced by this store's promotions (issue #25), when the answer carries it: each line's net and promotions.
  const priced = cart.priced ?? null;
  const pricedLine = new Map((priced?.lines ?? []).map((l) => [l.sku, l]));
  $('cart-title').textContent = `Hello, ${answer.firstName}`;
  $('cart').replaceChildren(
    answer.savedHere
      ? h(
          'p',
          { class: 'notice' },
          'Head office can’t be reached right now: changes are kept on this kiosk and reach your online cart later.',
        )
      : '',
    lines.length
      ? h(
          'ul',
          { class: 'cart-lines', 'aria-label': 'In your cart' },
          lines.map((l) =>
            h(
              'li',
              {},
              h(
                'span',
                { class: 'line-name' },
                l.name,
                ...(pricedLine.get(l.sku)?.promotions ?? []).map((p) =>
                  h('span', { class: 'small promotion' }, ` ${p.name}: −${money(p.discountMinor, l.currency)}`),
                ),
              ),
              h(
                'span',
                { class: 'qty' },
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'secondary',
                    'aria-label': `One less ${l.name}`,
                    onclick: () => setQty(l, l.qty - 1),
                  },
                  '−',
                ),
                h('input', {
                  type: 'number',
                  min: 0,
                  max: 999,
                  inputmode: 'numeric',
                  value: l.qty,
                  'aria-label': `Quantity of ${l.name}`,
                  onchange: (e) => setQty(l, Math.max(0, Math.min(999, Math.trunc(Number(e.target.value) || 0)))),
                }),
                h(
                  'button',
                  {
                    type: 'button',
                    class: 'secondary',
                    'aria-label': `One more ${l.name}`,
                    onclick: () => setQty(l, l.qty + 1),
                  },
                  '+',
                ),
              ),
              h(
                'span',
                { class: 'line-total' },
                money(pricedLine.get(l.sku)?.netMinor ?? l.unitPriceMinor * l.qty, l.currency),
              ),
            ),
          ),
        )
      : h('p', { class: 'muted' }, 'Your cart is empty. Add products from the left.'),
    lines.length
      ? h(
          'p',
          { class: 'totals' },
          'Total before tax ',
          h('strong', {}, money(priced ? priced.subtotalMinor : cart.subtotalMinor, lines[0].currency)),
        )
      : '',
    priced?.discountMinor
      ? h('p', { class: 'totals saved' }, 'You save ', h('strong', {}, money(priced.discountMinor, priced.currency)))
      : '',
    cart.pickupHere
      ? h('p', { class: 'ok' }, '✓ You’ll pick up your order at this store.')
      : h(
          'div',
          { class: 'pickup-choice' },
          h('p', { class: 'muted' }, fulfilmentWords(cart.fulfilment)),
          h('button', { type: 'button', onclick: pickupHere }, 'Pick up here'),
        ),
    h(
      'button',
      { type: 'button', class: 'secondary done', onclick: () => startOver('Thanks for visiting — see you soon.') },
      'Done',
    ),
  );
  if (pending) {
    const p = pending;
    pending = null;
    void addToCart(p);
  }
}

const fulfilmentWords = (type) =>
  ({
    SHIP: 'Right now your order is set to be shipped to you.',
    PICKUP: 'Right now your order is set for pickup at another store.',
    CURBSIDE: 'Right now your order is set for curbside pickup at another store.',
    DELIVERY: 'Right now your order is set for delivery.',
  })[type] ?? '';

function forgetCustomer() {
  customer = null;
  pending = null;
  $('cart-title').textContent = 'Your cart';
  $('customer-form').hidden = false;
  $('customer').value = '';
  $('cart').replaceChildren();
}

/** Done, or nobody touched the screen for a while: the next customer sees none of this one. */
async function startOver(message) {
  forgetCustomer();
  session = newSession(); // the next customer's recommendations owe nothing to this one's
  say($('cart-msg'), null, message);
  $('search').value = '';
  say($('search-msg'));
  await api('DELETE', '/api/kiosk/cart').catch(() => undefined);
  tags.reset();
  await showHome();
  $('search').focus();
  setTimeout(() => {
    if (!customer) say($('cart-msg'));
  }, 8000);
}

// ---- Wiring ----------------------------------------------------------------------------------------------------

$('search-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void search($('search').value.trim());
});
$('back').addEventListener('click', back);
// Escape leaves a product's page (or the results) the way Back does.
document.addEventListener('keydown', (e) => {
  if (e.key === 'Escape' && view.kind !== 'home' && !e.defaultPrevented) back();
});
$('customer-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const who = $('customer').value.trim();
  if (!who) return say($('cart-msg'), new Error('Scan your card, or type your phone number or e-mail.'));
  say($('cart-msg'), null, 'Opening your cart…');
  try {
    renderCart(await api('POST', '/api/kiosk/cart', { who }));
    say($('cart-msg'), null, `Your cart is open, ${customer.firstName}.`);
    $('search').focus(); // on to the products: search, a product, Add to cart
  } catch (err) {
    say($('cart-msg'), err);
    $('customer').focus();
  }
});
for (const ev of ['pointerdown', 'keydown', 'input', 'wheel', 'touchstart'])
  document.addEventListener(ev, () => (lastTouch = Date.now()), { passive: true, capture: true });
setInterval(() => {
  const busy = customer || view.kind !== 'home' || $('search').value || $('customer').value || tags.busy();
  if (busy && Date.now() - lastTouch > IDLE_MS) {
    lastTouch = Date.now();
    void startOver('The screen was cleared after a while without a touch.');
  }
}, 1000);
api('GET', '/healthz').then(
  (hz) => {
    if (hz.name) $('pickup-store').textContent = hz.name;
  },
  () => undefined,
);
// Browse by tag: the store's copy of head office's tags (offline too); a product drawn as on every shelf, its tag's
// colour standing in for the category the tag answer does not carry.
const tags = mountTagFilter($('tag-browse'), {
  mode: 'kiosk',
  renderProduct: (p, tag) => card({ ...p, category: p.category ?? tag?.name }),
});
void tags.load();
// A reload starts with no customer: a cart left open by the last person at this screen is closed first.
api('DELETE', '/api/kiosk/cart').catch(() => undefined);
void showHome();
