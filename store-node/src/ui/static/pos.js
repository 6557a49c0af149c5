// The POS lane: keyboard-first. The scanner types into the scan field like a keyboard and ends with Enter.
import { api, h, money, say, statusBar } from '/store.js';

statusBar('POS lane');
const $ = (id) => document.getElementById(id);
const scan = $('scan');
let sale = null;

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
            h('td', { class: 'n' }, h('input', { type: 'number', min: 0, max: 999, value: l.qty, 'aria-label': `Quantity of ${l.name}`, onchange: (e) => setQty(l.sku, Number(e.target.value)) })),
            h('td', { class: 'n' }, money(l.unitPriceMinor, sale.currency)),
            h('td', { class: 'n' }, money(l.totalMinor, sale.currency)),
            h('td', {}, h('button', { type: 'button', class: 'secondary', 'aria-label': `Remove ${l.name}`, onclick: () => setQty(l.sku, 0) }, '✕')),
          ),
        )
      : [h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'Scan an item to start a sale.'))]),
  );
  $('subtotal').textContent = sale ? money(sale.subtotalMinor, sale.currency) : '—';
  $('tax').textContent = sale ? money(sale.taxMinor, sale.currency) : '—';
  $('total').textContent = sale ? money(sale.totalMinor, sale.currency) : '—';
  const open = sale?.status === 'OPEN' && lines.length > 0;
  for (const id of ['pay-cash', 'pay-card', 'void']) $(id).disabled = !open;
}

async function ensureSale() {
  if (!sale || sale.status !== 'OPEN') {
    sale = await api('POST', '/api/pos/sales');
    $('receipt-area').replaceChildren();
  }
  return sale;
}

async function add(code, qty) {
  try {
    const s = await ensureSale();
    sale = await api('POST', `/api/pos/sales/${s.id}/lines`, { code, qty });
    say($('basket-msg'));
  } catch (err) {
    say($('basket-msg'), err);
  }
  render();
}

async function setQty(sku, qty) {
  try {
    sale = await api('PUT', `/api/pos/sales/${sale.id}/lines/${encodeURIComponent(sku)}`, { qty });
    say($('basket-msg'));
  } catch (err) {
    say($('basket-msg'), err);
  }
  render();
  scan.focus();
}

async function tender(body) {
  if (!sale || sale.status !== 'OPEN') return;
  try {
    say($('pay-msg'), null, 'Paying…');
    sale = await api('POST', `/api/pos/sales/${sale.id}/tender`, body);
    const change = sale.tender?.changeMinor ? ` Change due: ${money(sale.tender.changeMinor, sale.currency)}.` : '';
    say($('pay-msg'), null, `Paid.${change}`);
    $('cash-given').value = '';
    $('receipt-area').replaceChildren(
      h('h2', {}, 'Receipt'),
      h('pre', { class: 'receipt', 'aria-label': 'Receipt' }, sale.receipt),
      h('p', { class: 'muted' }, sale.printed ? 'Sent to the receipt printer.' : 'No receipt printer connected: print from here if the customer wants paper.'),
      h('button', { type: 'button', class: 'secondary no-print', onclick: () => window.print() }, 'Print receipt'),
    );
  } catch (err) {
    say($('pay-msg'), err);
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
  if (!sale || sale.status !== 'OPEN') return;
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
    sale = await api('POST', `/api/pos/sales/${sale.id}/void`);
    say($('pay-msg'), null, 'Sale voided.');
  } catch (err) {
    say($('pay-msg'), err);
  }
  btn.dataset.confirm = '';
  btn.textContent = 'Void sale';
  render();
  scan.focus();
});
$('new-sale').addEventListener('click', () => {
  sale = null;
  $('receipt-area').replaceChildren();
  say($('pay-msg'));
  render();
  scan.focus();
});
$('return-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  try {
    const r = await api('POST', `/api/pos/sales/${encodeURIComponent($('return-sale').value.trim())}/returns`, { items: [{ sku: $('return-sku').value.trim(), qty: Number($('return-qty').value) || 1 }] });
    say($('return-msg'), null, `Refund ${money(r.refundMinor, r.sale.currency)} (return ${r.returnId.slice(0, 8)}).`);
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
