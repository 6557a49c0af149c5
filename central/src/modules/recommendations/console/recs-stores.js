// A store's list (`#/recommendations`, third section): what the chosen store's kiosk got through its feed (its top
// products with their reasons, and what is bought with them), and a "try it" box that asks the hub for a list as a
// web page, app or kiosk would and shows the items with their reasons and the variant that served them.
import { h, money, product, productNames, say, storeLabel, table, when } from '/console/lib.js';
import { count, SURFACE_WORDS, SURFACES } from './recs-words.js';

/** Rows shown before "Show all": the kiosk's first screenful, and one catalog read per product named. */
const FIRST_ROWS = 20;
/** Most stores a fleet lists here (the locations API gives 1,000 a page). */
const MAX_PAGES = 10;
const SKU_LIMIT = 50;

/** Every store (not the distribution centres), by code. */
async function storesOf(api) {
  const stores = [];
  let after = '';
  for (let page = 0; page < MAX_PAGES; page++) {
    const q = new URLSearchParams({ kind: 'STORE', limit: '1000', ...(after ? { after } : {}) });
    const { items, next } = await api('GET', `/api/locations?${q}`);
    stores.push(...items);
    if (!next) break;
    after = next;
  }
  return stores;
}

const score = (x) => (typeof x === 'number' ? x.toLocaleString('en-US', { maximumFractionDigits: 3 }) : '—');

export function renderStores(state) {
  const { api, params } = state;
  const section = h('section', { class: 'card', 'aria-labelledby': 'rc-store-title' });
  const message = h('div');
  const topArea = h('div', { 'aria-live': 'polite' });
  const storeSelect = h('select', { id: 'rc-store' });
  let stores = [];
  let showAll = false;

  async function loadTop() {
    const storeId = storeSelect.value;
    if (!storeId) {
      topArea.replaceChildren(
        h('p', { class: 'rc-empty' }, 'No stores yet — register one under Fleet to see its list.'),
      );
      return;
    }
    let top;
    try {
      top = await api('GET', `/api/recommendations/stores/${encodeURIComponent(storeId)}/top`);
    } catch (err) {
      topArea.replaceChildren(
        err.status === 404
          ? h(
              'p',
              { class: 'rc-empty' },
              'No model yet — press Train now under Models. Each store gets its list through its feed when the run finishes.',
            )
          : h('p', { class: 'error', role: 'alert' }, `The store’s list cannot be shown: ${err.message}`),
      );
      return;
    }
    const items = top.items ?? [];
    const shown = showAll ? items : items.slice(0, FIRST_ROWS);
    const pairs = new Map((top.pairs ?? []).map((p) => [p.sku, p.with ?? []]));
    const withOf = (sku) => (pairs.get(sku) ?? []).slice(0, 3);
    const names = await productNames(api, [
      ...shown.map((i) => i.sku),
      ...shown.flatMap((i) => withOf(i.sku).map((w) => w.sku)),
    ]);
    const store = stores.find((s) => s.id === storeId);
    const more =
      items.length > FIRST_ROWS
        ? h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              onclick: () => {
                showAll = !showAll;
                loadTop();
              },
            },
            showAll ? `Show the first ${FIRST_ROWS}` : `Show all ${count(items.length)}`,
          )
        : '';
    topArea.replaceChildren(
      h(
        'p',
        { class: 'hint rc-top-facts' },
        `From model version ${count(top.modelVersion)}, made ${when(top.generatedAt)}: ${count(items.length)} products, `,
        `${count(pairs.size)} with “also bought” lists. The kiosk recommends from this list when the network is down.`,
      ),
      items.length
        ? table(
            `What ${storeLabel(store, storeId)} gets${items.length > shown.length ? ` (the first ${shown.length} of ${count(items.length)})` : ''}`,
            ['#', 'Product', 'Category', 'Score', 'Why', 'Customers also bought'],
            shown.map((item, i) => ({ ...item, rank: i + 1 })),
            (item) => [
              h('span', { class: 'num' }, count(item.rank)),
              product(names.get(item.sku), item.sku),
              item.category,
              h('span', { class: 'num' }, score(item.score)),
              item.reason,
              withOf(item.sku).length
                ? h(
                    'ul',
                    { class: 'plain' },
                    withOf(item.sku).map((w) => h('li', {}, product(names.get(w.sku), w.sku))),
                  )
                : '—',
            ],
          )
        : h(
            'p',
            { class: 'rc-empty' },
            'This store’s list is empty: the model had no purchases, cart adds or views to rank, or its products have left the catalog.',
          ),
      h('div', { class: 'actions' }, more),
    );
  }

  storeSelect.addEventListener('change', () => {
    showAll = false;
    loadTop();
  });

  // "Try it": a list as a surface would get it
  const surface = h(
    'select',
    { id: 'rc-try-surface' },
    SURFACES.map((s) => h('option', { value: s }, SURFACE_WORDS[s])),
  );
  const skus = h('input', {
    id: 'rc-try-skus',
    type: 'text',
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-describedby': 'rc-try-skus-hint',
  });
  const customer = h('input', { id: 'rc-try-customer', type: 'text', autocomplete: 'off', spellcheck: 'false' });
  const atStore = h('input', { id: 'rc-try-store', type: 'checkbox', checked: true });
  const tryMessage = h('div');
  const tryArea = h('div', { 'aria-live': 'polite' });
  const tryForm = h(
    'form',
    { class: 'rc-form', 'aria-labelledby': 'rc-try-title' },
    h('h3', { id: 'rc-try-title', class: 'rc-wide' }, 'Try it: the list a surface gets'),
    h('div', { class: 'rc-field' }, h('label', { for: 'rc-try-surface' }, 'Surface'), surface),
    h('div', { class: 'rc-field' }, h('label', { for: 'rc-try-skus' }, 'Products shown (skus)'), skus),
    h('div', { class: 'rc-field' }, h('label', { for: 'rc-try-customer' }, 'Customer id (optional)'), customer),
    h(
      'div',
      { class: 'rc-check' },
      atStore,
      h('label', { for: 'rc-try-store' }, 'Only what the store chosen above has in stock'),
    ),
    h('button', { type: 'submit', class: 'submit' }, 'Show the list'),
    h(
      'p',
      { id: 'rc-try-skus-hint', class: 'hint rc-wide' },
      `Products shown: the product page’s sku or the cart’s, separated by spaces or commas (at most ${SKU_LIMIT}). `,
      'Each try is served as a real list: it counts as an impression of the variant that answered it.',
    ),
  );
  tryForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const list = skus.value
      .split(/[\s,]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    if (list.length > SKU_LIMIT) {
      say(tryMessage, new Error(`At most ${SKU_LIMIT} skus, please (${count(list.length)} given).`));
      return;
    }
    const q = new URLSearchParams({ surface: surface.value, limit: '10' });
    for (const s of list) q.append('sku', s);
    if (customer.value.trim()) q.set('customerId', customer.value.trim());
    if (atStore.checked && storeSelect.value) q.set('storeId', storeSelect.value);
    try {
      const answer = await api('GET', `/api/recommendations?${q}`);
      say(tryMessage);
      showAnswer(answer, { storeId: q.get('storeId') });
    } catch (err) {
      tryArea.replaceChildren();
      say(tryMessage, err);
    }
  });

  function showAnswer(a, asked) {
    const items = a.items ?? [];
    tryArea.replaceChildren(
      h(
        'p',
        { class: 'rc-served' },
        `Served by variant “${a.variant}” from `,
        a.modelVersion ? `model version ${count(a.modelVersion)}` : 'live popularity (no model yet)',
        `: ${count(items.length)} ${items.length === 1 ? 'product' : 'products'}.`,
      ),
      items.length
        ? table(
            `${SURFACE_WORDS[a.surface] ?? a.surface}: the list served`,
            ['#', 'Product', 'Category', 'Price', 'Score', 'Why'],
            items.map((it, i) => ({ ...it, rank: i + 1 })),
            (it) => [
              h('span', { class: 'num' }, count(it.rank)),
              product(it.name, it.sku),
              it.category,
              h('span', { class: 'num' }, money(it.priceMinor, it.currency)),
              h('span', { class: 'num' }, score(it.score)),
              it.reason,
            ],
          )
        : h(
            'p',
            { class: 'rc-empty' },
            asked.storeId
              ? 'Nothing the chosen store has in stock fits — untick “Only what the store chosen above has in stock” to see the list without stock.'
              : 'Nothing to recommend yet: no product has been viewed, put in a cart or bought.',
          ),
    );
  }

  async function load() {
    try {
      stores = await storesOf(api);
    } catch (err) {
      say(message, err);
      stores = [];
    }
    const wanted = params.get('store');
    const chosen = stores.some((s) => s.id === wanted) ? wanted : stores[0]?.id;
    storeSelect.replaceChildren(
      ...stores.map((s) => h('option', { value: s.id, selected: s.id === chosen }, storeLabel(s, s.id))),
    );
    await loadTop();
  }

  section.append(
    h('h2', { id: 'rc-store-title' }, 'A store’s list'),
    message,
    h('div', { class: 'filters' }, h('div', {}, h('label', { for: 'rc-store' }, 'Store'), storeSelect)),
    topArea,
    tryForm,
    tryMessage,
    tryArea,
  );
  return { section, load, reloadTop: loadTop };
}
