// Products: a search over the catalog (name, brand, sku or barcode; by category), and one product's page — its
// name, barcode, category and price, its stock at every store (on hand, reserved, available, with totals) and the
// recent stock movements at one store. `#/product?sku=…` opens a product's page (other pages link here). A store
// manager sees their own store's stock only.
import { ago, api as callApi, h, money, showError, table, when } from '/console/lib.js';

const KINDS = {
  SALE: 'Sold',
  RETURN: 'Returned',
  RECEIVE: 'Received',
  TRANSFER_OUT: 'Sent to another store',
  TRANSFER_IN: 'Came from another store',
  ADJUSTMENT: 'Adjusted by staff',
  RFID_RECONCILE: 'Corrected by an RFID count',
  PICKUP: 'Handed to an online customer',
};
const SOURCES = { POS: 'till', ONLINE: 'online order', WAREHOUSE: 'supply chain', RFID: 'RFID reader' };
const n = (x) => Number(x).toLocaleString();
const signed = (d) => (d > 0 ? `+${n(d)}` : `−${n(-d)}`);
/** A GTIN-14 as people read the barcode under the bars: the 13 digits of an EAN-13, 12 of a UPC-A. */
const gtinLabel = (g) => (g ? g.replace(/^0+(?=\d{12,13}$)/, '') : '—');
const storeLabel = (s) => `${s.code} — ${s.name}`;

function searchView({ el, api, params, navigate }) {
  const q = h('input', {
    id: 'product-q',
    type: 'search',
    value: params.get('q') ?? '',
    placeholder: 'name, brand, sku or barcode',
    autocomplete: 'off',
  });
  const category = h('select', { id: 'product-category' }, h('option', { value: '' }, 'Every category'));
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Find a product' },
    h('div', {}, h('label', { for: 'product-q' }, 'Find a product'), q),
    h('div', {}, h('label', { for: 'product-category' }, 'Category'), category),
    h('button', { type: 'submit' }, 'Search'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    navigate('product', {
      ...(q.value.trim() ? { q: q.value.trim() } : {}),
      ...(category.value ? { category: category.value } : {}),
    });
  });
  const errors = h('div');
  const results = h('div', { class: 'card', 'aria-live': 'polite' });
  el.append(form, errors, results);
  const shown = [];
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Show more products');
  let next = null;
  const draw = () =>
    results.replaceChildren(
      table(
        params.get('q') ? `Products matching “${params.get('q')}”` : 'Products, by sku',
        ['Product', 'Sku', 'Barcode', 'Category', 'Price'],
        shown,
        (p) => [
          h(
            'a',
            { href: `#/product?sku=${encodeURIComponent(p.sku)}`, tabindex: -1 },
            [p.name, p.brand ? ` · ${p.brand}` : '', p.size ? ` · ${p.size}` : ''].join(''),
          ),
          p.sku,
          gtinLabel(p.gtin),
          p.category,
          money(p.priceMinor, p.currency),
        ],
        (p) => navigate('product', { sku: p.sku }),
      ),
      more,
    );
  const load = async () => {
    const query = new URLSearchParams({
      limit: '50',
      ...(params.get('q') ? { q: params.get('q') } : {}),
      ...(params.get('category') ? { category: params.get('category') } : {}),
      ...(next ? { after: next } : {}),
    });
    const page = await api('GET', `/api/catalog/products?${query}`);
    shown.push(...page.items);
    next = page.next;
    more.hidden = !next;
    draw();
  };
  more.addEventListener('click', () =>
    load().then(
      () => showError(errors),
      (err) => showError(errors, err),
    ),
  );
  return Promise.all([
    api('GET', '/api/catalog/categories').then((c) => {
      for (const name of c.items.map((x) => (typeof x === 'string' ? x : (x.category ?? x.name))))
        category.append(h('option', { value: name, selected: name === params.get('category') }, name));
    }),
    load(),
  ]).catch((err) => showError(errors, err));
}

async function productView({ el, api, params, navigate, me }) {
  const sku = params.get('sku');
  const errors = h('div');
  el.append(h('p', {}, h('a', { href: '#/product' }, '← All products')), errors);
  let p;
  try {
    p = await api('GET', `/api/catalog/products/${encodeURIComponent(sku)}`);
  } catch (err) {
    showError(errors, err.status === 404 ? new Error(`No product has the sku ${sku}.`) : err);
    return;
  }
  document.getElementById('page-title').textContent = p.name;
  document.title = `${p.name} · Storefleet console`;
  el.append(
    h(
      'div',
      { class: 'card' },
      h('h2', {}, 'Product'),
      h(
        'dl',
        { class: 'facts' },
        [
          ['Name', p.name],
          ['Brand', p.brand ?? '—'],
          ['Size', p.size ?? '—'],
          ['Sku', p.sku],
          ['Barcode (GTIN)', gtinLabel(p.gtin)],
          ['Category', p.category],
          ['Price', money(p.priceMinor, p.currency)],
          ['Tax class', p.taxClass.toLowerCase()],
          ['Last changed', `${when(p.updatedAt)} (${ago(p.updatedAt)})`],
        ].flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
      ),
    ),
  );
  const stockArea = h('div', { class: 'card' });
  const moveArea = h('div', { class: 'card', 'aria-live': 'polite' });
  el.append(stockArea, moveArea);
  const manager = me.role === 'STORE_MANAGER';
  const stock = await api('GET', `/api/inventory/skus/${encodeURIComponent(sku)}/stock?limit=500`);
  const t = stock.totals;
  stockArea.replaceChildren(
    h('h2', {}, manager ? 'Stock at your store' : 'Stock across stores'),
    h(
      'p',
      { class: 'summary' },
      manager
        ? `${n(t.onHand)} on hand, ${n(t.reserved)} reserved, ${n(t.available)} available to sell.`
        : `${n(t.onHand)} on hand at ${n(t.locations)} ${t.locations === 1 ? 'location' : 'locations'}: ${n(t.reserved)} reserved for pickups, ${n(t.available)} available to sell.`,
    ),
    table(
      stock.next ? `Stock per location (the first ${stock.items.length} of ${t.locations})` : 'Stock per location',
      ['Location', 'On hand', 'Reserved', 'Available', 'Counted as of'],
      stock.items,
      (s) => [
        `${storeLabel(s)}${s.kind === 'DC' ? ' (distribution centre)' : ''}`,
        n(s.onHand),
        n(s.reserved),
        n(s.available),
        ago(s.updatedAt),
      ],
      (s) => navigate('product', { sku, store: s.storeId }),
    ),
    h(
      'p',
      { class: 'muted' },
      'Available = on hand − reserved − safety stock. Choose a location to see its recent movements.',
    ),
  );
  const chosen = stock.items.find((s) => s.storeId === params.get('store')) ?? stock.items[0];
  if (!chosen) {
    moveArea.replaceChildren(h('h2', {}, 'Recent movements'), h('p', {}, 'No location holds this product yet.'));
    return;
  }
  const { items } = await api(
    'GET',
    `/api/inventory/stores/${chosen.storeId}/stock/${encodeURIComponent(sku)}/movements?limit=25`,
  );
  moveArea.replaceChildren(
    h('h2', {}, `Recent movements at ${storeLabel(chosen)}`),
    table('The newest 25 movements, newest first', ['When', 'What happened', 'Change', 'From'], items, (m) => [
      h('span', { title: new Date(m.at).toISOString() }, `${when(m.at)} (${ago(m.at)})`),
      KINDS[m.kind] ?? m.kind,
      h('span', { class: m.delta < 0 ? 'neg' : 'pos' }, signed(m.delta)),
      SOURCES[m.source] ?? m.source,
    ]),
  );
}

export default {
  async render(ctx) {
    const me = ctx.me ?? { role: 'ADMIN', storeId: null };
    const api = ctx.api ?? callApi;
    if (ctx.params.get('sku')) await productView({ ...ctx, api, me });
    else await searchView({ ...ctx, api, me });
  },
};
