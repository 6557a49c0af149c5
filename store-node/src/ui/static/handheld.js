// The associate's handheld (a narrow screen), one task per tab: stock look-up, receiving, cycle counts, RFID drift and
// the node's devices. The chosen tab is the URL's hash (#count), so a reload or a bookmark keeps it. The hash names no
// element (the panels are #panel-count…): the browser would otherwise scroll to the panel and take focus there on load.
import { api, canScanWithCamera, h, money, placeholder, say, scanWithCamera, statusBar, time } from '/store.js';
import { mountTagFilter } from '/tag-filter.js';

statusBar('Handheld');
const $ = (id) => document.getElementById(id);

// ---- Tabs (WAI-ARIA tabs: arrow keys move between them, Home/End to the ends; one tab stop) ----

const tabs = [...document.querySelectorAll('[role="tab"]')];
const panelOf = (tab) => $(tab.getAttribute('aria-controls'));
const nameOf = (tab) => tab.id.replace(/^tab-/, '');
/** Work a tab does while it is shown (the RFID and device lists refresh only when someone looks at them). */
const onShow = { rfid: () => refreshRfid(), devices: () => refreshDevices() };
/** Products by tag and by tag query (issue #20), from the store's copy of the tags: under the stock look-up. */
const tagSearch = mountTagFilter(document.getElementById('tag-search'), { mode: 'handheld' });
void tagSearch.load();

function selectTab(tab, { focusTab = false } = {}) {
  for (const t of tabs) {
    const chosen = t === tab;
    t.setAttribute('aria-selected', String(chosen));
    t.tabIndex = chosen ? 0 : -1;
    panelOf(t).hidden = !chosen;
  }
  const id = nameOf(tab);
  if (location.hash !== `#${id}`) history.replaceState(null, '', `#${id}`);
  if (focusTab) tab.focus();
  void onShow[id]?.();
}
const tabFor = (hash) => tabs.find((t) => `#${nameOf(t)}` === hash);

$('tabs').addEventListener('keydown', (e) => {
  const at = tabs.indexOf(document.activeElement);
  if (at < 0) return;
  const to = { ArrowRight: at + 1, ArrowLeft: at - 1, Home: 0, End: tabs.length - 1 }[e.key];
  if (to === undefined) return;
  e.preventDefault();
  selectTab(tabs[(to + tabs.length) % tabs.length], { focusTab: true });
});
for (const t of tabs) t.addEventListener('click', () => selectTab(t));
window.addEventListener('hashchange', () => {
  const t = tabFor(location.hash);
  if (t) selectTab(t);
});

// ---- Sku fields: typed, from a handheld scanner (keyboard wedge), or from the camera where the browser reads codes ----

if (canScanWithCamera())
  for (const b of document.querySelectorAll('button.camera')) {
    b.hidden = false;
    b.addEventListener('click', async () => {
      const field = $(b.dataset.for);
      const code = await scanWithCamera();
      field.focus();
      if (!code) return;
      field.value = code;
      if (field.form.id === 'lookup-form') field.form.requestSubmit();
    });
  }

/** Opens a tab with its sku field filled (from a look-up result), ready for the quantity. */
function startWith(tabId, sku) {
  selectTab(tabFor(`#${tabId}`));
  $(`${tabId}-sku`).value = sku;
  $(`${tabId}-qty`).focus();
}

// ---- Look-up ----

const onHandBadge = (n) =>
  h('span', { class: `badge ${n > 0 ? 'ok' : 'warn'}` }, n > 0 ? `${n} on hand` : 'none on hand');

function productCard(p) {
  const title = `lookup-${p.sku}`;
  return h(
    'article',
    { class: 'found', 'aria-labelledby': title },
    placeholder(p.category, 'small'),
    h('h3', { id: title }, p.name),
    h(
      'p',
      { class: 'muted' },
      [p.sku, p.gtin ? `barcode ${p.gtin.replace(/^0+(?=\d{13}$)/, '')}` : null, p.category]
        .filter(Boolean)
        .join(' · '),
    ),
    h(
      'p',
      {},
      onHandBadge(p.onHand),
      p.priceMinor === undefined ? '' : h('span', { class: 'price' }, ` ${money(p.priceMinor, p.currency)}`),
    ),
    h(
      'div',
      { class: 'actions' },
      h(
        'button',
        { type: 'button', class: 'secondary', onclick: () => startWith('receive', p.sku) },
        'Receive',
        h('span', { class: 'visually-hidden' }, ` ${p.name}`),
      ),
      h(
        'button',
        { type: 'button', class: 'secondary', onclick: () => startWith('count', p.sku) },
        'Count',
        h('span', { class: 'visually-hidden' }, ` ${p.name}`),
      ),
    ),
  );
}

$('lookup-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const code = $('lookup-code').value.trim();
  if (!code) return;
  const area = $('lookup-result');
  try {
    // A sku or a barcode names one product; anything else (or a code the catalog lacks) is searched by name.
    let list;
    try {
      const { sku, onHand } = await api('GET', `/api/stock/${encodeURIComponent(code)}`);
      list = [{ ...(await api('GET', `/api/catalog/products/${encodeURIComponent(sku)}`)), onHand }];
    } catch (err) {
      if (err.status !== 400 && err.status !== 404) throw err;
      list = (await api('GET', `/api/catalog/products?q=${encodeURIComponent(code)}&limit=8`)).items;
    }
    area.replaceChildren(
      list.length
        ? h(
            'div',
            { class: 'found-list' },
            h('p', { class: 'visually-hidden', role: 'status' }, `${list.length} found for ${code}`),
            list.map(productCard),
          )
        : h('p', { role: 'alert', class: 'error' }, `No product matches “${code}”.`),
    );
  } catch (err) {
    say(area, err);
  }
  $('lookup-code').select();
});

// ---- Receive and count ----
// The node answers with the catalog's sku and name. A code the catalog does not hold is refused with a message naming
// it ("no product with code … in this store's catalog"): show it and select the code, so the next scan replaces it.

for (const id of ['receive-sku', 'count-sku']) $(id).placeholder = 'type or scan';
function refused(area, field, err) {
  say(area, err);
  if (err.status === 404 || err.status === 422) field.select();
}

$('receive-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  try {
    const ref = $('receive-ref').value.trim();
    const r = await api('POST', '/api/stock/movements', {
      sku: $('receive-sku').value.trim(),
      delta: Number($('receive-qty').value),
      kind: 'RECEIVE',
      ...(ref ? { ref } : {}),
    });
    say($('receive-msg'), null, `Received. ${r.name} (${r.sku}) now has ${r.onHand} on hand.`);
    $('receive-form').reset();
    $('receive-sku').focus();
  } catch (err) {
    refused($('receive-msg'), $('receive-sku'), err);
  }
});

$('count-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  try {
    const r = await api('POST', '/api/stock/counts', {
      sku: $('count-sku').value.trim(),
      counted: Number($('count-qty').value),
    });
    say(
      $('count-msg'),
      null,
      r.adjustedBy === 0
        ? `Count matches: ${r.name} (${r.sku}) has ${r.onHand} on hand.`
        : `Adjusted by ${r.adjustedBy > 0 ? '+' : ''}${r.adjustedBy}; ${r.name} (${r.sku}) now has ${r.onHand} on hand.`,
    );
    $('count-form').reset();
    $('count-sku').focus();
  } catch (err) {
    refused($('count-msg'), $('count-sku'), err);
  }
});

// ---- RFID drift ----
// Drifting skus first, the largest either way first (the node sorts them). "Drifts only" starts on when anything
// drifts; once the associate flips it, their choice stays. A list that did not change is not redrawn, so focus and
// scroll stay where they were.

let driftsOnly; // undefined until the associate chooses
let lastRfid = '';
let rfidData = null;

const signed = (n) => (n > 0 ? `+${n}` : String(n));

async function refreshRfid() {
  try {
    rfidData = await api('GET', '/api/devices/rfid/report');
    renderRfid();
  } catch (err) {
    say($('rfid-summary'), err);
  }
}

function renderRfid() {
  const { report, items, corrections = [] } = rfidData;
  const drifting = items.filter((i) => i.drift !== 0);
  const only = driftsOnly ?? drifting.length > 0;
  const shown = only ? drifting : items;
  const key = JSON.stringify([report?.cycle, report?.at, only, items, corrections]);
  if (key === lastRfid) return;
  lastRfid = key;
  const toggle = $('drifts-only');
  toggle.hidden = !report;
  toggle.setAttribute('aria-pressed', String(only));
  toggle.textContent = only ? `Drifts only (${drifting.length} of ${items.length})` : 'Drifts only';
  if (!report) {
    $('rfid-summary').replaceChildren(h('p', { class: 'muted' }, 'No RFID cycle has run yet.'));
    $('rfid-table').replaceChildren(correctionList(corrections));
    return;
  }
  $('rfid-summary').replaceChildren(
    h(
      'p',
      {},
      `Cycle ${report.cycle} at ${time(report.at)}: ${report.uniqueTags} tags read. `,
      h(
        'strong',
        {},
        drifting.length
          ? `${drifting.length} ${drifting.length === 1 ? 'sku drifts' : 'skus drift'}.`
          : 'Every counted sku matches.',
      ),
    ),
    report.complete
      ? ''
      : h(
          'p',
          { class: 'badge warn' },
          `This cycle did not see the whole floor (${report.incomplete.join('; ')}): no stock was moved.`,
        ),
  );
  $('rfid-table').replaceChildren(
    shown.length
      ? h(
          'table',
          { class: 'drift' },
          h('caption', { class: 'visually-hidden' }, only ? 'Skus that drift' : 'Every RFID-counted sku'),
          h(
            'thead',
            {},
            h(
              'tr',
              {},
              h('th', { scope: 'col' }, 'Product'),
              h('th', { scope: 'col', class: 'n' }, 'Expected'),
              h('th', { scope: 'col', class: 'n' }, 'Counted'),
              h('th', { scope: 'col', class: 'n' }, 'Drift'),
            ),
          ),
          h(
            'tbody',
            {},
            shown.map((i) =>
              h(
                'tr',
                {},
                h(
                  'th',
                  { scope: 'row' },
                  i.name ?? i.sku,
                  h('span', { class: 'muted detail' }, [i.sku, ...i.zones].join(' · ')),
                ),
                h('td', { class: 'n' }, String(i.expected)),
                h('td', { class: 'n' }, String(i.counted)),
                h(
                  'td',
                  { class: 'n' },
                  h('span', { class: `badge ${i.drift === 0 ? 'ok' : 'warn'}` }, i.drift === 0 ? '0' : signed(i.drift)),
                ),
              ),
            ),
          ),
        )
      : h('p', { class: 'ok' }, 'No drift: every RFID-counted sku matches what the store holds.'),
    correctionList(corrections),
  );
}

// A drift the count settled leaves the list above; what it corrected stays here for a day, newest first.
function correctionList(corrections) {
  if (!corrections.length) return '';
  return h(
    'section',
    { 'aria-labelledby': 'rfid-corrections-title' },
    h('h3', { id: 'rfid-corrections-title' }, 'Stock corrected by the count (last 24 hours)'),
    h(
      'ul',
      { class: 'corrections' },
      corrections.map((c) =>
        h(
          'li',
          {},
          h('strong', {}, c.name ?? c.sku),
          ` — counted ${c.counted}, expected ${c.expected}: stock corrected ${signed(c.delta)} at ${time(c.at)}`,
        ),
      ),
    ),
  );
}

$('drifts-only').addEventListener('click', () => {
  if (!rfidData) return;
  const drifting = rfidData.items.some((i) => i.drift !== 0);
  driftsOnly = !(driftsOnly ?? drifting);
  renderRfid();
});

// ---- Devices ----

const STATES = {
  open: ['Connected', 'ok'],
  opening: ['Connecting…', 'warn'],
  silent: ['Connected, not reading', 'warn'],
  waiting: ['Not connected', 'bad'],
  closed: ['Stopped', 'bad'],
};
let lastDevices = '';
let devices = [];
let asked = 0; // an answer to an older request (a refresh overtaken by a rename's) is not drawn

async function refreshDevices() {
  const mine = ++asked;
  try {
    const { items } = await api('GET', '/api/devices');
    if (mine !== asked) return;
    const key = JSON.stringify(items.map((d) => [d.name, d.label, d.state, d.path, d.lastError]));
    if (key === lastDevices) return;
    lastDevices = key;
    devices = items;
    const focused = document.activeElement?.dataset?.device;
    $('device-list').replaceChildren(
      items.length
        ? h(
            'ul',
            { class: 'devices' },
            items.map((d) => {
              const [state, tone] = STATES[d.state] ?? [d.state, 'warn'];
              return h(
                'li',
                {},
                h(
                  'div',
                  { class: 'device-head' },
                  h('strong', {}, d.label),
                  h('span', { class: `badge ${tone}` }, state),
                ),
                h('p', { class: 'muted detail' }, `${d.kindName} · ${d.name} · ${d.path}`),
                d.lastError && d.state !== 'open' ? h('p', { class: 'muted detail' }, d.lastError) : '',
                h(
                  'button',
                  { type: 'button', class: 'secondary', 'data-device': d.name, onclick: () => openRename(d.name) },
                  'Rename',
                  h('span', { class: 'visually-hidden' }, ` ${d.label}`),
                ),
              );
            }),
          )
        : h('p', { class: 'muted' }, 'No devices configured (STORE_DEVICES).'),
    );
    if (focused) document.querySelector(`[data-device="${CSS.escape(focused)}"]`)?.focus();
  } catch (err) {
    say($('device-list'), err);
  }
}

let renaming;
function openRename(name) {
  const d = devices.find((x) => x.name === name);
  if (!d) return;
  renaming = name;
  $('rename-what').textContent = `${d.kindName} ${d.name} at ${d.path}`;
  $('rename-label').value = d.label;
  say($('rename-msg'), null);
  $('rename').showModal();
  $('rename-label').select();
}
$('rename-cancel').addEventListener('click', () => $('rename').close());
$('rename').addEventListener('close', () => {
  document.querySelector(`[data-device="${CSS.escape(renaming ?? '')}"]`)?.focus();
});
$('rename-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  try {
    const label = $('rename-label').value.trim();
    await api('PUT', `/api/devices/${encodeURIComponent(renaming)}/label`, { label });
    await refreshDevices();
    $('rename').close();
  } catch (err) {
    say($('rename-msg'), err);
  }
});

$('pair-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  try {
    // No Idempotency-Key: a code whose answer was lost is shown once and gone; pressing again mints a fresh one.
    const { code, role, expiresAt } = await api(
      'POST',
      '/api/pairing/codes',
      { role: $('pair-role').value },
      { keyed: false },
    );
    $('pair-code-area').replaceChildren(
      h(
        'p',
        { class: 'ok' },
        `Pairing code for a ${role} `,
        h('strong', { id: 'pairing-code' }, code),
        ` — valid until ${time(expiresAt)}, once.`,
      ),
    );
  } catch (err) {
    say($('pair-code-area'), err);
  }
});

selectTab(tabFor(location.hash) ?? tabs[0]);
if (!location.hash || location.hash === '#lookup') $('lookup-code').focus();
setInterval(() => {
  const shown = nameOf(tabs.find((t) => t.getAttribute('aria-selected') === 'true'));
  void onShow[shown]?.();
}, 3000);
