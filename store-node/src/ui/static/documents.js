// Documents (issue #22): what head office shares with this store — SOPs, planograms, forms — from the store node's
// copy, so it works with the hub away. Folders are sections (their path as a breadcrumb), a search box narrows by
// name or folder, each document says whether it is on this device. Opening one goes to the node (a new tab): PDFs,
// pictures and plain text show in the browser, anything else downloads; the node tells head office it was viewed.
import { api, h, statusBar } from '/store.js';

statusBar('Documents');
const $ = (id) => document.getElementById(id);

const size = (n) =>
  n < 1024 ? `${n} B` : n < 1048576 ? `${Math.round(n / 1024)} kB` : `${(n / 1048576).toFixed(1)} MB`;

/** Whether the node can reach the hub now (a document not on the device cannot be opened without it). */
let online = true;

async function refresh() {
  const q = $('find-q').value.trim();
  const status = $('find-status');
  try {
    const health = await api('GET', '/healthz').catch(() => ({ online: false }));
    online = health.online !== false;
    const { items } = await api('GET', `/api/vault/documents${q ? `?q=${encodeURIComponent(q)}` : ''}`);
    render(items);
    status.textContent = items.length
      ? `${items.length} document${items.length === 1 ? '' : 's'}${q ? ` matching “${q}”` : ''}.`
      : q
        ? `No document matches “${q}”.`
        : 'Head office has shared no document with this store yet.';
  } catch (err) {
    status.textContent = err.message;
  }
}

function render(items) {
  const byFolder = new Map();
  for (const d of items) {
    const key = d.path.join(' › ') || 'Top level';
    if (!byFolder.has(key)) byFolder.set(key, []);
    byFolder.get(key).push(d);
  }
  const sections = [...byFolder].map(([folder, docs], i) =>
    h(
      'section',
      { class: 'card', 'aria-labelledby': `folder-${i}` },
      h('h2', { id: `folder-${i}` }, folder),
      h('ul', {}, ...docs.map(docLine)),
    ),
  );
  $('folders').replaceChildren(...sections);
}

function docLine(d) {
  const where = d.cached ? 'on this device' : online ? 'fetched when opened' : 'not on this device yet';
  const meta = h('span', { class: 'muted' }, ` ${size(d.size)} · version ${d.versionNo} · ${where}`);
  if (!d.cached && !online)
    return h(
      'li',
      {},
      h('span', {}, d.name),
      meta,
      h('p', { class: 'muted' }, 'Open it once while the store is connected to head office.'),
    );
  return h(
    'li',
    {},
    h(
      'a',
      {
        href: `/api/vault/documents/${encodeURIComponent(d.documentId)}/content`,
        target: '_blank',
        rel: 'noopener',
        class: 'big-link',
        'aria-label': `${d.name} (opens in a new tab)`,
      },
      d.name,
    ),
    meta,
  );
}

let pending;
$('find-q').addEventListener('input', () => {
  clearTimeout(pending);
  pending = setTimeout(refresh, 200);
});
$('find-form').addEventListener('submit', (e) => {
  e.preventDefault();
  refresh();
});
refresh();
setInterval(refresh, 30_000);
