// The associate's handheld (a narrow screen): stock look-up, receiving, cycle counts, RFID drift, device status.
import { api, h, money, say, statusBar, time } from '/store.js';

statusBar('Handheld');
const $ = (id) => document.getElementById(id);

$('lookup-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const code = $('lookup').value.trim();
  if (!code) return;
  try {
    const { items } = await api('GET', `/api/catalog/products?q=${encodeURIComponent(code)}&limit=5`);
    const exact = items.find((p) => p.sku === code || p.gtin === code);
    const list = exact ? [exact] : items;
    $('lookup-result').replaceChildren(
      list.length
        ? h(
            'ul',
            {},
            list.map((p) =>
              h(
                'li',
                {},
                h('strong', {}, p.name),
                ` (${p.sku}) — `,
                h('span', { class: `badge ${p.onHand > 0 ? 'ok' : 'warn'}` }, `${p.onHand} on hand`),
                ` · ${money(p.priceMinor, p.currency)}`,
              ),
            ),
          )
        : h('p', { role: 'alert', class: 'error' }, `No product matches “${code}”.`),
    );
  } catch (err) {
    say($('lookup-result'), err);
  }
  $('lookup').select();
});

// The sku fields take a sku or a scanned barcode; the node answers with the catalog's sku and name. A code the
// catalog does not hold is refused with a message naming it ("no product with code … in this store's catalog"):
// show it and select the code, so the next scan replaces it.
for (const id of ['receive-sku', 'count-sku']) $(id).placeholder = 'sku or scan a barcode';
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
  } catch (err) {
    refused($('count-msg'), $('count-sku'), err);
  }
});

async function refreshDevices() {
  try {
    const [{ report }, { items }] = await Promise.all([
      api('GET', '/api/devices/rfid/report'),
      api('GET', '/api/devices'),
    ]);
    $('rfid').replaceChildren(
      report
        ? h(
            'div',
            {},
            h(
              'p',
              { class: 'muted' },
              `Cycle ${report.cycle} at ${time(report.at)}: ${report.uniqueTags} tags, ${report.reads} reads`,
            ),
            ...Object.entries(report.zones).map(([zone, skus]) =>
              h(
                'table',
                {},
                h('caption', {}, `Zone ${zone}`),
                h(
                  'thead',
                  {},
                  h(
                    'tr',
                    {},
                    h('th', { scope: 'col' }, 'Sku'),
                    h('th', { scope: 'col', class: 'n' }, 'Counted'),
                    h('th', { scope: 'col', class: 'n' }, 'Expected'),
                    h('th', { scope: 'col', class: 'n' }, 'Drift'),
                  ),
                ),
                h(
                  'tbody',
                  {},
                  Object.entries(skus).map(([sku, counted]) => {
                    const d = report.skus.find((s) => s.sku === sku);
                    return h(
                      'tr',
                      {},
                      h('td', {}, sku),
                      h('td', { class: 'n' }, String(counted)),
                      h('td', { class: 'n' }, d ? String(d.expected) : '—'),
                      h(
                        'td',
                        { class: 'n' },
                        d
                          ? h(
                              'span',
                              { class: `badge ${d.drift === 0 ? 'ok' : 'warn'}` },
                              (d.drift > 0 ? '+' : '') + d.drift,
                            )
                          : '—',
                      ),
                    );
                  }),
                ),
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'No RFID cycle has run yet.'),
    );
    $('devices').replaceChildren(
      items.length
        ? h(
            'ul',
            {},
            items.map((d) =>
              h(
                'li',
                {},
                h('strong', {}, d.name),
                ` (${d.kind}, ${d.path}) `,
                h('span', { class: `badge ${d.state === 'open' ? 'ok' : 'bad'}` }, d.state),
                d.lastError ? h('span', { class: 'muted' }, ` ${d.lastError}`) : '',
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'No devices configured (STORE_DEVICES).'),
    );
  } catch (err) {
    say($('devices'), err);
  }
}
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

await refreshDevices();
setInterval(refreshDevices, 3000);
