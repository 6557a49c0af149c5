// The customers' shop (issue #26): browse, a cart shared live with the store's kiosk, pickup orders and their
// status. Plain ES modules; every call is POST /graphql or the graphql-ws socket on the same path.

import { h, money } from '/shared/dom.js';
import { gql, HubError, LiveSocket } from '/shop/gql.js';

const CART = `customerId
  lines { sku name qty unitPriceMinor lineTotalMinor }
  fulfilment { type storeId }
  subtotalMinor discountMinor totalMinor currency`;
const ORDER = `id number status customerId totalMinor currency placedAt pickupCode
  fulfilment { type storeId }
  lines { sku name qty unitPriceMinor }
  timeline { at status note }`;
const ACCOUNT = 'customerId email name guest loyaltyCard';

/** What the page knows: who is signed in (a guest too), the stores, the chosen store, the cart. */
const state = { me: null, stores: [], storeId: localStorage.getItem('shop.store') ?? '', cart: null };
const live = new LiveSocket();
let stopCart;
let stopOrder;
/** The placeKey of an order being placed: a retry after a lost answer sends the same one, so one order is made. */
let placeKey;

const main = document.getElementById('main');
const errorBox = document.getElementById('error');
const statusBox = document.getElementById('status');

const showError = (err) => {
  errorBox.textContent = err instanceof Error ? err.message : String(err);
  errorBox.hidden = false;
};
const clearError = () => {
  errorBox.hidden = true;
  errorBox.textContent = '';
};
/** Says what just happened, for everyone (the status line is aria-live). */
const tell = (text) => {
  statusBox.textContent = text;
};
/** Runs an action from a button or form: its error shown, the button off while it runs. */
async function act(button, fn) {
  clearError();
  if (button) button.disabled = true;
  try {
    await fn();
  } catch (err) {
    showError(err);
  } finally {
    if (button?.isConnected) button.disabled = false;
  }
}

const storeName = (id) => state.stores.find((s) => s.id === id)?.name ?? 'a store';
const signedIn = () => state.me && !state.me.guest;
const levelText = { IN_STOCK: 'In stock', LOW: 'Only a few left', OUT_OF_STOCK: 'Out of stock' };
const when = (iso) =>
  new Date(iso).toLocaleString(undefined, { day: 'numeric', month: 'short', hour: 'numeric', minute: '2-digit' });
const statusText = (s) =>
  ({
    PENDING: 'Being placed',
    CONFIRMED: 'Confirmed: being prepared at the store',
    COMPENSATING: 'Being cancelled',
    FAILED: 'Could not be placed',
    CANCELLED: 'Cancelled',
    PICKED_UP: 'Picked up',
    // the timeline's steps
    PLACED: 'Placed',
    RESERVE: 'Held at the store',
    AUTHORISE: 'Payment authorised',
    FULFIL: 'Sent to the store',
    CONFIRM: 'Confirmed',
  })[s] ?? s;

/** The view's heading, focused so a screen reader starts there and Tab goes on from the top of the view. */
function view(title, ...children) {
  const heading = h('h1', { tabindex: '-1' }, title);
  main.replaceChildren(heading, ...children);
  return heading;
}

// ---- who is signed in, and the cart that follows them ----------------------------------------------------------

function renderHeader() {
  const link = document.getElementById('account-link');
  link.textContent = signedIn() ? `Account (${state.me.name})` : 'Sign in';
  const count = state.cart ? state.cart.lines.reduce((n, l) => n + l.qty, 0) : 0;
  document.getElementById('cart-count').textContent = String(count);
  document.getElementById('cart-link').setAttribute('aria-label', `Cart, ${count} item${count === 1 ? '' : 's'}`);
}

function setCart(cart) {
  state.cart = cart;
  renderHeader();
  if (route().name === 'cart') renderCart(true);
}

/** Follows the cart live (a line the store's kiosk adds shows at once); the socket is reopened as the new caller. */
function followCart() {
  stopCart?.();
  stopCart = undefined;
  live.restart();
  if (!state.me) return;
  stopCart = live.subscribe(`subscription { cartChanged { ${CART} } }`, {}, (d) => setCart(d.cartChanged), showError);
}

async function setMe(me) {
  state.me = me;
  state.cart = null;
  renderHeader();
  followCart();
}

/** A session for a shopper who has none: a guest, whose cart moves into their account when they sign in or up. */
async function ensureSession() {
  if (state.me) return;
  const d = await gql(`mutation { startGuestSession { account { ${ACCOUNT} } } }`);
  await setMe(d.startGuestSession.account);
}

/**
 * The shop sells for pickup: a new cart (the hub's default is shipping) is set to pick up at the shopper's store
 * before its first line, so its stock is the store's. Without a chosen store the hub's own answer explains.
 */
async function pickUpAtMyStore() {
  if (!state.storeId) return;
  if (!state.cart) state.cart = (await gql(`query { cart { ${CART} } }`)).cart;
  if (state.cart?.fulfilment.type !== 'SHIP') return;
  const d = await gql(`mutation Pick($store: ID!) { setFulfilment(type: PICKUP, storeId: $store) { ${CART} } }`, {
    store: state.storeId,
  });
  setCart(d.setFulfilment);
}

async function addToCart(sku, name, button) {
  await act(button, async () => {
    await ensureSession();
    await pickUpAtMyStore();
    const d = await gql(`mutation Add($sku: ID!) { addToCart(sku: $sku, qty: 1) { ${CART} } }`, { sku });
    setCart(d.addToCart);
    tell(`Added ${name} to your cart.`);
  });
}

// ---- views ------------------------------------------------------------------------------------------------------

function route() {
  const [path, query = ''] = location.hash.replace(/^#/, '').split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const params = new URLSearchParams(query);
  if (parts[0] === 'product' && parts[1]) return { name: 'product', sku: parts[1] };
  if (parts[0] === 'cart') return { name: 'cart' };
  if (parts[0] === 'account') return { name: 'account' };
  if (parts[0] === 'reset' && parts[1]) return { name: 'reset', token: parts[1] };
  if (parts[0] === 'orders' && parts[1]) return { name: 'order', id: parts[1] };
  return { name: 'products', search: params.get('q') ?? '' };
}

async function renderProducts(search) {
  const input = h('input', { id: 'search', type: 'search', name: 'q', value: search, autocomplete: 'off' });
  const list = h('ul', { class: 'items', 'aria-label': 'Products' });
  const form = h(
    'form',
    {
      class: 'search',
      role: 'search',
      onsubmit: (e) => {
        e.preventDefault();
        location.hash = `#/?q=${encodeURIComponent(input.value.trim())}`;
      },
    },
    h('label', { for: 'search', class: 'inline' }, 'Search products'),
    input,
    h('button', { type: 'submit' }, 'Search'),
  );
  view(search ? `Products matching “${search}”` : 'Products', form, list);
  const d = await gql(
    `query Products($search: String) {
      products(search: $search, first: 20) { items { sku name category price { formatted } } }
    }`,
    { search: search || null },
  );
  if (!d.products.items.length) list.replaceWith(h('p', {}, 'No products match. Try another word.'));
  for (const p of d.products.items)
    list.append(
      h(
        'li',
        {},
        h(
          'span',
          { class: 'grow' },
          h('a', { href: `#/product/${encodeURIComponent(p.sku)}` }, p.name),
          p.category ? h('span', { class: 'muted' }, ` · ${p.category}`) : null,
        ),
        h('span', { class: 'price' }, p.price?.formatted ?? 'No price yet'),
        h(
          'button',
          {
            type: 'button',
            'aria-label': `Add ${p.name} to cart`,
            onclick: (e) => addToCart(p.sku, p.name, e.currentTarget),
          },
          'Add to cart',
        ),
      ),
    );
}

async function renderProduct(sku) {
  const at = state.storeId;
  const fields = at
    ? 'availability(storeId: $store) { available level } nearby(storeId: $store, first: 5) { storeId store { name } available level }'
    : '';
  const d = await gql(
    `query Product($sku: ID!${at ? ', $store: ID!' : ''}) {
      product(sku: $sku) { sku name category description price { formatted amountMinor memberAmountMinor currency } ${fields} }
    }`,
    at ? { sku, store: at } : { sku },
  );
  const p = d.product;
  if (!p)
    return view(
      'Product not found',
      h('p', {}, `No product has the code ${sku}. `, h('a', { href: '#/' }, 'Back to products')),
    );
  const stock = [];
  if (!at) stock.push(h('p', {}, 'Choose your store at the top to see its stock.'));
  else {
    const here = p.availability;
    stock.push(
      h(
        'p',
        {},
        `At ${storeName(at)}: `,
        h('strong', {}, here ? `${levelText[here.level]} (${here.available} available)` : 'not stocked'),
      ),
    );
    if (p.nearby.length)
      stock.push(
        h('h2', {}, 'Nearby stores with stock'),
        h(
          'ul',
          { class: 'items' },
          p.nearby.map((s) =>
            h(
              'li',
              {},
              h('span', { class: 'grow' }, s.store?.name ?? storeName(s.storeId)),
              `${levelText[s.level]} (${s.available})`,
            ),
          ),
        ),
      );
  }
  const member =
    p.price && p.price.memberAmountMinor != null && p.price.memberAmountMinor < p.price.amountMinor
      ? h('p', { class: 'muted' }, `Members pay ${money(p.price.memberAmountMinor, p.price.currency)}`)
      : null;
  view(
    p.name,
    h('p', { class: 'price' }, p.price?.formatted ?? 'No price yet'),
    member,
    p.category ? h('p', { class: 'muted' }, p.category) : null,
    p.description ? h('p', {}, p.description) : null,
    ...stock,
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', onclick: (e) => addToCart(p.sku, p.name, e.currentTarget) }, 'Add to cart'),
      h('a', { href: '#/' }, 'Back to products'),
    ),
  );
}

async function renderCart(refresh = false) {
  if (!state.me) return view('Your cart', h('p', {}, 'Your cart is empty. ', h('a', { href: '#/' }, 'Find products')));
  if (!refresh || !state.cart) {
    const d = await gql(`query { cart { ${CART} } }`);
    state.cart = d.cart;
    renderHeader();
  }
  const cart = state.cart;
  const focused = document.activeElement?.id;
  if (!cart?.lines.length) {
    view('Your cart', h('p', {}, 'Your cart is empty. ', h('a', { href: '#/' }, 'Find products')));
    if (!refresh) main.querySelector('h1').focus();
    return;
  }
  const change = async (mutation, vars, button) =>
    act(button, async () => {
      const d = await gql(mutation, vars);
      setCart(Object.values(d)[0]);
    });
  const lines = h(
    'ul',
    { class: 'items', 'aria-label': 'Cart lines' },
    cart.lines.map((l) => {
      const id = `qty-${l.sku}`;
      const qty = h('input', { id, class: 'qty', type: 'number', min: '0', max: '999', value: String(l.qty) });
      qty.addEventListener('change', () =>
        change(
          `mutation Qty($sku: ID!, $qty: Int!) { setCartQuantity(sku: $sku, qty: $qty) { ${CART} } }`,
          { sku: l.sku, qty: Number(qty.value) },
          qty,
        ),
      );
      return h(
        'li',
        { 'data-sku': l.sku },
        h(
          'span',
          { class: 'grow' },
          l.name,
          h('span', { class: 'muted' }, ` · ${money(l.unitPriceMinor, cart.currency)} each`),
        ),
        h('label', { for: id, class: 'inline' }, `Quantity of ${l.name}`),
        qty,
        h('span', { class: 'price' }, money(l.lineTotalMinor, cart.currency)),
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            'aria-label': `Remove ${l.name}`,
            onclick: (e) =>
              change(
                `mutation Rm($sku: ID!) { removeFromCart(sku: $sku) { ${CART} } }`,
                { sku: l.sku },
                e.currentTarget,
              ),
          },
          'Remove',
        ),
      );
    }),
  );
  // what the total adds to the lines after savings: the tax at the pickup store
  const tax = cart.totalMinor - (cart.subtotalMinor - cart.discountMinor);
  const pickup = cart.fulfilment.type === 'PICKUP' ? cart.fulfilment.storeId : null;
  const storeSelect = h(
    'select',
    { id: 'pickup-store' },
    h('option', { value: '' }, 'Choose a store'),
    state.stores.map((s) => h('option', { value: s.id, selected: s.id === pickup }, s.name)),
  );
  storeSelect.addEventListener('change', () => {
    if (!storeSelect.value) return;
    change(
      `mutation Pick($store: ID!) { setFulfilment(type: PICKUP, storeId: $store) { ${CART} } }`,
      { store: storeSelect.value },
      storeSelect,
    ).then(() => tell(`Pickup at ${storeName(storeSelect.value)}.`));
  });
  const place = h('button', { type: 'button', id: 'place-order', disabled: !pickup }, 'Place pickup order');
  place.addEventListener('click', () =>
    act(place, async () => {
      placeKey ??= crypto.randomUUID();
      const d = await gql(`mutation Place($key: String!) { placeOrder(placeKey: $key) { id number } }`, {
        key: placeKey,
      });
      placeKey = undefined;
      tell(`Order ${d.placeOrder.number} placed.`);
      location.hash = `#/orders/${d.placeOrder.id}`;
    }),
  );
  const heading = view(
    'Your cart',
    lines,
    h(
      'dl',
      { class: 'totals' },
      h('dt', {}, 'Subtotal'),
      h('dd', { id: 'cart-subtotal' }, money(cart.subtotalMinor, cart.currency)),
      cart.discountMinor ? [h('dt', {}, 'Savings'), h('dd', {}, `−${money(cart.discountMinor, cart.currency)}`)] : [],
      tax > 0 ? [h('dt', {}, 'Tax'), h('dd', {}, money(tax, cart.currency))] : [],
      h('dt', {}, 'Total'),
      h('dd', { id: 'cart-total' }, money(cart.totalMinor, cart.currency)),
    ),
    h('h2', {}, 'Pick up at'),
    h('label', { for: 'pickup-store' }, 'Pickup store'),
    storeSelect,
    h(
      'p',
      { class: 'muted', id: 'pickup-note' },
      pickup ? `Pickup at ${storeName(pickup)}.` : 'Choose a store to pick up from.',
    ),
    signedIn()
      ? h('div', { class: 'actions' }, place)
      : h(
          'p',
          {},
          h('a', { href: '#/account' }, 'Sign in or create an account'),
          ' to place your order; your cart comes with you.',
        ),
  );
  if (focused && document.getElementById(focused)) document.getElementById(focused).focus();
  else if (!refresh) heading.focus();
}

function field(id, label, attrs = {}) {
  return h('label', { for: id }, label, h('input', { id, name: id, required: true, ...attrs }));
}

async function renderAccount() {
  if (signedIn()) {
    const d = await gql('query { orders(first: 20) { items { id number status totalMinor currency placedAt } } }');
    const out = h('button', { type: 'button', id: 'sign-out' }, 'Sign out');
    out.addEventListener('click', () =>
      act(out, async () => {
        await gql('mutation { signOut }');
        stopOrder?.();
        await setMe(null);
        tell('You are signed out.');
        location.hash = '#/';
        render();
      }),
    );
    return view(
      `Hello, ${state.me.name}`,
      h('p', {}, `Signed in as ${state.me.email}.`),
      state.me.loyaltyCard ? h('p', {}, `Loyalty card ${state.me.loyaltyCard}`) : null,
      h('h2', {}, 'Your orders'),
      d.orders.items.length
        ? h(
            'ul',
            { class: 'items' },
            d.orders.items.map((o) =>
              h(
                'li',
                {},
                h('a', { class: 'grow', href: `#/orders/${o.id}` }, o.number),
                statusText(o.status),
                h('span', { class: 'price' }, money(o.totalMinor, o.currency)),
              ),
            ),
          )
        : h('p', {}, 'No orders yet.'),
      h('div', { class: 'actions' }, out),
    );
  }
  const signedInAs = async (payload, text) => {
    await setMe(payload.account);
    tell(text);
    location.hash = '#/cart';
  };
  const form = (label, fields, submit) => {
    const button = h('button', { type: 'submit' }, label);
    const f = h('form', { 'aria-label': label }, fields, button);
    f.addEventListener('submit', (e) => {
      e.preventDefault();
      act(button, () => submit(new FormData(f)));
    });
    return f;
  };
  const signIn = form(
    'Sign in',
    [
      field('in-email', 'E-mail', { type: 'email', autocomplete: 'email' }),
      field('in-password', 'Password', { type: 'password', autocomplete: 'current-password' }),
    ],
    async (f) => {
      const d = await gql(
        `mutation In($email: String!, $password: String!) { signIn(email: $email, password: $password) { account { ${ACCOUNT} } } }`,
        { email: f.get('in-email'), password: f.get('in-password') },
      );
      await signedInAs(d.signIn, `Signed in. Welcome back, ${d.signIn.account.name}.`);
    },
  );
  const signUp = form(
    'Create account',
    [
      field('up-name', 'Your name', { autocomplete: 'name' }),
      field('up-email', 'E-mail', { type: 'email', autocomplete: 'email' }),
      field('up-password', 'Password (at least 10 characters)', {
        type: 'password',
        autocomplete: 'new-password',
        minlength: '10',
      }),
    ],
    async (f) => {
      const d = await gql(
        `mutation Up($email: String!, $password: String!, $name: String!) {
          signUp(email: $email, password: $password, name: $name) { account { ${ACCOUNT} } }
        }`,
        { email: f.get('up-email'), password: f.get('up-password'), name: f.get('up-name') },
      );
      await signedInAs(d.signUp, `Welcome, ${d.signUp.account.name}. Your account is ready.`);
    },
  );
  const codeEmail = field('code-email', 'E-mail', { type: 'email', autocomplete: 'email' });
  const codeField = field('code', 'Code from the e-mail', { autocomplete: 'one-time-code', inputmode: 'numeric' });
  codeField.hidden = true;
  const byCode = form('E-mail me a sign-in code', [codeEmail, codeField], async (f) => {
    if (codeField.hidden) {
      await gql('mutation Code($email: String!) { requestSignInCode(email: $email) }', { email: f.get('code-email') });
      codeField.hidden = false;
      byCode.querySelector('button').textContent = 'Sign in with the code';
      tell('If that e-mail has an account, a code is on its way.');
      codeField.querySelector('input').focus();
      return;
    }
    const d = await gql(
      `mutation Verify($email: String!, $code: String!) { signInWithCode(email: $email, code: $code) { account { ${ACCOUNT} } } }`,
      { email: f.get('code-email'), code: f.get('code') },
    );
    await signedInAs(d.signInWithCode, `Signed in. Welcome, ${d.signInWithCode.account.name}.`);
  });
  codeField.querySelector('input').required = false;
  view(
    'Sign in',
    state.me?.guest
      ? h('p', {}, 'You are shopping as a guest: sign in or create an account and your cart comes with you.')
      : null,
    signIn,
    h('h2', {}, 'New here?'),
    signUp,
    h('h2', {}, 'No password?'),
    byCode,
  );
}

/**
 * The mailed reset link's page (`/shop/#/reset/<token>`): the token rides in the fragment, which the browser never
 * sends, and leaves only in the resetPassword call's body. Every session ends then, so the shopper signs in anew.
 */
function renderReset(token) {
  const button = h('button', { type: 'submit' }, 'Set the new password');
  const form = h(
    'form',
    { 'aria-label': 'Choose a new password' },
    field('reset-password', 'New password (at least 10 characters)', {
      type: 'password',
      autocomplete: 'new-password',
      minlength: '10',
    }),
    button,
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    act(button, async () => {
      await gql(
        'mutation Reset($token: String!, $password: String!) { resetPassword(token: $token, password: $password) }',
        {
          token,
          password: new FormData(form).get('reset-password'),
        },
      );
      await setMe(null);
      tell('Your password is changed and every session is signed out. Sign in with the new password.');
      location.hash = '#/account';
    });
  });
  view('Choose a new password', h('p', {}, 'The link works once. Choosing a password signs you out everywhere.'), form);
}

async function renderOrder(id) {
  const d = await gql(`query Order($id: ID!) { order(id: $id) { ${ORDER} } }`, { id });
  const status = h('p', { class: 'order-status', role: 'status', id: 'order-status' });
  const timeline = h('ol', { class: 'timeline', id: 'timeline' });
  const code = h('p', { id: 'pickup-code' });
  const show = (o) => {
    status.textContent = `Status: ${statusText(o.status)}`;
    status.dataset.status = o.status;
    timeline.replaceChildren(
      ...o.timeline.map((e) => h('li', {}, `${when(e.at)}: ${statusText(e.status)}`, e.note ? ` (${e.note})` : '')),
    );
    code.replaceChildren(
      o.pickupCode
        ? h('span', {}, 'Pickup code: ', h('span', { class: 'code' }, o.pickupCode))
        : h('span', { class: 'muted' }, 'Your pickup code shows here once the store has your order.'),
    );
  };
  const o = d.order;
  view(
    `Order ${o.number}`,
    status,
    h(
      'p',
      {},
      `Placed ${when(o.placedAt)}`,
      o.fulfilment.storeId ? ` · pickup at ${storeName(o.fulfilment.storeId)}` : '',
    ),
    code,
    h(
      'ul',
      { class: 'items', 'aria-label': 'Order lines' },
      o.lines.map((l) =>
        h('li', {}, h('span', { class: 'grow' }, `${l.qty} × ${l.name}`), money(l.qty * l.unitPriceMinor, o.currency)),
      ),
    ),
    h('p', { class: 'price' }, `Total ${money(o.totalMinor, o.currency)}`),
    h('h2', {}, 'What happened so far'),
    timeline,
  ).focus();
  show(o);
  stopOrder = live.subscribe(
    `subscription Watch($id: ID!) { orderStatus(id: $id) { ${ORDER} } }`,
    { id },
    (x) => show(x.orderStatus),
    showError,
  );
}

let rendering = 0;
async function render() {
  const mine = ++rendering;
  stopOrder?.();
  stopOrder = undefined;
  clearError();
  const r = route();
  try {
    if (r.name === 'products') await renderProducts(r.search);
    else if (r.name === 'product') await renderProduct(r.sku);
    else if (r.name === 'cart') await renderCart();
    else if (r.name === 'account') await renderAccount();
    else if (r.name === 'order') await renderOrder(r.id);
    else if (r.name === 'reset') renderReset(r.token);
    if (mine === rendering && r.name !== 'order' && r.name !== 'cart') main.querySelector('h1')?.focus();
  } catch (err) {
    if (mine !== rendering) return;
    if (err instanceof HubError && err.code === 'UNAUTHENTICATED' && state.me) await setMe(null);
    showError(err);
  }
}

async function start() {
  const storeSelect = document.getElementById('store');
  storeSelect.addEventListener('change', () => {
    state.storeId = storeSelect.value;
    localStorage.setItem('shop.store', state.storeId);
    if (route().name === 'product') render();
  });
  try {
    const d = await gql(`query { me { ${ACCOUNT} } stores(first: 50) { id name } }`);
    state.stores = d.stores;
    if (state.storeId && !d.stores.some((s) => s.id === state.storeId)) state.storeId = '';
    for (const s of d.stores)
      storeSelect.append(h('option', { value: s.id, selected: s.id === state.storeId }, s.name));
    await setMe(d.me);
  } catch (err) {
    showError(err);
  }
  live.onState = (s) => document.body.setAttribute('data-live', s);
  window.addEventListener('hashchange', render);
  await render();
}

start();
