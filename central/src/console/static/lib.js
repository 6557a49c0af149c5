// Helpers shared by console pages (plain browser ES modules; no build step).

import { callJson, h, money, say } from '/shared/dom.js';

export { h, money, say };

/** The session's CSRF token, from the readable `sf_csrf` cookie the hub sets at sign-in (issue #27). */
export function csrfToken() {
  for (const part of document.cookie.split(';')) {
    const [name, ...value] = part.trim().split('=');
    if (name === 'sf_csrf') return decodeURIComponent(value.join('='));
  }
  return undefined;
}

const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const CSRF_REFUSED = 'missing or wrong CSRF token';

/** The headers a write adds: `X-CSRF-Token` from the cookie (none when there is no cookie, or for a read). */
export const csrfHeaders = (method) => {
  const token = WRITES.has(method.toUpperCase()) ? csrfToken() : undefined;
  return token ? { 'X-CSRF-Token': token } : {};
};

/**
 * Calls the hub's API with the session cookie; throws an Error carrying the problem+json detail on failure. `headers`
 * are added (an Idempotency-Key for a write that must not happen twice). A write carries the session's CSRF token; if
 * the hub refuses it for a missing or stale token (the cookie was lost), the token is asked for again once
 * (`GET /api/auth/csrf`, which sets the cookie again) and the write sent again. A 401 (the session ended) is told to
 * the console's shell as a `storefleet:signed-out` event whose detail is the hub's reason, before it is thrown.
 */
export async function api(method, path, body, headers = {}) {
  const send = () => callJson(method, path, body, 'The hub cannot be reached.', { ...csrfHeaders(method), ...headers });
  try {
    return await send();
  } catch (err) {
    // the session ended (idle or absolute limit, signed out elsewhere): the shell shows the sign-in form and why
    if (err.status === 401 && path !== '/api/auth/login')
      window.dispatchEvent(new CustomEvent('storefleet:signed-out', { detail: err.message }));
    if (err.status !== 403 || !String(err.message).startsWith(CSRF_REFUSED)) throw err;
    await callJson('GET', '/api/auth/csrf', undefined, 'The hub cannot be reached.');
    return send();
  }
}

export const time = (ms) => (ms ? new Date(ms).toLocaleString() : '—');
export const ago = (ms, now = Date.now()) => {
  if (!ms) return 'never';
  const s = Math.max(0, Math.round((now - ms) / 1000));
  return s < 60 ? `${s} s ago` : s < 3600 ? `${Math.round(s / 60)} min ago` : `${Math.round(s / 3600)} h ago`;
};

/** A moment as the console shows it, in the viewer's zone: "Sat, Nov 28, 2026, 3:04 PM"; `—` for none. */
export const when = (ms) =>
  ms
    ? new Date(ms).toLocaleString(undefined, {
        weekday: 'short',
        day: 'numeric',
        month: 'short',
        year: 'numeric',
        hour: 'numeric',
        minute: '2-digit',
      })
    : '—';

/**
 * A store's local day (`YYYY-MM-DD`) as people read it ("Mon, Jun 3, 2024"); the day is already the store's, so no
 * zone shifts it. `opts` (Intl date options) for a shorter or longer form.
 */
export const dayLabel = (day, opts = { weekday: 'short', day: 'numeric', month: 'short', year: 'numeric' }) =>
  new Date(`${day}T00:00:00Z`).toLocaleDateString(undefined, { timeZone: 'UTC', ...opts });

/**
 * A duration as people say it, the one format of the console: "120 ms", "45 s", "3 min", "1 h 20 min"; `—` for no
 * number (an answer from an older hub without the field).
 */
export function duration(ms) {
  if (typeof ms !== 'number' || !Number.isFinite(ms)) return '—';
  if (ms < 1000) return `${Math.max(0, Math.round(ms))} ms`;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${s} s`;
  const m = Math.round(s / 60);
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
}

/** A table with a caption and headers; `row(item)` returns the cells (strings or nodes). */
export function table(caption, headers, items, row, onPick) {
  return h(
    'table',
    {},
    h('caption', {}, caption),
    h(
      'thead',
      {},
      h(
        'tr',
        {},
        headers.map((t) => h('th', { scope: 'col' }, t)),
      ),
    ),
    h(
      'tbody',
      {},
      items.length
        ? items.map((it) => {
            const tr = h(
              'tr',
              onPick
                ? {
                    tabindex: 0,
                    class: 'pick',
                    onclick: () => onPick(it),
                    onkeydown: (e) => e.key === 'Enter' && onPick(it),
                  }
                : {},
              row(it).map((c) => h('td', {}, c)),
            );
            return tr;
          })
        : h('tr', {}, h('td', { colspan: headers.length, class: 'empty' }, 'Nothing to show')),
    ),
  );
}

/**
 * A line chart as SVG: `series` = [{ name, points: [[x, y], …] }]; x is epoch ms. Labelled for screen readers by
 * `title`; the latest value of each series is printed in the legend.
 */
export function lineChart(title, series, { height = 180 } = {}) {
  const width = 640;
  const pad = { l: 44, r: 8, t: 8, b: 22 };
  const all = series.flatMap((s) => s.points);
  const svgNs = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(svgNs, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', title);
  svg.classList.add('chart');
  const el = (tag, attrs, text) => {
    const e = document.createElementNS(svgNs, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    svg.append(e);
    return e;
  };
  if (!all.length) {
    el('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'muted' }, 'No samples yet');
    return h('figure', {}, svg, h('figcaption', {}, title));
  }
  const xs = all.map((p) => p[0]);
  const ys = all.map((p) => p[1]);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(0, ...ys), Math.max(1, ...ys)];
  const sx = (x) => pad.l + ((x - x0) / Math.max(1, x1 - x0)) * (width - pad.l - pad.r);
  const sy = (y) => height - pad.b - ((y - y0) / Math.max(1e-9, y1 - y0)) * (height - pad.t - pad.b);
  el('line', { x1: pad.l, y1: sy(y0), x2: width - pad.r, y2: sy(y0), class: 'axis' });
  el('text', { x: pad.l - 4, y: sy(y1) + 4, 'text-anchor': 'end', class: 'tick' }, String(y1));
  el('text', { x: pad.l - 4, y: sy(y0), 'text-anchor': 'end', class: 'tick' }, String(y0));
  el('text', { x: pad.l, y: height - 4, class: 'tick' }, new Date(x0).toLocaleTimeString());
  el(
    'text',
    { x: width - pad.r, y: height - 4, 'text-anchor': 'end', class: 'tick' },
    new Date(x1).toLocaleTimeString(),
  );
  series.forEach((s, i) => {
    if (!s.points.length) return;
    const d = s.points.map((p, j) => `${j ? 'L' : 'M'}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(' ');
    el('path', { d, class: `line s${i}` });
  });
  const legend = h(
    'figcaption',
    {},
    title,
    ' — ',
    series.map((s, i) => h('span', { class: `key s${i}` }, `${s.name}: ${s.points.at(-1)?.[1] ?? '—'} `)),
  );
  return h('figure', {}, svg, legend);
}

/** Shows an error (or clears it) in a page's alert area. */
export const showError = (area, err) => say(area, err);

/** "S001 — Riverside" for a store record (`{ code, name }`), or its id when it has none. */
/**
 * An id shortened for people (`…3f9c2a71`): its tail, since ids are UUIDv7, whose first characters are the time it was
 * made (every hold or order made in the same minute would share a head). `—` for none. The one shortening the console
 * uses, everywhere an id shows.
 */
export const idTail = (id) => (id ? `…${String(id).slice(-8)}` : '—');

export const storeLabel = (s, id) => (s?.code ? `${s.code} — ${s.name}` : (id ?? '—'));

/**
 * The stores a page may show, and which one it shows: head office picks any store (a select filled from the fleet);
 * a store manager is fixed to their own store (no picker, the store named instead). Returns `{ stores, storeId,
 * control, fixed }`: `control` is what to put in the page's filter form (a labelled select, or the store's name).
 */
export async function storeScope({ api, me, params }, id) {
  if (me?.role === 'STORE_MANAGER') {
    const own = me.store ?? { storeId: me.storeId, code: '', name: me.storeId };
    return {
      stores: [own],
      storeId: me.storeId,
      fixed: true,
      control: h(
        'div',
        {},
        h('span', { class: 'label' }, 'Store'),
        h('span', { class: 'fixed-store' }, storeLabel(own)),
      ),
    };
  }
  const stores = (await api('GET', '/api/sync/stores')).items;
  const storeId = params.get('store') ?? stores[0]?.storeId;
  const select = h(
    'select',
    { id },
    stores.map((s) => h('option', { value: s.storeId, selected: s.storeId === storeId }, storeLabel(s))),
  );
  return {
    stores,
    storeId,
    fixed: false,
    select,
    control: h('div', {}, h('label', { for: id }, 'Store'), select),
  };
}

const productNameCache = new Map();

/**
 * The catalog's name of each sku (one read per sku per page load, shared by every page): a Map sku → name, without
 * the skus the catalog does not hold. For responses that carry skus only.
 */
export async function productNames(api, skus) {
  const missing = [...new Set(skus)].filter((s) => !productNameCache.has(s));
  await Promise.all(
    missing.map((sku) =>
      productNameCache.set(
        sku,
        api('GET', `/api/catalog/products/${encodeURIComponent(sku)}`).then(
          (p) => p.name,
          () => null,
        ),
      ),
    ),
  );
  const names = new Map();
  for (const sku of new Set(skus)) {
    const name = await productNameCache.get(sku);
    if (name) names.set(sku, name);
  }
  return names;
}

/** A product as the console names it: its name, with the sku after it in a quieter type ("Oat milk 1 l · OAT-1L"), linked to its product page (`#/product?sku=`). */
export const product = (name, sku) =>
  h(
    'a',
    {
      href: `#/product?sku=${encodeURIComponent(sku)}`,
      class: 'product',
      // inside a row that opens something else on click or Enter, the link wins
      onclick: (e) => e.stopPropagation(),
      onkeydown: (e) => e.stopPropagation(),
    },
    name ? [name, ' ', h('span', { class: 'sku' }, sku)] : h('span', { class: 'sku' }, sku),
  );

/**
 * Asks before an action that cannot be undone, in a modal dialog that says what will happen: `body` (nodes or
 * strings). Resolves true when `confirm` is pressed, false on Cancel or Escape. Focus starts on Cancel (the safe
 * choice) and returns to where it was.
 */
export function confirmDialog({ title, body, confirm, danger = true }) {
  return new Promise((resolve) => {
    const back = document.activeElement;
    const cancel = h('button', { type: 'button', class: 'secondary', value: 'cancel' }, 'Keep it');
    const ok = h('button', { type: 'button', class: danger ? 'danger' : '', value: 'ok' }, confirm);
    const dialog = h(
      'dialog',
      { class: 'confirm', 'aria-labelledby': 'confirm-title', 'aria-describedby': 'confirm-body' },
      h('h2', { id: 'confirm-title' }, title),
      h('div', { id: 'confirm-body' }, body),
      h('div', { class: 'actions' }, cancel, ok),
    );
    const done = (answer) => {
      dialog.close();
      dialog.remove();
      if (back instanceof HTMLElement && back.isConnected) back.focus();
      resolve(answer);
    };
    cancel.addEventListener('click', () => done(false));
    ok.addEventListener('click', () => done(true));
    dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      done(false);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
  });
}
