// Customers: find one by name, e-mail or phone (contacts masked in the list), then their profile, their orders by
// order number and their cart. Head office only: customers are not a store's.
import { ago, h, idTail, money, product, showError, table, when } from '/console/lib.js';
const STATUS = {
  PENDING: 'in progress',
  CONFIRMED: 'confirmed',
  COMPENSATING: 'being undone',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  PICKED_UP: 'picked up',
};
const fulfilmentText = (f) =>
  f?.type === 'SHIP' ? 'delivery' : f?.type === 'CURBSIDE' ? 'curbside pickup' : f?.type ? 'pickup in store' : '—';

function searchView({ el, api, params, navigate }) {
  const input = h('input', {
    id: 'customer-q',
    type: 'search',
    value: params.get('q') ?? '',
    placeholder: 'name, e-mail or phone',
    autocomplete: 'off',
    minlength: 2,
    required: true,
  });
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Find a customer' },
    h('div', {}, h('label', { for: 'customer-q' }, 'Find a customer'), input),
    h('button', { type: 'submit' }, 'Search'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    navigate('customers', { q: input.value.trim() });
  });
  const errors = h('div');
  const results = h('div', { class: 'card', 'aria-live': 'polite' });
  el.append(form, errors, results);
  const q = params.get('q')?.trim();
  if (!q) {
    results.append(
      h('p', { class: 'muted' }, 'Type at least two letters of a name or e-mail, or three digits of a phone number.'),
    );
    input.focus();
    return;
  }
  const shown = [];
  let next = null;
  const more = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Show more customers');
  const load = async () => {
    const page = await api(
      'GET',
      `/api/customers/search?${new URLSearchParams({ q, limit: '25', ...(next ? { after: next } : {}) })}`,
    );
    shown.push(...page.items);
    next = page.next;
    more.hidden = !next;
    results.replaceChildren(
      table(
        `Customers matching “${q}”${next ? ` (the first ${shown.length})` : ` (${shown.length})`}`,
        ['Name', 'E-mail', 'Phone', 'Customer since'],
        shown,
        (c) => [c.name, c.email ?? '—', c.phone ?? '—', when(c.createdAt)],
        (c) => navigate('customers', { id: c.id, q }),
      ),
      more,
    );
  };
  more.addEventListener('click', () =>
    load().then(
      () => showError(errors),
      (err) => showError(errors, err),
    ),
  );
  return load().catch((err) => showError(errors, err));
}

async function customerView({ el, api, params }) {
  const id = params.get('id');
  const back = params.get('q');
  const errors = h('div');
  el.append(
    h(
      'p',
      {},
      h('a', { href: back ? `#/customers?q=${encodeURIComponent(back)}` : '#/customers' }, '← Back to the search'),
    ),
    errors,
  );
  let c;
  try {
    c = await api('GET', `/api/customers/${encodeURIComponent(id)}`);
  } catch (err) {
    return void showError(errors, err.status === 404 || err.status === 400 ? new Error('No such customer.') : err);
  }
  document.getElementById('page-title').textContent = c.name;
  document.title = `${c.name} · Storefleet console`;
  const [orders, cart] = await Promise.all([
    api('GET', `/api/customers/${c.id}/orders`).catch((err) => ({ error: err })),
    api('GET', `/api/carts/${c.id}`).catch((err) => ({ error: err })),
  ]);
  el.append(
    h(
      'div',
      { class: 'card' },
      h('h2', {}, 'Profile'),
      h(
        'dl',
        { class: 'facts' },
        [
          ['Name', c.name],
          ['E-mail', c.email ?? '—'],
          ['Phone', c.phone ?? '—'],
          ['Customer since', `${when(c.createdAt)} (${ago(c.createdAt)})`],
          ['Profile changed', ago(c.updatedAt)],
        ].flatMap(([k, v]) => [h('dt', {}, k), h('dd', {}, v)]),
      ),
    ),
  );
  const ordersCard = h('div', { class: 'card' }, h('h2', {}, 'Orders'));
  if (orders.error) ordersCard.append(h('p', { role: 'alert', class: 'error' }, orders.error.message));
  else
    ordersCard.append(
      table(
        orders.items.length === 50 ? 'The newest 50 orders' : `Orders, newest first (${orders.items.length})`,
        ['Order', 'Placed', 'Status', 'Fulfilment', 'Items', 'Total'],
        orders.items,
        (o) => [
          h('a', { href: `#/orders?order=${o.id}`, class: 'nowrap' }, o.orderNumber ?? idTail(o.id)),
          when(o.createdAt),
          STATUS[o.status] ?? o.status.toLowerCase(),
          fulfilmentText(o.fulfilment),
          h(
            'ul',
            { class: 'plain' },
            o.lines.map((l) => h('li', {}, `${l.qty} × `, product(l.name ?? l.productName, l.sku))),
          ),
          money(o.totalMinor, o.currency),
        ],
      ),
    );
  const cartCard = h('div', { class: 'card' }, h('h2', {}, 'Cart'));
  if (cart.error) cartCard.append(h('p', { role: 'alert', class: 'error' }, cart.error.message));
  else if (!cart.lines.length) cartCard.append(h('p', {}, 'The cart is empty.'));
  else
    cartCard.append(
      h(
        'p',
        {},
        `${cart.itemCount} ${cart.itemCount === 1 ? 'item' : 'items'}, ${money(cart.subtotalMinor, cart.lines[0].currency)} before tax, for ${fulfilmentText(cart.fulfilment)}.`,
      ),
      table('In the cart', ['Product', 'Quantity', 'Price', 'Line total'], cart.lines, (l) => [
        product(l.name, l.sku),
        String(l.qty),
        money(l.unitPriceMinor, l.currency),
        money(l.totalMinor, l.currency),
      ]),
    );
  el.append(h('div', { class: 'grid' }, ordersCard, cartCard));
}

export default {
  async render(ctx) {
    if (ctx.params.get('id')) await customerView(ctx);
    else await searchView(ctx);
  },
};
