// The kiosk: search and browse the store's catalog (offline too), price and stock here, stock at nearby stores
// (when the hub answers), and the customer's shared cart.
import { api, h, money, say, statusBar } from '/store.js';

statusBar('Kiosk', { kiosk: true }); // a customer's screen: no links to staff pages
const $ = (id) => document.getElementById(id);
let customerId = null;

async function search(q) {
  try {
    const { items } = await api('GET', `/api/catalog/products?limit=24${q ? `&q=${encodeURIComponent(q)}` : ''}`);
    say(
      $('search-msg'),
      items.length ? null : new Error(q ? `Nothing matches “${q}”.` : 'The catalog is still arriving from the hub.'),
    );
    $('results').replaceChildren(...items.map(card));
  } catch (err) {
    say($('search-msg'), err);
  }
}

function card(p) {
  const nearby = h('div', { 'aria-live': 'polite' });
  return h(
    'article',
    { class: 'product', 'aria-label': p.name },
    h('strong', {}, p.name),
    h('span', { class: 'muted' }, [p.brand, p.size].filter(Boolean).join(' · ')),
    h('span', { class: 'price' }, money(p.priceMinor, p.currency)),
    h(
      'span',
      { class: `badge ${p.onHand > 0 ? 'ok' : 'warn'}` },
      p.onHand > 0 ? `${p.onHand} in this store` : 'Not in stock here',
    ),
    h(
      'div',
      { class: 'row' },
      h('button', { type: 'button', class: 'secondary', onclick: () => showNearby(p, nearby) }, 'Nearby stores'),
      h('button', { type: 'button', onclick: () => addToCart(p) }, 'Add to cart'),
    ),
    nearby,
  );
}

async function showNearby(p, area) {
  area.replaceChildren(h('span', { class: 'muted' }, 'Asking nearby stores…'));
  try {
    const { items } = await api('GET', `/api/catalog/products/${encodeURIComponent(p.sku)}/nearby`);
    area.replaceChildren(
      items.length
        ? h(
            'ul',
            {},
            items.map((s) => h('li', {}, `${s.name}: ${s.available} (${s.distanceKm} km)`)),
          )
        : h('span', { class: 'muted' }, 'No nearby store has it.'),
    );
  } catch (err) {
    area.replaceChildren(h('span', { class: 'error' }, err.message));
  }
}

async function addToCart(p) {
  if (!customerId) return say($('cart-msg'), new Error('Scan your customer card first.'));
  try {
    renderCart(await api('POST', `/api/carts/${customerId}/lines`, { code: p.sku, qty: 1 }));
    say($('cart-msg'), null, `Added ${p.name}.`);
  } catch (err) {
    say($('cart-msg'), err);
  }
}

async function setQty(sku, qty) {
  try {
    renderCart(await api('PUT', `/api/carts/${customerId}/lines/${encodeURIComponent(sku)}`, { qty }));
  } catch (err) {
    say($('cart-msg'), err);
  }
}

function renderCart(cart) {
  const lines = cart.lines ?? [];
  const total = lines.reduce((n, l) => n + l.unitPriceMinor * l.qty, 0);
  $('cart').replaceChildren(
    lines.length
      ? h(
          'table',
          {},
          h('caption', { class: 'muted' }, `Fulfilment: ${cart.fulfilment?.type ?? 'not chosen'}`),
          h(
            'tbody',
            {},
            lines.map((l) =>
              h(
                'tr',
                {},
                h('td', {}, l.name),
                h(
                  'td',
                  {},
                  h('input', {
                    type: 'number',
                    min: 0,
                    max: 999,
                    value: l.qty,
                    'aria-label': `Quantity of ${l.name}`,
                    onchange: (e) => setQty(l.sku, Number(e.target.value)),
                  }),
                ),
                h('td', { class: 'n' }, money(l.unitPriceMinor * l.qty, l.currency)),
              ),
            ),
          ),
        )
      : h('p', { class: 'muted' }, 'The cart is empty.'),
    lines.length
      ? h('p', { class: 'totals' }, 'Total before tax ', h('strong', {}, money(total, lines[0].currency)))
      : '',
  );
}

$('search-form').addEventListener('submit', (e) => {
  e.preventDefault();
  void search($('search').value.trim());
});
$('customer-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const id = $('customer').value.trim();
  try {
    renderCart(await api('GET', `/api/carts/${encodeURIComponent(id)}`));
    customerId = id;
    say($('cart-msg'));
  } catch (err) {
    say($('cart-msg'), err);
  }
});
api('GET', '/healthz').then(
  (hz) => {
    if (hz.name) $('pickup-store').textContent = hz.name;
  },
  () => undefined,
);
void search('');
