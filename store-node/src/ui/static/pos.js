// The POS lane: keyboard-first. The scanner types into the scan field like a keyboard and ends with Enter.
// Keys: Enter adds (or opens a scanned sale number for a return), ↓ picks from the product list, F2 cash, F4 card,
// F6 the customer's card, F8 new sale, Esc cancels what is in progress (a quantity being edited, the product list, a
// void, a return). A customer card (16 digits starting 29) scanned into the scan field goes on the sale, not the basket.
// Staff at the lane (issue #27): where the store asks for it, a person signs in at the lane (staff-lane.js draws that)
// and a void, a refund over the store's limit, a price override and a no-sale drawer open need a manager's PIN
// (`window.storefleetStaff.approve`), whose approval goes with the call as its `Manager-Approval` header.
import { api, h, idTail, money, placeholder, say, statusBar } from '/store.js';

statusBar('POS lane');
const $ = (id) => document.getElementById(id);
const scan = $('scan');
/** The sale on screen: the open basket, or the sale just paid (locked) until the next scan or New sale. */
let sale = null;
let lane = null;
// The last sale of this browser, so a reload can still say what became of it (paid, or voided by the node's expiry).
// The open basket itself is the node's: on load the page asks the node for this lane's open basket.
const LAST_SALE = 'sf-pos-open-sale';
const SALE_NUMBER = /^[A-Za-z0-9][A-Za-z0-9-]{0,31}-\d{2}-\d{5,9}$/;
/** A customer's loyalty card, as a wedge scanner types it (or a cashier, with spaces): the node checks its check digit. */
const CUSTOMER_CARD = /^29\d{14}$/;
const isCustomerCard = (code) => CUSTOMER_CARD.test(code.replace(/[\s-]/g, ''));
let polling = false;

const UNREACHABLE = 'This screen cannot reach the store node. Check the cable or Wi-Fi.';
const newKey = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');
/** The Idempotency-Key of each POS write that got no answer, by what it asked: sent again, it reuses the key. */
const unanswered = new Map();

/**
 * A write at the lane: like store.js's `api` (an Idempotency-Key reused when the same write is sent again after no
 * answer), with a manager's approval as the `Manager-Approval` header when given. A 401 here is the lane asking for a
 * person (staff sign-in), not an unpaired screen: the sign-in overlay comes back instead of the pairing page. The
 * error carries the problem (`err.problem`), whose `managerApproval` says what a manager would have to approve.
 */
async function posApi(method, path, body, approval) {
  const what = `${method} ${path} ${JSON.stringify(body ?? null)} ${approval ?? ''}`;
  const key = unanswered.get(what) ?? newKey();
  unanswered.delete(what);
  let res;
  try {
    res = await fetch(path, {
      method,
      credentials: 'same-origin',
      headers: {
        'Idempotency-Key': key,
        ...(approval ? { 'Manager-Approval': approval } : {}),
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch {
    unanswered.set(what, key);
    throw new Error(UNREACHABLE);
  }
  const data = res.status === 204 ? null : await res.json().catch(() => ({}));
  if (res.ok) return data;
  const err = new Error(data?.detail || data?.title || `${method} ${path} failed (${res.status})`);
  err.status = res.status;
  err.problem = data ?? {};
  if (res.headers.has('retry-after')) err.retryAfter = res.headers.get('retry-after');
  if (res.status >= 500 || (res.status === 409 && err.retryAfter !== undefined)) unanswered.set(what, key);
  if (res.status === 401) {
    if (window.storefleetStaff?.signIn) window.storefleetStaff.signIn();
    else location.href = `/pair.html?then=${encodeURIComponent(location.pathname)}`; // an unpaired screen
  }
  throw err;
}

/**
 * A manager's approval for `action` on `target`, asked before the call where the store asks for one: undefined when
 * it does not (the call goes without), null when the manager's PIN was not given (the action is cancelled).
 */
async function askManager(action, target) {
  if (!lane?.staffSignIn || !window.storefleetStaff?.approve) return undefined;
  return (await window.storefleetStaff.approve(action, target)) ?? null;
}

/**
 * Sends a manager-gated call: with an approval asked first when `target` is known (a void, an override, a no-sale),
 * and once more when the node says exactly what it needs (`managerApproval` in a 403: a refund's amount, which only
 * the node prices, or a total changed meanwhile). Resolves to null when the manager's PIN was not given.
 */
async function gated(action, target, send) {
  const first = target ? await askManager(action, target) : undefined;
  if (first === null) return null;
  try {
    return await send(first);
  } catch (err) {
    const want = err.status === 403 ? err.problem?.managerApproval : undefined;
    if (!want || !window.storefleetStaff?.approve) throw err; // a 403 for anything else: its detail is shown
    const { action: asked, ...exactly } = want;
    const again = await window.storefleetStaff.approve(asked, exactly);
    if (!again) return null;
    return send(again);
  }
}

const CANCELLED = 'Cancelled: no manager’s PIN was given, nothing was done.';

/** The header's strip: who is signed in at this lane, and the No sale button (pos.html stays staff-lane.js's). */
const staffStrip = h(
  'div',
  { class: 'row pos-staff', id: 'pos-staff' },
  h('span', { id: 'staff-name', class: 'grow muted' }),
  h('button', { type: 'button', id: 'no-sale', class: 'secondary' }, 'No sale'),
);
const noSaleForm = h(
  'form',
  { id: 'no-sale-form', class: 'row', autocomplete: 'off', hidden: true },
  h(
    'div',
    { class: 'grow' },
    h('label', { for: 'no-sale-reason' }, 'Why open the drawer without a sale?'),
    h('input', { id: 'no-sale-reason', minlength: 3, maxlength: 200, required: true }),
  ),
  h('button', { type: 'submit' }, 'Open drawer'),
  h('button', { type: 'button', id: 'no-sale-cancel', class: 'secondary' }, 'Cancel'),
);
const noSaleMsg = h('div', { id: 'no-sale-msg' });
document.querySelector('main h1')?.after(staffStrip, noSaleForm, noSaleMsg);
const overrideForm = h(
  'form',
  { id: 'override-form', autocomplete: 'off', hidden: true },
  h('p', { id: 'override-what', class: 'small' }),
  h(
    'div',
    { class: 'row' },
    h(
      'div',
      {},
      h('label', { for: 'override-price' }, 'New unit price'),
      h('input', { id: 'override-price', inputmode: 'decimal', required: true }),
    ),
    h(
      'div',
      { class: 'grow' },
      h('label', { for: 'override-reason' }, 'Reason'),
      h('input', { id: 'override-reason', minlength: 3, maxlength: 200, required: true }),
    ),
    h('button', { type: 'submit' }, 'Override price'),
    h('button', { type: 'button', id: 'override-cancel', class: 'secondary' }, 'Cancel'),
  ),
);
document.getElementById('basket-msg')?.before(overrideForm);

/** Who is at the till: the sign-in overlay's word when it has one, else what the node said on load. */
function renderStaff() {
  const person = window.storefleetStaff?.current?.() ?? lane?.staff ?? null;
  $('staff-name').textContent = person ? `Signed in: ${person.name}` : lane?.staffSignIn ? 'Nobody signed in' : '';
}

function keep(s) {
  sale = s;
  try {
    if (sale) localStorage.setItem(LAST_SALE, sale.id);
    else localStorage.removeItem(LAST_SALE);
  } catch {
    // storage disabled: the node still keeps the basket
  }
  return sale;
}

const items = (lines) => lines.reduce((n, l) => n + l.qty, 0);
const plural = (n, one, many) => `${n} ${n === 1 ? one : many}`;

/** Rebuilds the basket; the control that had focus (a quantity, a remove button) gets it back. */
function render() {
  const focused = document.activeElement?.dataset?.focusKey;
  const body = $('basket').tBodies[0];
  const lines = sale?.lines ?? [];
  const editable = sale?.status === 'OPEN' && !sale.payment;
  body.replaceChildren(
    ...(lines.length
      ? lines.map((l) =>
          h(
            'tr',
            {},
            h(
              'td',
              {},
              l.name,
              h('div', { class: 'muted small' }, l.sku),
              // the line's promotions, each with what it took off (issue #25)
              ...(l.promotions ?? []).map((p) =>
                h(
                  'div',
                  { class: 'small promotion' },
                  `${p.name}: −${money(p.discountMinor, sale.currency)}`,
                  p.explanation ? h('span', { class: 'muted' }, ` (${p.explanation})`) : '',
                ),
              ),
              l.priceOverride
                ? h('div', { class: 'small price-override' }, `Price override: ${l.priceOverride.reason}`)
                : '',
            ),
            h('td', { class: 'n' }, editable ? qtyInput(l) : String(l.qty)),
            h('td', { class: 'n' }, money(l.unitPriceMinor, sale.currency)),
            h('td', { class: 'n' }, money(l.totalMinor, sale.currency)),
            h(
              'td',
              {},
              editable
                ? [
                    h(
                      'button',
                      {
                        type: 'button',
                        class: 'secondary remove',
                        'aria-label': `Remove ${l.name}`,
                        'data-focus-key': `remove:${l.sku}`,
                        onclick: () => setQty(l.sku, 0),
                      },
                      '✕',
                    ),
                    h(
                      'button',
                      {
                        type: 'button',
                        class: 'secondary override',
                        'aria-label': `Override price of ${l.name}`,
                        'data-focus-key': `override:${l.sku}`,
                        onclick: () => openOverride(l),
                      },
                      'Override price',
                    ),
                  ]
                : '',
            ),
          ),
        )
      : [h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'Scan an item to start a sale.'))]),
  );
  $('sale-number').textContent = sale?.number
    ? `— Sale ${sale.number}${sale.status === 'COMPLETED' ? ' (paid)' : ''}`
    : '';
  $('subtotal').textContent = sale ? money(sale.subtotalMinor, sale.currency) : '—';
  $('tax').textContent = sale ? money(sale.taxMinor, sale.currency) : '—';
  $('total').textContent = sale ? money(sale.totalMinor, sale.currency) : '—';
  const saved = sale?.discountMinor ?? 0;
  $('saved-row').hidden = !saved;
  $('saved').textContent = saved ? money(saved, sale.currency) : '';
  renderCoupons(editable);
  const payable = editable && lines.length > 0;
  for (const id of ['pay-cash', 'pay-card']) $(id).disabled = !payable;
  // A basket waiting for the card terminal can still be voided: the node voids its approved card at the terminal first.
  $('void').disabled = !(sale?.status === 'OPEN' && lines.length > 0);
  scan.disabled = sale?.payment === 'AUTHORISING';
  // The card is shown masked (the node never sends it whole); it can change until payment starts.
  const card = sale?.customerCard ?? null;
  $('card-shown').hidden = !card;
  $('card-masked').textContent = card ?? '';
  $('card-remove').hidden = !(card && editable);
  $('card-open').disabled = sale?.payment === 'AUTHORISING';
  renderStaff();
  if (focused) document.querySelector(`[data-focus-key="${CSS.escape(focused)}"]`)?.focus();
}

/**
 * A line's quantity: arrows and typing change the number only; Enter or leaving the field commits it, Esc puts the
 * old number back. Nothing moves the focus but Enter (back to the scan field, for the next item).
 */
function qtyInput(l) {
  const input = h('input', {
    type: 'number',
    min: 0,
    max: 999,
    value: l.qty,
    class: 'qty',
    'aria-label': `Quantity of ${l.name}`,
    'data-focus-key': `qty:${l.sku}`,
  });
  let committed = false; // once: the field is rebuilt after a commit, and its removal may blur it
  const commit = (andScan) => {
    if (committed) return;
    const qty = Number(input.value);
    if (!Number.isInteger(qty) || qty < 0 || qty > 999) {
      say($('basket-msg'), new Error(`A quantity is a whole number from 0 to 999, not "${input.value}".`));
      input.value = String(l.qty);
      return;
    }
    if (qty !== l.qty) {
      committed = true;
      void setQty(l.sku, qty, andScan);
    } else if (andScan) scan.focus();
  };
  input.addEventListener('keydown', (e) => {
    if (e.key === 'Enter') {
      e.preventDefault();
      commit(true);
    } else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      input.value = String(l.qty);
      scan.focus();
    }
  });
  input.addEventListener('blur', () => commit(false));
  return input;
}

/** A Code 128 barcode (modules from the node: '1' dark) as an inline SVG, with quiet zones of 10 modules. */
function barcode(modules, label) {
  const NS = 'http://www.w3.org/2000/svg';
  const svg = document.createElementNS(NS, 'svg');
  const width = modules.length + 20;
  svg.setAttribute('viewBox', `0 0 ${width} 50`);
  svg.setAttribute('class', 'barcode');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  svg.setAttribute('preserveAspectRatio', 'none');
  const bg = document.createElementNS(NS, 'rect');
  for (const [k, v] of Object.entries({ width, height: 50, fill: '#fff' })) bg.setAttribute(k, String(v));
  svg.append(bg);
  for (const m of modules.matchAll(/1+/g)) {
    const bar = document.createElementNS(NS, 'rect');
    for (const [k, v] of Object.entries({ x: m.index + 10, y: 0, width: m[0].length, height: 50, fill: '#000' }))
      bar.setAttribute(k, String(v));
    svg.append(bar);
  }
  return svg;
}

/** A printable paper (receipt or return slip): the text as the 80 mm printer prints it, a barcode, a Print button. */
function paper(title, text, code, printed) {
  const sheet = h(
    'figure',
    { class: 'paper' },
    h('pre', { class: 'receipt', 'aria-label': title, tabindex: '0' }, text), // scrolls by keyboard on a narrow screen
    code ? barcode(code.modules, `Barcode of ${code.label}`) : null,
    code ? h('figcaption', { class: 'barcode-text' }, code.label) : null,
  );
  return [
    h('h3', {}, title),
    sheet,
    h(
      'p',
      { class: 'muted no-print' },
      printed
        ? 'Sent to the receipt printer.'
        : 'No receipt printer connected: print from here if the customer wants paper.',
    ),
    h(
      'button',
      {
        type: 'button',
        class: 'secondary no-print',
        onclick: () => {
          for (const p of document.querySelectorAll('.paper')) p.classList.toggle('to-print', p === sheet);
          window.print();
        },
      },
      `Print ${title.toLowerCase()}`,
    ),
  ];
}

function showReceipt() {
  $('receipt-area').replaceChildren(
    ...paper(
      'Receipt',
      sale.receipt,
      sale.barcode && sale.number ? { modules: sale.barcode, label: `sale ${sale.number}` } : null,
      sale.printed,
    ),
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

/** Asks the node which lane this is and for the basket it kept open; else says what became of this browser's last sale. */
async function resume() {
  try {
    lane = await api('GET', '/api/pos/lane');
    $('lane-label').textContent = `${lane.lane} · store ${lane.storeCode}`;
    document.title = `POS lane ${lane.lane} — Storefleet`;
    renderStaff();
    if (lane.open) {
      keep(lane.open);
      sayResumed();
      return render();
    }
    let last = null;
    try {
      last = localStorage.getItem(LAST_SALE);
    } catch {
      // storage disabled
    }
    if (!last) return render();
    const s = await api('GET', `/api/pos/sales/${encodeURIComponent(last)}`).catch(() => null);
    if (s?.status === 'VOIDED' && s.note) say($('pay-msg'), null, s.note); // e.g. voided by the node's expiry
    keep(null);
  } catch (err) {
    say($('pay-msg'), err);
  }
  render();
}

let opening = null;
/** The open sale, opening one if needed: scans that arrive while it opens (a scanner types fast) share it. */
async function ensureSale() {
  await resumed; // a scan right after a reload goes to the basket being picked up
  if (sale?.status === 'OPEN') return sale;
  opening ??= posApi('POST', '/api/pos/sales')
    .then((s) => {
      keep(s);
      $('receipt-area').replaceChildren();
      say($('pay-msg'));
      return s;
    })
    .finally(() => {
      opening = null;
    });
  return opening;
}

/**
 * A product's name typed at the till, not a code: words, or letters alone in small letters ("milk"). Skus and barcodes
 * are capitals, digits and dashes; anything else is tried as a code first (no basket is opened for a name).
 */
const looksLikeName = (text) => /\s/.test(text) || /^[A-Za-z]*[a-z][A-Za-z]*$/.test(text);

async function add(code, qty) {
  if (looksLikeName(code)) return findByName(code);
  try {
    const s = await ensureSale();
    sayLineChange(keep(await posApi('POST', `/api/pos/sales/${s.id}/lines`, { code, qty })));
  } catch (err) {
    if (err.status === 404 && !/^\d+$/.test(code)) return findByName(code); // not a sku: perhaps a name in capitals
    say($('basket-msg'), err.status === 404 ? new Error(`No item has the barcode ${code}.`) : err);
  }
  render();
}

/** A name typed in the scan field and Enter: the product search with it, the first match ready for ↓ and Enter. */
async function findByName(text) {
  const n = await search(text);
  if (n > 0) {
    say($('basket-msg'));
    $('search-results').querySelector('button')?.focus();
  } else say($('basket-msg'), new Error(`No product is called “${text}”. Check the spelling, or scan its barcode.`));
  render();
}

// ---- coupons (kept with the open basket, verified at each view; issue #25) ----

/** The coupons on the sale: on an open basket each code with whether it applied or why not; on a paid sale the ones it took. */
function renderCoupons(editable) {
  const list = sale?.coupons ?? [];
  $('coupons').hidden = list.length === 0;
  $('coupons').replaceChildren(
    ...list.map((c) =>
      h(
        'li',
        { class: c.status === 'APPLIED' ? 'coupon-ok' : 'coupon-refused' },
        `${c.code ?? 'Coupon'} — ${c.status === 'APPLIED' ? 'applied' : 'not applied'}: ${c.message}`,
        editable && c.code
          ? h(
              'button',
              {
                type: 'button',
                class: 'secondary',
                'aria-label': `Remove coupon ${c.code}`,
                onclick: () => void setCoupons(couponCodes().filter((code) => code !== c.code)),
              },
              'Remove',
            )
          : '',
      ),
    ),
  );
}

const couponCodes = () => (sale?.status === 'OPEN' ? (sale.coupons ?? []).map((c) => c.code).filter(Boolean) : []);

/** Puts these codes on the open sale (opening one when there is none): the answer says which applied and why not. */
async function setCoupons(codes) {
  try {
    const s = await ensureSale();
    keep(await posApi('PUT', `/api/pos/sales/${s.id}/coupons`, { codes }));
    const refused = (sale.coupons ?? []).filter((c) => c.status !== 'APPLIED');
    say(
      $('basket-msg'),
      null,
      refused.length ? `Not applied: ${refused.map((c) => `${c.code} (${c.message})`).join('; ')}` : 'Coupons updated.',
    );
    $('coupon-form').hidden = true;
    $('coupon-input').value = '';
  } catch (err) {
    say($('basket-msg'), err);
  }
  render();
  if ($('coupon-form').hidden) scan.focus();
  else $('coupon-input').select();
}

$('coupon-open').addEventListener('click', () => {
  $('coupon-form').hidden = false;
  $('coupon-input').focus();
});
$('coupon-cancel').addEventListener('click', () => {
  $('coupon-form').hidden = true;
  $('coupon-input').value = '';
  scan.focus();
});
$('coupon-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const code = $('coupon-input').value.trim();
  if (code) void setCoupons([...new Set([...couponCodes(), code])]);
});

// ---- the customer's loyalty card (kept with the open basket, sent with the sale) ----

function closeCardForm() {
  $('card-form').hidden = true;
  $('card-input').value = '';
}

/** Puts the customer's card on the open sale (opening one: the card often comes before the first item). */
async function setCard(typed) {
  try {
    const s = await ensureSale();
    keep(await posApi('PUT', `/api/pos/sales/${s.id}/customer-card`, { card: typed }));
    say($('basket-msg'), null, `Customer card ${sale.customerCard} is on this sale.`);
    closeCardForm();
  } catch (err) {
    say($('basket-msg'), err); // e.g. a misread check digit: the card stays off the sale
  }
  render();
  if ($('card-form').hidden) scan.focus();
  else $('card-input').select(); // typed wrong: correct it there
}

async function removeCard() {
  if (sale?.status !== 'OPEN') return;
  try {
    keep(await posApi('DELETE', `/api/pos/sales/${sale.id}/customer-card`));
    say($('basket-msg'), null, 'Customer card removed: this sale goes without one.');
  } catch (err) {
    say($('basket-msg'), err);
  }
  render();
  scan.focus();
}

$('card-open').addEventListener('click', () => {
  $('card-form').hidden = false;
  $('card-input').focus();
});
$('card-cancel').addEventListener('click', () => {
  closeCardForm();
  scan.focus();
});
$('card-remove').addEventListener('click', () => void removeCard());
$('card-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const typed = $('card-input').value.trim();
  if (typed) void setCard(typed);
});

/**
 * After a scan or a quantity change: a line's price override holds for the quantity a manager approved it at, so
 * another quantity took it off (the line is priced as usual again) and the cashier is told to ask again.
 */
function sayLineChange(s) {
  if (s?.priceOverrideRemoved) say($('basket-msg'), new Error(s.priceOverrideRemoved.message));
  else say($('basket-msg'));
}

async function setQty(sku, qty, andScan = true) {
  try {
    sayLineChange(keep(await posApi('PUT', `/api/pos/sales/${sale.id}/lines/${encodeURIComponent(sku)}`, { qty })));
  } catch (err) {
    say($('basket-msg'), err);
  }
  render();
  if (andScan) scan.focus();
}

// ---- product search at the till (the node's catalog search, ranked) ----

let searchTimer;
let searchSeq = 0;
function closeSearch() {
  clearTimeout(searchTimer);
  searchSeq++;
  $('search-area').hidden = true;
  $('search-results').replaceChildren();
}

/** Lists the products matching `text`, best first; resolves to how many. */
async function search(text) {
  const mine = ++searchSeq;
  const q = text.trim();
  if (q.length < 2 || SALE_NUMBER.test(q)) {
    closeSearch();
    return 0;
  }
  let found;
  try {
    found = (await api('GET', `/api/catalog/products?q=${encodeURIComponent(q)}&limit=8`)).items;
  } catch {
    return 0; // the scan still works; the list is a help
  }
  if (mine !== searchSeq) return 0;
  $('search-title').textContent = found.length
    ? `${plural(found.length, 'product matches', 'products match')} “${q}”`
    : `No product matches “${q}”`;
  $('search-results').replaceChildren(
    ...found.map((p) =>
      h(
        'li',
        {},
        h(
          'button',
          {
            type: 'button',
            class: 'result',
            onclick: () => {
              closeSearch();
              scan.value = '';
              const qty = Number($('scan-qty').value) || 1;
              $('scan-qty').value = '1';
              void add(p.sku, qty);
              scan.focus();
            },
          },
          placeholder(p.category, 'small'),
          h('span', { class: 'result-name' }, p.name),
          h('span', { class: 'result-price' }, money(p.priceMinor, p.currency)),
          h('span', { class: 'muted small' }, [p.brand, p.size, p.sku].filter(Boolean).join(' · ')),
          h('span', { class: 'muted small result-stock' }, `${p.onHand} on hand`),
        ),
      ),
    ),
  );
  $('search-area').hidden = false;
  return found.length;
}

scan.addEventListener('input', () => {
  clearTimeout(searchTimer);
  const text = scan.value;
  // Digits are a barcode on its way; letters are someone typing a name.
  if (!/[a-z\s]/i.test(text) || text.trim().length < 2) return closeSearch();
  searchTimer = setTimeout(() => void search(text), 250);
});
scan.addEventListener('keydown', (e) => {
  if (e.key === 'ArrowDown' && !$('search-area').hidden) {
    e.preventDefault();
    $('search-results').querySelector('button')?.focus();
  }
});
$('search-results').addEventListener('keydown', (e) => {
  const buttons = [...$('search-results').querySelectorAll('button')];
  const at = buttons.indexOf(document.activeElement);
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    e.preventDefault();
    const next = at + (e.key === 'ArrowDown' ? 1 : -1);
    if (next < 0) scan.focus();
    else buttons[Math.min(next, buttons.length - 1)]?.focus();
  }
});

// ---- paying, voiding ----

async function tender(body) {
  if (sale?.status !== 'OPEN') return;
  try {
    say($('pay-msg'), null, 'Paying…');
    keep(await posApi('POST', `/api/pos/sales/${sale.id}/tender`, body));
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

/** Whether there is a basket to take money for; if not, says so (F2 or F4 on an empty lane). */
function somethingToPay() {
  if (sale?.status === 'OPEN' && sale.lines.length && !sale.payment) return true;
  say(
    $('pay-msg'),
    new Error(
      sale?.status === 'COMPLETED'
        ? 'This sale is paid. Scan an item to start the next one.'
        : 'Nothing to pay for yet: scan an item first.',
    ),
  );
  return false;
}

function cashGiven() {
  const text = $('cash-given').value.trim();
  if (!text) return sale.totalMinor; // exact cash
  const value = Math.round(Number(text.replace(',', '.')) * 100);
  if (!Number.isFinite(value) || value < 0) throw new Error(`"${text}" is not an amount of cash`);
  return value;
}

function resetVoid() {
  const btn = $('void');
  btn.dataset.confirm = '';
  btn.textContent = 'Void sale';
}

$('scan-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const code = scan.value.trim();
  const qty = Number($('scan-qty').value) || 1;
  scan.value = '';
  $('scan-qty').value = '1';
  closeSearch();
  if (isCustomerCard(code)) void setCard(code);
  else if (SALE_NUMBER.test(code))
    void openReturn(code); // a receipt's barcode: the customer is bringing something back
  else if (code) void add(code, qty);
  scan.focus();
});
$('cash-form').addEventListener('submit', (e) => {
  e.preventDefault();
  if (!somethingToPay()) return;
  try {
    // The amount stays in the field until the sale is paid: pressing F2 again after "cannot reach the store node"
    // repeats the same tender (the same Idempotency-Key), and the node answers with the first result.
    void tender({ kind: 'CASH', givenMinor: cashGiven() });
  } catch (err) {
    say($('pay-msg'), err);
  }
});
$('pay-card').addEventListener('click', () => {
  if (somethingToPay()) void tender({ kind: 'CARD' });
});
$('void').addEventListener('click', async () => {
  if (sale?.status !== 'OPEN') return;
  const btn = $('void');
  if (btn.dataset.confirm !== 'yes') {
    btn.dataset.confirm = 'yes';
    btn.textContent = 'Press again to void';
    setTimeout(resetVoid, 4000);
    return;
  }
  try {
    const id = sale.id;
    const voided = await gated('VOID', { saleId: id, amountMinor: sale.totalMinor }, (approval) =>
      posApi('POST', `/api/pos/sales/${id}/void`, undefined, approval),
    );
    if (!voided) {
      say($('pay-msg'), null, CANCELLED);
      resetVoid();
      render();
      return scan.focus();
    }
    const what =
      `Sale ${voided.number ?? ''} voided — ${plural(items(voided.lines), 'item', 'items')}, ${money(voided.totalMinor, voided.currency)}.`.replace(
        'Sale  ',
        'Sale ',
      );
    keep(null); // the screen is clear for the next customer
    $('receipt-area').replaceChildren();
    say($('basket-msg'));
    say($('pay-msg'), null, voided.tender ? `${what} ${voided.note}` : what); // with a card: which payment was voided
  } catch (err) {
    say($('pay-msg'), err);
  }
  resetVoid();
  render();
  scan.focus();
});
$('new-sale').addEventListener('click', () => {
  keep(null);
  $('receipt-area').replaceChildren();
  say($('pay-msg'));
  say($('basket-msg'));
  render();
  scan.focus();
});

// ---- returns from the receipt ----

let returning = null;

function closeReturn() {
  returning = null;
  $('return-form').hidden = true;
  $('return-lines').tBodies[0].replaceChildren();
}

function returnTotal() {
  if (!returning) return 0;
  let n = 0;
  for (const input of $('return-lines').querySelectorAll('input')) n += Number(input.value) || 0;
  return n;
}

/** Finds the sale of a receipt (its number, typed or scanned) and lists what may still come back. */
async function openReturn(number) {
  $('return-sale').value = number;
  $('slip-area').replaceChildren();
  try {
    const s = await api('GET', `/api/pos/sales/${encodeURIComponent(number.trim())}`);
    if (s.status !== 'COMPLETED')
      throw new Error(`Sale ${s.number ?? number} is ${s.status.toLowerCase()}: only a paid sale takes returns.`);
    returning = s;
    $('return-caption').textContent =
      `Sale ${s.number ?? number}, paid ${new Date(s.closedAt).toLocaleString([], { dateStyle: 'medium', timeStyle: 'short', timeZone: lane?.timeZone })}`;
    $('return-lines').tBodies[0].replaceChildren(
      ...s.lines.map((l) => {
        const left = l.qty - (l.returnedQty ?? 0);
        return h(
          'tr',
          {},
          h(
            'td',
            {},
            l.name,
            h('div', { class: 'muted small' }, `${l.sku} · ${money(l.unitPriceMinor, s.currency)} each`),
          ),
          h('td', { class: 'n' }, String(l.qty)),
          h('td', { class: 'n' }, String(l.returnedQty ?? 0)),
          h(
            'td',
            { class: 'n' },
            h('input', {
              type: 'number',
              class: 'qty',
              min: 0,
              max: left,
              value: s.lines.length === 1 && left > 0 ? 1 : 0,
              disabled: left === 0,
              'data-sku': l.sku,
              'aria-label': `Return quantity of ${l.name} (up to ${left})`,
            }),
          ),
        );
      }),
    );
    $('return-how').textContent =
      s.tender?.kind === 'CARD'
        ? `The refund goes back to the card the sale was paid with (${s.tender.reference}), through the card terminal.`
        : 'The refund is paid in cash from the drawer.';
    $('return-form').hidden = false;
    say($('return-msg'));
    const first = $('return-lines').querySelector('input:not([disabled])');
    if (first) first.focus();
    else say($('return-msg'), new Error(`Everything from sale ${s.number ?? number} has been returned already.`));
  } catch (err) {
    closeReturn();
    say($('return-msg'), err);
  }
}

$('return-find').addEventListener('submit', (e) => {
  e.preventDefault();
  void openReturn($('return-sale').value);
});
$('return-cancel').addEventListener('click', () => {
  closeReturn();
  say($('return-msg'));
  scan.focus();
});
$('return-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  if (!returning) return;
  const wanted = [...$('return-lines').querySelectorAll('input')]
    .map((i) => ({ sku: i.dataset.sku, qty: Number(i.value) }))
    .filter((i) => i.qty > 0);
  const bad = wanted.find((i) => !Number.isInteger(i.qty));
  if (bad || !wanted.length || returnTotal() === 0) {
    say($('return-msg'), new Error('Choose how many of which item come back (a whole number on at least one line).'));
    return;
  }
  try {
    // A refund over the store's limit needs a manager: the node prices it and says so (403), then the PIN is asked.
    const id = returning.id;
    const r = await gated('REFUND_OVER_LIMIT', null, (approval) =>
      posApi('POST', `/api/pos/sales/${id}/returns`, { items: wanted }, approval),
    );
    if (!r) return say($('return-msg'), null, CANCELLED);
    const amount = money(r.refundMinor, r.sale.currency);
    const how =
      r.refund?.kind === 'CARD'
        ? `to the customer's card (refund ${r.refund.reference})`
        : `in cash: give the customer ${amount} from the drawer`;
    say($('return-msg'), null, `Refund ${amount} (return ${r.number ?? idTail(r.returnId)}), ${how}.`);
    $('slip-area').replaceChildren(...paper('Return slip', r.slip, null, r.printed));
    closeReturn();
    $('return-sale').value = '';
  } catch (err) {
    say($('return-msg'), err);
    if (err.status === 409 && returning) void openReturn(returning.number ?? returning.id); // what is left now
  }
});

// ---- a manager's price override on a line, and a no-sale drawer open (issue #27) ----

let overriding = null;
function closeOverride() {
  overriding = null;
  overrideForm.hidden = true;
  $('override-price').value = '';
  $('override-reason').value = '';
}
function openOverride(l) {
  overriding = l.sku;
  $('override-what').textContent = `${l.name} (${l.sku}), now ${money(l.unitPriceMinor, sale.currency)} each`;
  $('override-price').value = (l.unitPriceMinor / 100).toFixed(2);
  overrideForm.hidden = false;
  $('override-price').select();
}
overrideForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  if (!overriding || sale?.status !== 'OPEN') return closeOverride();
  const text = $('override-price').value.trim();
  const unitPriceMinor = Math.round(Number(text.replace(',', '.')) * 100);
  const reason = $('override-reason').value.trim();
  if (!text || !Number.isFinite(unitPriceMinor) || unitPriceMinor < 0)
    return say($('basket-msg'), new Error(`"${text}" is not a price`));
  const id = sale.id;
  const sku = overriding;
  try {
    const s = await gated('PRICE_OVERRIDE', { saleId: id, sku, amountMinor: unitPriceMinor }, (approval) =>
      posApi(
        'POST',
        `/api/pos/sales/${id}/lines/${encodeURIComponent(sku)}/price-override`,
        { unitPriceMinor, reason },
        approval,
      ),
    );
    if (!s) say($('basket-msg'), null, CANCELLED);
    else {
      keep(s);
      say($('basket-msg'), null, `Price of ${sku} overridden: ${money(unitPriceMinor, s.currency)} each.`);
      closeOverride();
    }
  } catch (err) {
    say($('basket-msg'), err);
  }
  render();
  if (overrideForm.hidden) scan.focus();
});
$('override-cancel').addEventListener('click', () => {
  closeOverride();
  scan.focus();
});

$('no-sale').addEventListener('click', () => {
  noSaleForm.hidden = false;
  $('no-sale-reason').focus();
});
$('no-sale-cancel').addEventListener('click', () => {
  noSaleForm.hidden = true;
  scan.focus();
});
noSaleForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  const reason = $('no-sale-reason').value.trim();
  try {
    const answer = await gated('NO_SALE', {}, (approval) =>
      posApi('POST', '/api/pos/drawer/open', { reason }, approval),
    );
    if (!answer) say(noSaleMsg, null, CANCELLED);
    else if (answer.opened) say(noSaleMsg, null, 'Drawer opened (no sale).');
    else say(noSaleMsg, new Error(`The drawer did not open: ${answer.reason}.`));
    if (answer) {
      noSaleForm.hidden = true;
      $('no-sale-reason').value = '';
    }
  } catch (err) {
    say(noSaleMsg, err);
  }
  if (noSaleForm.hidden) scan.focus();
});

document.addEventListener('keydown', (e) => {
  if (e.key === 'F2') {
    e.preventDefault();
    $('cash-form').requestSubmit();
  } else if (e.key === 'F4') {
    e.preventDefault();
    $('pay-card').click();
  } else if (e.key === 'F6') {
    e.preventDefault();
    if (!$('card-open').disabled) $('card-open').click();
  } else if (e.key === 'F8') {
    e.preventDefault();
    $('new-sale').click();
  } else if (e.key === 'Escape') {
    // Cancels what is in progress, innermost first: the product list, the card being typed, a void waiting for its
    // second press, a return, cash being typed.
    if (!$('search-area').hidden) closeSearch();
    else if (!overrideForm.hidden) closeOverride();
    else if (!noSaleForm.hidden) noSaleForm.hidden = true;
    else if (!$('card-form').hidden) closeCardForm();
    else if ($('void').dataset.confirm === 'yes') resetVoid();
    else if (returning) {
      closeReturn();
      say($('return-msg'));
    } else if ($('cash-given').value) $('cash-given').value = '';
    else return;
    e.preventDefault();
    scan.focus();
  }
});
render();
const resumed = resume();
