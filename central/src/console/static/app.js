// The console shell: sign-in, the menu of pages (core and modules), hash routing, and the live socket.
import { api, h, showError } from '/console/lib.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const badge = document.getElementById('live');

/**
 * Live messages from the hub; pages subscribe while they are shown. The hub sends the whole fleet once, then only the
 * stores that changed: pages always get `{ type: 'fleet', items }` with every store, merged here.
 */
const live = {
  listeners: new Set(),
  fleet: null,
  on(fn) {
    this.listeners.add(fn);
    if (this.fleet) fn({ type: 'fleet', items: [...this.fleet.values()] }); // the latest fleet state at once
    return () => this.listeners.delete(fn);
  },
  emit(m) {
    if (m.type === 'fleet') {
      if (m.complete || !this.fleet) this.fleet = new Map();
      for (const s of m.items) this.fleet.set(s.storeId, s);
      m = { type: 'fleet', items: [...this.fleet.values()] };
    }
    for (const fn of this.listeners) fn(m);
  },
};

function connectLive(delay = 500) {
  const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/api/console/live`);
  ws.onopen = () => {
    badge.textContent = 'live';
    badge.className = 'badge ok';
    delay = 500;
  };
  ws.onmessage = (e) => live.emit(JSON.parse(e.data));
  ws.onclose = () => {
    badge.textContent = 'reconnecting…';
    badge.className = 'badge warn';
    setTimeout(() => connectLive(Math.min(delay * 2, 10_000)), delay);
  };
}

function loginForm(message) {
  const error = h('div');
  const email = h('input', { id: 'email', type: 'email', autocomplete: 'username', required: true });
  const password = h('input', { id: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const form = h(
    'form',
    { class: 'login', 'aria-labelledby': 'login-title' },
    h('h1', { id: 'login-title' }, 'Sign in to the Storefleet console'),
    message ? h('p', {}, message) : '',
    h('label', { for: 'email' }, 'Email'),
    email,
    h('label', { for: 'password' }, 'Password'),
    password,
    h('button', { type: 'submit' }, 'Sign in'),
    error,
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      await api('POST', '/api/auth/login', { email: email.value, password: password.value });
      location.reload();
    } catch (err) {
      showError(error, err);
      password.select();
    }
  });
  main.replaceChildren(form);
  email.focus();
}

let pages = [];
let cleanup;
/** Who is signed in, as pages get it (`ctx.me`): `{ role, storeId, email, name, store }`. */
let me;
/** The page shown last: moving to another page moves focus to its heading; a re-render of the same page does not. */
let shownPath;

async function route() {
  const [path, query] = location.hash.replace(/^#\/?/, '').split('?');
  const page = pages.find((p) => p.path === path) ?? pages[0];
  if (!page) return void main.replaceChildren(h('p', {}, 'No console pages are open to your account.'));
  for (const a of nav.querySelectorAll('a')) {
    if (a.dataset.path === page.path) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  cleanup?.();
  cleanup = undefined;
  const heading = h('h1', { id: 'page-title', tabindex: -1 }, page.title);
  const el = h('section', { 'aria-labelledby': 'page-title' }, heading);
  main.replaceChildren(el);
  document.title = `${page.title} — Storefleet console`;
  // A screen-reader or keyboard user lands on the new page's title, not back on the menu link they chose.
  const moved = shownPath !== undefined && shownPath !== page.path;
  shownPath = page.path;
  if (moved || document.activeElement === document.body || document.activeElement === main) heading.focus();
  try {
    const mod = await import(page.script);
    cleanup = await mod.default.render({
      el,
      api,
      live,
      me,
      params: new URLSearchParams(query ?? ''),
      navigate: (p, params) => (location.hash = `#/${p}${params ? `?${new URLSearchParams(params)}` : ''}`),
    });
  } catch (err) {
    showError(el, err);
  }
}

const CONSOLE_ROLES = ['ADMIN', 'STORE_MANAGER'];

/** The header's "who is signed in": name, e-mail and role, and a manager's store. */
function showWho(who) {
  const role =
    who.role === 'ADMIN'
      ? 'Head office admin'
      : `Store manager, ${who.store ? `${who.store.code} — ${who.store.name}` : 'no store'}`;
  document
    .getElementById('who')
    .replaceChildren(
      h('span', { class: 'who-name' }, who.name || who.email),
      ' ',
      h('span', { class: 'who-email' }, who.name ? `(${who.email})` : ''),
      h('span', { class: 'who-role' }, role),
    );
}

/** The hub's reason a session ended, worth showing on the sign-in form ("…after 30 minutes without use…"). */
const endedBecause = (message) => (/^your session ended/i.test(message ?? '') ? message : undefined);

// A page's call that finds the session ended (issue #27: idle or absolute expiry) puts the sign-in form up, saying why.
let signedOutShown = false;
window.addEventListener('storefleet:signed-out', (e) => {
  if (signedOutShown || !me) return;
  signedOutShown = true;
  cleanup?.();
  cleanup = undefined;
  document.getElementById('signout').hidden = true;
  loginForm(endedBecause(e.detail) ?? 'Your session has ended; sign in again.');
});

async function boot() {
  let principal;
  try {
    principal = await api('GET', '/api/auth/me');
  } catch (err) {
    if (err.status === 401) return loginForm(endedBecause(err.message));
    return showError(main, err);
  }
  if (principal.kind !== 'user' || !CONSOLE_ROLES.includes(principal.role))
    return loginForm('The console needs a head-office ADMIN or a STORE_MANAGER account.');
  me = Object.freeze({
    role: principal.role,
    storeId: principal.storeId,
    email: principal.email,
    name: principal.name,
    store: principal.store ?? null,
  });
  showWho(me);
  const out = document.getElementById('signout');
  out.hidden = false;
  out.onclick = async () => {
    await api('POST', '/api/auth/logout');
    location.reload();
  };
  pages = (await api('GET', '/api/console/pages')).items;
  nav.replaceChildren(...pages.map((p) => h('a', { href: `#/${p.path}`, 'data-path': p.path }, p.title)));
  connectLive();
  window.addEventListener('hashchange', route);
  await route();
}

boot();
