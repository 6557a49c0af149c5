// The POS lane: keyboard-first. The scanner types into the scan field like a keyboard and ends with Enter.
import { api, h, money, say, statusBar } from '/store.js';

statusBar('POS lane');
const $ = (id) => document.getElementById(id);
const scan = $('scan');
let sale = null;
// The open sale of this lane, kept by the browser (it outlives a reload and an Electron crash) and on the node (which
// keeps open baskets on disk), so a restart of either brings the lane back to its basket.
const OPEN_SALE = 'sf-pos-open-sale';
let polling = false;

/** Remembers the sale while it is open; forgets it once it is closed. */
function keep(s) {
  sale = s;
  try {
    if (sale?.status === 'OPEN') localStorage.setItem(OPEN_SALE, sale.id);
    else localStorage.removeItem(OPEN_SALE);
  } catch {
    // storage disabled: the lane still works, it only cannot pick its basket up after a reload
  }
  return sale;
}

function render() {
  const body = $('basket').tBodies[0];
  const lines = sale?.lines ?? [];
  body.replaceChildren(
    ...(lines.length
      ? lines.map((l) =>
          h(
            'tr',
            {},
            h('td', {}, l.name, h('div', { class: 'muted' }, l.sku)),
            h(
              'td',
              { class: 'n' },
              h('input', {
                type: 'number',
                min: 0,
                max: 999,
                value: l.qty,
                'aria-label': `Quantity of ${l.name}`,
                onchange: (e) => setQty(l.sku, Number(e.target.value)),
              }),
            ),
            h('td', { class: 'n' }, money(l.unitPriceMinor, sale.currency)),
            h('td', { class: 'n' }, money(l.totalMinor, sale.currency)),
            h(
              'td',
              {},
              h(
                'button',
                {
                  type: 'button',
                  class: 'secondary',
                  'aria-label': `Remove ${l.name}`,
                  onclick: () => setQty(l.sku, 0),
                },
                '✕',
              ),
            ),
          ),
        )
      : [h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'Scan an item to start a sale.'))]),
  );
  $('subtotal').textContent = sale ? money(sale.subtotalMinor, sale.currency) : '—';
  $('tax').textContent = sale ? money(sale.taxMinor, sale.currency) : '—';
  $('total').textContent = sale ? money(sale.totalMinor, sale.currency) : '—';
  const open = sale?.status === 'OPEN' && lines.length > 0 && !sale.payment;
  for (const id of ['pay-cash', 'pay-card']) $(id).disabled = !open;
  // A basket waiting for the card terminal can still be voided: the node voids its approved card at the terminal first.
  $('void').disabled = !(sale?.status === 'OPEN' && lines.length > 0);
  scan.disabled = sale?.payment === 'AUTHORISING';
}

function showReceipt() {
  $('receipt-area').replaceChildren(
    h('h2', {}, 'Receipt'),
    h('pre', { class: 'receipt', 'aria-label': 'Receipt' }, sale.receipt),
    h(
      'p',
      { class: 'muted' },
      sale.printed
        ? 'Sent to the receipt printer.'
        : 'No receipt printer connected: print from here if the customer wants paper.',
    ),
    h('button', { type: 'button', class: 'secondary no-print', onclick: () => window.print() }, 'Print receipt'),
  );
}

/** Says what the node knows about the sale the lane picked up (after a reload or a restart of the node). */
function sayResumed() {
  if (sale.status === 'COMPLETED') {
    say(
      $('pay-msg'),
      null,
      sale.tender?.kind === 'CARD' ? `This sale was paid by card (${sale.tender.reference}).` : 'This sale was paid.',
    );
    showReceipt();
  } else if (sale.status === 'VOIDED') {
    say($('pay-msg'), null, sale.note ?? 'This sale was voided.'); // who voided it and why (expiry, a voided card)
  } else if (sale.payment === 'AUTHORISING') {
    say($('pay-msg'), null, `Asking the card terminal whether this sale was paid… ${sale.note ?? ''}`.trim());
    void pollPayment();
  } else if (sale.note) {
    say($('pay-msg'), new Error(sale.note));
  } else {
    say($('pay-msg'));
  }
}

/** While the node waits for the card terminal's word on this sale, reads the sale again until it has it. */
async function pollPayment() {
  if (polling) return;
  polling = true;
  try {
    while (sale?.payment === 'AUTHORISING') {
      await new Promise((r) => setTimeout(r, 2000));
      const id = sale.id;
      try {
        const s = await api('GET', `/api/pos/sales/${id}`);
        if (sale?.id !== id) break;
        keep(s);
      } catch (err) {
        say($('pay-msg'), err);
        continue;
      }
      sayResumed();
      render();
    }
  } finally {
    polling = false;
  }
}

/** Picks up this lane's open sale, if it had one when the page (or the node) stopped. */
async function resume() {
  let id = null;
  try {
    id = localStorage.getItem(OPEN_SALE);
  } catch {
    return;
  }
  if (!id) return;
  try {
    const s = await api('GET', `/api/pos/sales/${encodeURIComponent(id)}`);
    keep(s);
    sayResumed();
  } catch (err) {
    if (err.status === 404) keep(null);
    else say($('pay-msg'), err);
  }
  render();
}

let opening = null;
/** The open sale, opening one if needed: scans that arrive while it opens (a scanner types fast) share it. */
async function ensureSale() {
  await resumed; // a scan right after a reload goes to the basket being picked up
  if (sale?.status === 'OPEN') return sale;
  opening ??= api('POST', '/api/pos/sales')
    .then((s) => {
      keep(s);
      $('receipt-area').replaceChildren();
      return s;
    })
    .finally(() => {
      opening = null;
    });
  return opening;
}

async function add(code, qty) {
  try {
    const s = await ensureSale();
    keep(await api('POST', `/api/pos/sales/${s.id}/lines`, { code, qty }));
    say($('basket-msg'));
  } catch (err) {
    say($('basket-msg'), err);
  }
  render();
}

async function setQty(sku, qty) {
  try {
    keep(await api('PUT', `/api/pos/sales/${sale.id}/lines/${encodeURIComponent(sku)}`, { qty }));
    say($('basket-msg'));
  } catch (err) {
    say($('basket-msg'), err);
  }
  render();
  scan.focus();
}

async function tender(body) {
  if (sale?.status !== 'OPEN') return;
  try {
    say($('pay-msg'), null, 'Paying…');
    keep(await api('POST', `/api/pos/sales/${sale.id}/tender`, body));
    const change = sale.tender?.changeMinor ? ` Change due: ${money(sale.tender.changeMinor, sale.currency)}.` : '';
    say($('pay-msg'), null, `Paid.${change}`);
    $('cash-given').value = '';
    showReceipt();
  } catch (err) {
    say($('pay-msg'), err);
    // A conflict means the node knows better (the sale was paid before a restart, or waits for the terminal): show that.
    // A card tender that failed otherwise may have been approved and then voided: the basket's note says what the card got.
    if (err.status === 409 || (body.kind === 'CARD' && err.status >= 500)) {
      try {
        keep(await api('GET', `/api/pos/sales/${sale.id}`));
        if (sale.status !== 'OPEN' || sale.payment || sale.note) sayResumed();
      } catch {
        // the error above stays on screen
      }
    }
  }
  render();
  scan.focus();
}

function cashGiven() {
  const text = $('cash-given').value.trim();
  if (!text) return sale.totalMinor; // exact cash
  const value = Math.round(Number(text.replace(',', '.')) * 100);
  if (!Number.isFinite(value) || value < 0) throw new Error(`"${text}" is not an amount of cash`);
  return value;
}

$('scan-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const code = scan.value.trim();
  const qty = Number($('scan-qty').value) || 1;
  scan.value = '';
  $('scan-qty').value = '1';
  if (code) void add(code, qty);
  scan.focus();
});
$('cash-form').addEventListener('submit', (e) => {
  e.preventDefault();
  try {
    // The amount stays in the field until the sale is paid: pressing F2 again after "cannot reach the store node"
    // repeats the same tender (the same Idempotency-Key), and the node answers with the first result.
    void tender({ kind: 'CASH', givenMinor: cashGiven() });
  } catch (err) {
    say($('pay-msg'), err);
  }
});
$('pay-card').addEventListener('click', () => void tender({ kind: 'CARD' }));
$('void').addEventListener('click', async () => {
  if (sale?.status !== 'OPEN') return;
  const btn = $('void');
  if (btn.dataset.confirm !== 'yes') {
    btn.dataset.confirm = 'yes';
    btn.textContent = 'Press again to void';
    setTimeout(() => {
      btn.dataset.confirm = '';
      btn.textContent = 'Void sale';
    }, 4000);
    return;
  }
  try {
    keep(await api('POST', `/api/pos/sales/${sale.id}/void`));
    say($('pay-msg'), null, sale.tender ? sale.note : 'Sale voided.'); // with a card: which payment was voided
  } catch (err) {
    say($('pay-msg'), err);
  }
  btn.dataset.confirm = '';
  btn.textContent = 'Void sale';
  render();
  scan.focus();
});
$('new-sale').addEventListener('click', () => {
  keep(null);
  $('receipt-area').replaceChildren();
  say($('pay-msg'));
  render();
  scan.focus();
});
$('return-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  try {
    const r = await api('POST', `/api/pos/sales/${encodeURIComponent($('return-sale').value.trim())}/returns`, {
      items: [{ sku: $('return-sku').value.trim(), qty: Number($('return-qty').value) || 1 }],
    });
    const how = r.refund?.kind === 'CARD' ? `to the customer's card (refund ${r.refund.reference})` : 'in cash';
    say(
      $('return-msg'),
      null,
      `Refund ${money(r.refundMinor, r.sale.currency)} (return ${r.returnId.slice(0, 8)}), ${how}.`,
    );
  } catch (err) {
    say($('return-msg'), err);
  }
});
document.addEventListener('keydown', (e) => {
  if (e.key === 'F2') {
    e.preventDefault();
    $('cash-form').requestSubmit();
  } else if (e.key === 'F4') {
    e.preventDefault();
    void tender({ kind: 'CARD' });
  } else if (e.key === 'F8') {
    e.preventDefault();
    $('new-sale').click();
  }
});
render();
const resumed = resume();
