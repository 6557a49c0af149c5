// The prices console page (`#/pricing`, issue #25, head office): regions and their stores; the price books (the
// chain's, a region's, a store's); a book's entries — search by sku, add or schedule a price with its window, delete,
// or paste many lines — each change previewed (the skus it moves, the price now and after, the stores affected)
// before it is saved; and one sku's price now and upcoming at a store.
import { confirmDialog, h, product, say, storeLabel, table, when } from '/console/lib.js';
import { change, field, listOf, newKey, parseMoney, parseWhen, price, pricingPage } from './pricing-lib.js';

const SCOPES = { CHAIN: 'The chain', REGION: 'A region', STORE: 'A store' };
const PAGE = 50;

/** "sku,price[,member price][,from]" lines → entries; throws a sentence naming the first bad line. */
export function parseBulk(text) {
  const entries = [];
  const lines = String(text).split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (!line || line.startsWith('#')) return;
    const [sku, p, member, from] = line.split(',').map((s) => s.trim());
    const where = `Line ${i + 1}`;
    if (!sku) throw new Error(`${where}: start with the sku`);
    const priceMinor = parseMoney(p, `${where}, price`);
    if (priceMinor === null) throw new Error(`${where}: give a price after the sku`);
    const e = { sku, priceMinor };
    const memberMinor = parseMoney(member, `${where}, member price`);
    if (memberMinor !== null) e.memberPriceMinor = memberMinor;
    if (from) {
      const ms = new Date(from).getTime();
      if (!Number.isFinite(ms)) throw new Error(`${where}: the start “${from}” is not a date (like 2026-12-01 08:00)`);
      e.from = ms;
    }
    entries.push(e);
  });
  if (!entries.length) throw new Error('Paste at least one line: sku,price[,member price][,from]');
  if (entries.length > 5000) throw new Error('At most 5,000 lines at once');
  return entries;
}

export default {
  async render({ el, api }) {
    pricingPage(el);
    const stores = listOf(await api('GET', '/api/sync/stores').catch(() => ({ items: [] })), 'items');
    const storeName = new Map(stores.map((s) => [s.storeId, storeLabel(s, s.storeId)]));
    const state = { api, stores, storeName, regions: [], books: [], book: null };

    const regions = renderRegions(state);
    const books = renderBooks(state, (b) => entries.open(b));
    const entries = renderEntries(state, () => books.load());
    const lookup = renderLookup(state);
    el.append(
      h(
        'p',
        { class: 'hint' },
        'Shelf prices per chain, region and store, each with the time it starts (and ends). The most specific book wins: a store’s own price beats its region’s, which beats the chain’s; with no price in any book the catalog’s price stands.',
      ),
      regions.section,
      books.section,
      entries.section,
      lookup.section,
    );
    await Promise.all([regions.load(), books.load()]);
  },
};

function renderRegions(state) {
  const { api } = state;
  const section = h('section', { class: 'card', 'aria-labelledby': 'pr-regions-title' });
  const message = h('div');
  const area = h('div');
  const id = h('input', { type: 'text', required: true, pattern: '[A-Za-z0-9_\\-]{1,64}', autocomplete: 'off' });
  const name = h('input', { type: 'text', required: true, autocomplete: 'off' });
  const form = h(
    'form',
    { class: 'grid', 'aria-label': 'Add or rename a region' },
    field('pr-region-id', 'Region code', id, 'Letters, digits, - and _'),
    field('pr-region-name', 'Region name', name),
    h('button', { type: 'submit' }, 'Save region'),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api('PUT', `/api/pricing/regions/${encodeURIComponent(id.value.trim())}`, { name: name.value.trim() });
      say(message, null, `Region ${id.value.trim()} saved.`);
      id.value = '';
      name.value = '';
      await load();
    } catch (err) {
      say(message, err);
    }
  });

  async function load() {
    try {
      state.regions = listOf(await api('GET', '/api/pricing/regions'), 'regions');
    } catch (err) {
      area.replaceChildren(h('p', { role: 'alert', class: 'error' }, `Regions cannot be shown: ${err.message}`));
      return;
    }
    const storeRows = state.stores.map((s, i) => {
      const select = h(
        'select',
        { id: `pr-store-region-${i}`, 'aria-label': `Region of ${storeLabel(s, s.storeId)}` },
        h('option', { value: '' }, 'No region'),
        state.regions.map((r) =>
          h('option', { value: r.id, selected: (r.storeIds ?? []).includes(s.storeId) }, `${r.name} (${r.id})`),
        ),
      );
      select.addEventListener('change', async () => {
        try {
          await api('PUT', `/api/pricing/stores/${s.storeId}/region`, { regionId: select.value || null });
          say(
            message,
            null,
            select.value
              ? `${storeLabel(s, s.storeId)} is in region ${select.value}.`
              : `${storeLabel(s, s.storeId)} is in no region.`,
          );
          await load();
        } catch (err) {
          say(message, err);
        }
      });
      return { s, select };
    });
    area.replaceChildren(
      table('Regions', ['Code', 'Name', 'Stores'], state.regions, (r) => [
        r.id,
        r.name,
        h('span', { class: 'num' }, String(r.stores ?? 0)),
      ]),
      table('Stores and their regions', ['Store', 'Region'], storeRows, ({ s, select }) => [
        storeLabel(s, s.storeId),
        select,
      ]),
    );
  }

  section.append(h('h2', { id: 'pr-regions-title' }, 'Regions and stores'), message, form, area);
  return { section, load };
}

function renderBooks(state, onOpen) {
  const { api } = state;
  const section = h('section', { class: 'card', 'aria-labelledby': 'pr-books-title' });
  const message = h('div');
  const area = h('div');
  const name = h('input', { type: 'text', required: true, autocomplete: 'off' });
  const scope = h(
    'select',
    {},
    Object.entries(SCOPES).map(([v, label]) => h('option', { value: v }, label)),
  );
  const target = h('select', {});
  const targetField = field('pr-book-target', 'For', target);
  const fillTargets = () => {
    const items =
      scope.value === 'STORE'
        ? state.stores.map((s) => [s.storeId, storeLabel(s, s.storeId)])
        : state.regions.map((r) => [r.id, `${r.name} (${r.id})`]);
    target.replaceChildren(...items.map(([v, label]) => h('option', { value: v }, label)));
    targetField.hidden = scope.value === 'CHAIN';
  };
  scope.addEventListener('change', fillTargets);
  const form = h(
    'form',
    { class: 'grid', 'aria-label': 'New price book' },
    field('pr-book-name', 'Book name', name),
    field('pr-book-scope', 'Applies to', scope),
    targetField,
    h('button', { type: 'submit' }, 'Create book'),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const body = { name: name.value.trim(), scope: scope.value };
    if (scope.value === 'STORE') body.storeId = target.value;
    if (scope.value === 'REGION') body.regionId = target.value;
    try {
      const b = await api('POST', '/api/pricing/books', body, { 'Idempotency-Key': newKey() });
      say(message, null, `Book “${b.name}” created.`);
      name.value = '';
      await load();
      onOpen(b);
    } catch (err) {
      say(message, err);
    }
  });

  const targetOf = (b) =>
    b.scope === 'STORE'
      ? (state.storeName.get(b.storeId) ?? b.storeId)
      : b.scope === 'REGION'
        ? b.regionId
        : 'Every store';

  async function load() {
    try {
      state.books = listOf(await api('GET', '/api/pricing/books'), 'books');
    } catch (err) {
      area.replaceChildren(h('p', { role: 'alert', class: 'error' }, `Books cannot be shown: ${err.message}`));
      return;
    }
    fillTargets();
    area.replaceChildren(
      table(
        'Price books (press a row to open its prices)',
        ['Book', 'Applies to', 'For', 'Prices', 'Changed'],
        state.books,
        (b) => [
          b.name,
          SCOPES[b.scope] ?? b.scope,
          targetOf(b),
          h('span', { class: 'num' }, String(b.entries ?? 0)),
          when(b.updatedAt),
        ],
        onOpen,
      ),
    );
  }
  fillTargets();
  section.append(h('h2', { id: 'pr-books-title' }, 'Price books'), message, form, area);
  return { section, load };
}

function renderEntries(state, onChanged) {
  const { api } = state;
  const section = h('section', { class: 'card', 'aria-labelledby': 'pr-entries-title', hidden: true });
  const title = h('h2', { id: 'pr-entries-title', tabindex: -1 }, 'Prices');
  const message = h('div', { 'aria-live': 'polite' });
  const list = h('div');
  const previewArea = h('div');
  let book = null;
  let after = null;
  let pending = null;

  const search = h('input', { type: 'search', autocomplete: 'off' });
  const searchForm = h(
    'form',
    { class: 'grid', role: 'search', 'aria-label': 'Find a sku in this book' },
    field('pr-entry-search', 'Sku', search),
    h('button', { type: 'submit' }, 'Find'),
    h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        onclick: () => {
          search.value = '';
          load(null);
        },
      },
      'Show all',
    ),
  );
  searchForm.addEventListener('submit', (e) => {
    e.preventDefault();
    load(null);
  });

  const sku = h('input', { type: 'text', autocomplete: 'off', required: true });
  const amount = h('input', { type: 'text', inputmode: 'decimal', autocomplete: 'off', required: true });
  const member = h('input', { type: 'text', inputmode: 'decimal', autocomplete: 'off' });
  const from = h('input', { type: 'datetime-local' });
  const to = h('input', { type: 'datetime-local' });
  const addForm = h(
    'form',
    { class: 'grid', 'aria-label': 'Add or schedule a price' },
    field('pr-add-sku', 'Sku', sku),
    field('pr-add-price', 'Price ($)', amount, 'Like 3.49'),
    field('pr-add-member', 'Member price ($, optional)', member),
    field('pr-add-from', 'Starts (blank: now)', from),
    field('pr-add-to', 'Ends (blank: until replaced)', to),
    h('button', { type: 'submit' }, 'Preview price'),
  );
  addForm.addEventListener('submit', (e) => {
    e.preventDefault();
    try {
      const entry = { sku: sku.value.trim(), priceMinor: parseMoney(amount.value, 'Price') };
      if (entry.priceMinor === null) throw new Error('Price: type an amount as dollars.cents, like 3.49');
      const m = parseMoney(member.value, 'Member price');
      if (m !== null) entry.memberPriceMinor = m;
      const f = parseWhen(from.value, 'Starts');
      if (f !== null) entry.from = f;
      const t = parseWhen(to.value, 'Ends');
      if (t !== null) entry.to = t;
      preview([entry], () => {
        sku.value = '';
        amount.value = '';
        member.value = '';
        from.value = '';
        to.value = '';
      });
    } catch (err) {
      say(message, err);
    }
  });

  const bulk = h('textarea', { rows: 6, spellcheck: 'false' });
  const bulkForm = h(
    'form',
    { 'aria-label': 'Paste many prices' },
    field(
      'pr-bulk',
      'Paste prices, one a line',
      bulk,
      'sku,price[,member price][,from] — like “OAT-1L,3.49,2.99,2026-12-01 08:00”',
    ),
    h('div', { class: 'actions' }, h('button', { type: 'submit' }, 'Preview pasted prices')),
  );
  bulkForm.addEventListener('submit', (e) => {
    e.preventDefault();
    try {
      preview(parseBulk(bulk.value), () => {
        bulk.value = '';
      });
    } catch (err) {
      say(message, err);
    }
  });

  async function preview(entries, cleared) {
    say(message, null);
    let answer;
    try {
      answer = await api('POST', '/api/pricing/preview/entries', { bookId: book.id, entries });
    } catch (err) {
      say(message, err);
      return;
    }
    pending = { entries, cleared };
    const rows = answer.entries;
    const moved = rows.reduce((n, r) => n + (r.storesAffected ? 1 : 0), 0);
    const save = h('button', { type: 'button' }, `Save ${rows.length} ${rows.length === 1 ? 'price' : 'prices'}`);
    const cancel = h('button', { type: 'button', class: 'secondary' }, 'Discard');
    save.addEventListener('click', () => commit());
    cancel.addEventListener('click', () => {
      pending = null;
      previewArea.replaceChildren();
      say(message, null, 'Nothing was saved.');
    });
    previewArea.replaceChildren(
      h('h3', { id: 'pr-preview-title', tabindex: -1 }, 'Before you save'),
      h('p', {}, `${moved} of ${rows.length} skus change price at one store or more.`),
      table(
        'The skus this change touches',
        ['Product', 'Takes effect', 'Price now', 'After', 'Change', 'Stores affected'],
        rows,
        (r) => [
          product(r.name, r.sku),
          when(r.at),
          h('span', { class: 'num' }, price(r.nowMinor)),
          h('span', { class: 'num' }, price(r.afterMinor)),
          change(r.changeBp),
          h('span', { class: 'num' }, `${r.storesAffected} of ${r.stores}`),
        ],
      ),
      h('div', { class: 'actions' }, save, cancel),
    );
    previewArea.querySelector('h3').focus();
  }

  async function commit() {
    if (!pending) return;
    const { entries, cleared } = pending;
    try {
      const r = await api(
        'POST',
        `/api/pricing/books/${book.id}/entries`,
        { entries },
        { 'Idempotency-Key': newKey() },
      );
      pending = null;
      previewArea.replaceChildren();
      cleared();
      say(message, null, `Saved ${r.written} ${r.written === 1 ? 'price' : 'prices'} (revision ${r.revision}).`);
      await Promise.all([load(null), onChanged()]);
    } catch (err) {
      say(message, err);
    }
  }

  async function load(from) {
    after = from;
    const qs = new URLSearchParams({ limit: String(PAGE) });
    if (search.value.trim()) qs.set('sku', search.value.trim());
    if (from) qs.set('after', from);
    let page;
    try {
      page = await api('GET', `/api/pricing/books/${book.id}/entries?${qs}`);
    } catch (err) {
      list.replaceChildren(h('p', { role: 'alert', class: 'error' }, `Prices cannot be shown: ${err.message}`));
      return;
    }
    const more = page.next
      ? h('button', { type: 'button', class: 'secondary', onclick: () => load(page.next) }, 'More prices')
      : '';
    list.replaceChildren(
      table(
        `Prices in ${book.name}${after ? ' (continued)' : ''}`,
        ['Sku', 'Price', 'Member price', 'From', 'Until', ''],
        listOf(page, 'entries'),
        (e) => [
          e.sku,
          h('span', { class: 'num' }, price(e.priceMinor)),
          h('span', { class: 'num' }, price(e.memberPriceMinor)),
          when(e.from),
          e.to ? when(e.to) : 'until replaced',
          h(
            'button',
            {
              type: 'button',
              class: 'danger',
              'aria-label': `Delete the price of ${e.sku} from ${when(e.from)}`,
              onclick: () => remove(e),
            },
            'Delete',
          ),
        ],
      ),
      h('div', { class: 'actions' }, more),
    );
  }

  async function remove(e) {
    const ok = await confirmDialog({
      title: 'Delete this price?',
      body: [
        h('p', {}, `${e.sku} at ${price(e.priceMinor)} from ${when(e.from)} leaves ${book.name}.`),
        h('p', {}, 'Stores drop it at their next pull; the next price in line stands.'),
      ],
      confirm: 'Delete price',
    });
    if (!ok) return;
    try {
      await api('DELETE', `/api/pricing/books/${book.id}/entries/${e.id}`, undefined, { 'Idempotency-Key': newKey() });
      say(message, null, `The price of ${e.sku} is deleted.`);
      await Promise.all([load(null), onChanged()]);
    } catch (err) {
      say(message, err);
    }
  }

  section.append(title, message, searchForm, list, addForm, bulkForm, previewArea);
  return {
    section,
    async open(b) {
      book = b;
      pending = null;
      previewArea.replaceChildren();
      say(message, null);
      title.textContent = `Prices in ${b.name}`;
      section.hidden = false;
      await load(null);
      title.focus();
    },
  };
}

function renderLookup(state) {
  const { api } = state;
  const section = h('section', { class: 'card', 'aria-labelledby': 'pr-lookup-title' });
  const area = h('div', { 'aria-live': 'polite' });
  const sku = h('input', { type: 'text', autocomplete: 'off', required: true });
  const store = h(
    'select',
    {},
    h('option', { value: '' }, 'Online (no store)'),
    state.stores.map((s) => h('option', { value: s.storeId }, storeLabel(s, s.storeId))),
  );
  const form = h(
    'form',
    { class: 'grid', 'aria-label': 'A sku’s price' },
    field('pr-lookup-sku', 'Sku', sku),
    field('pr-lookup-store', 'At', store),
    h('button', { type: 'submit' }, 'Show price'),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const qs = store.value ? `?storeId=${store.value}` : '';
    try {
      const r = await api('GET', `/api/pricing/skus/${encodeURIComponent(sku.value.trim())}${qs}`);
      area.replaceChildren(
        h(
          'dl',
          {},
          h('dt', {}, 'Catalog price'),
          h('dd', {}, price(r.catalogPriceMinor)),
          h('dt', {}, 'Price now'),
          h('dd', {}, price(r.now?.unitPriceMinor), r.now?.bookId ? '' : ' (the catalog’s)'),
          h('dt', {}, 'Member price now'),
          h('dd', {}, price(r.now?.memberPriceMinor)),
        ),
        table(
          `Upcoming prices of ${r.sku}`,
          ['Price', 'Member price', 'From', 'Until'],
          listOf(r.upcoming, 'entries'),
          (u) => [price(u.priceMinor), price(u.memberPriceMinor), when(u.from), u.to ? when(u.to) : 'until replaced'],
        ),
      );
    } catch (err) {
      area.replaceChildren(h('p', { role: 'alert', class: 'error' }, err.message));
    }
  });
  section.append(h('h2', { id: 'pr-lookup-title' }, 'A sku’s price'), form, area);
  return { section, load: async () => {} };
}
