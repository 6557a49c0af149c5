// BOPIS pickup desk: due pickups, find by QR / typed code / order number / name, verify, hand over, no-show, curbside
// arrivals. Works offline: the QR is checked against the hub's key and a typed code against the hold's keyed hash,
// both of which the store already holds, and hand-overs sync when the hub is back.
//
// Keyboard: type in the search box, Enter -> the hold opens with focus on its code field -> type the code the customer
// reads out, Enter -> focus moves to "Hand over" -> Enter. The 5-second refresh updates the lists in place (only the
// cards that changed), so focus and whatever the associate is typing stay where they are.
import { api, h, idTail, placeholder, say, statusBar } from '/store.js';

statusBar('Pickups');
const $ = (id) => document.getElementById(id);

/** The store's time zone (from the node; the screen's own until it says). */
let zone;
const format = (ms, opts) => {
  if (!ms) return '—';
  try {
    return new Intl.DateTimeFormat(undefined, { timeZone: zone, ...opts }).format(ms);
  } catch {
    return new Intl.DateTimeFormat(undefined, opts).format(ms);
  }
};
const when = (ms) =>
  format(ms, { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' });
const clock = (ms) => format(ms, { hour: '2-digit', minute: '2-digit' });

const isOpen = (r) => r.status === 'HELD' || r.status === 'CONFIRMED';
const firstName = (r) => {
  const ref = (r.customerRef ?? '').trim();
  return !ref || ref.startsWith('(') ? 'Customer' : ref.split(/\s+/)[0];
};
const orderLabel = (r) => r.orderNumber ?? `Hold ${idTail(r.id)}`;
const units = (r) => r.lines.reduce((n, l) => n + l.qty, 0);
const itemsWord = (n) => `${n} item${n === 1 ? '' : 's'}`;
const productName = (l) => l.name ?? l.sku;

/** What the card says once the hold is over here: "Handed over 14:05 — 3 items". */
function doneLine(r) {
  if (r.handedOverAt) return `Handed over ${clock(r.handedOverAt)} — ${itemsWord(units(r))}`;
  if (r.noShowAt) return `Marked no-show ${clock(r.noShowAt)} — hold released`;
  return undefined;
}

const STATUS = {
  HELD: ['Held', ''],
  CONFIRMED: ['Paid, ready', ''],
  FULFILLED: ['Handed over', 'ok'],
  NO_SHOW: ['No-show', 'warn'],
  RELEASED: ['Cancelled', 'warn'],
  EXPIRED: ['Expired', 'warn'],
};
const statusBadge = (s) => {
  const [text, kind] = STATUS[s] ?? [s, 'warn'];
  return h('span', { class: `badge ${kind}` }, text);
};

const lineList = (r) =>
  h(
    'ul',
    { class: 'lines' },
    r.lines.map((l) =>
      h(
        'li',
        {},
        placeholder(l.category || l.name || l.sku, 'small'),
        h('span', {}, h('strong', {}, `${l.qty} ×`), ` ${productName(l)}`, h('span', { class: 'muted sku' }, l.sku)),
      ),
    ),
  );

/** A hold that leaves by delivery goes to its driver at the delivery desk, never to a customer here. */
const deliveryNote = (r) =>
  r.leavesByDelivery
    ? h(
        'p',
        { class: 'parked' },
        `Leaves by delivery (${r.leavesByDelivery}): hand it to the driver at the `,
        h('a', { href: '/delivery.html' }, 'delivery desk'),
        ', not to a customer.',
      )
    : null;

const parkedNote = (r) =>
  r.parkingSpot && isOpen(r)
    ? h('p', { class: 'parked' }, `Parked outside at spot ${r.parkingSpot} since ${clock(r.arrivedAt)}`)
    : null;

// ---------------------------------------------------------------- the opened hold

function showDetail(r, { verified = false, focus } = {}) {
  const done = doneLine(r);
  const open = isOpen(r) && !r.leavesByDelivery;
  const titleId = `hold-${r.id}`;
  const codeForm =
    open && !verified && r.hasTypedCode
      ? h(
          'form',
          { class: 'row code-form', onsubmit: (e) => checkCode(e, r) },
          h(
            'div',
            {},
            h('label', { for: 'typed-code' }, 'Code the customer reads out'),
            h('input', {
              id: 'typed-code',
              autocomplete: 'off',
              autocapitalize: 'characters',
              spellcheck: 'false',
              maxlength: 12,
              placeholder: 'K7M-4QH',
              'aria-describedby': 'code-msg',
              disabled: r.typedTriesLeft === 0,
            }),
          ),
          h('button', { type: 'submit', disabled: r.typedTriesLeft === 0 }, 'Check code'),
        )
      : null;
  $('detail').replaceChildren(
    h(
      'article',
      { class: `hold-detail${done ? ' done' : ''}`, 'aria-labelledby': titleId },
      h(
        'h3',
        { id: titleId, tabindex: '-1' },
        `${orderLabel(r)} — ${r.customerRef && !r.customerRef.startsWith('(') ? r.customerRef : 'Customer'} `,
        statusBadge(r.status),
      ),
      done ? h('p', { class: 'done-line', role: 'status' }, done) : null,
      deliveryNote(r),
      parkedNote(r),
      lineList(r),
      h(
        'p',
        { class: 'muted' },
        [
          r.createdAt ? `Ordered ${when(r.createdAt)}` : '',
          open ? `hold until ${when(r.expiresAt)}` : '',
          r.endedReason ?? '',
        ]
          .filter(Boolean)
          .join(' · '),
      ),
      open
        ? verified
          ? h('p', { class: 'ok' }, 'Pickup code verified.')
          : h(
              'p',
              { class: 'muted' },
              r.hasTypedCode
                ? r.typedTriesLeft === 0
                  ? 'Typed code locked after 5 wrong codes: scan the customer’s QR.'
                  : 'Scan the customer’s QR, or type the code they read out, before handing over.'
                : 'Scan the customer’s QR code before handing over.',
            )
        : null,
      codeForm,
      h('div', { id: 'code-msg' }),
      open
        ? h(
            'div',
            { class: 'actions start' },
            h(
              'button',
              { type: 'button', id: 'hand-over', disabled: !verified, onclick: () => act(r, 'hand-over') },
              'Hand over',
            ),
            h('button', { type: 'button', class: 'secondary', onclick: () => askNoShow(r) }, 'Mark no-show'),
          )
        : null,
    ),
  );
  if (focus === 'code' && $('typed-code') && !$('typed-code').disabled) $('typed-code').focus();
  else if (focus === 'hand-over' && $('hand-over')) $('hand-over').focus();
  else if (focus === 'title' || (focus && r.leavesByDelivery)) $(titleId).focus();
}

async function checkCode(e, r) {
  e.preventDefault();
  const input = $('typed-code');
  const code = input.value.trim();
  if (!code) return;
  try {
    const res = await api('POST', `/api/bopis/pickups/${r.id}/verify-code`, { code });
    if (res.matched) return showDetail(res.hold, { verified: true, focus: 'hand-over' });
    showDetail(res.hold, { focus: res.triesLeft ? 'code' : 'title' });
    say(
      $('code-msg'),
      new Error(
        res.triesLeft
          ? `That code does not match this pickup. ${res.triesLeft} ${res.triesLeft === 1 ? 'try' : 'tries'} left.`
          : 'That code does not match either. Typed codes are now locked for this pickup: scan the customer’s QR.',
      ),
    );
  } catch (err) {
    say($('code-msg'), err);
    input.select();
  }
}

/** The per-hold check of a code the search box found the hold by; undefined when it could not be checked. */
async function checkFoundCode(r, code) {
  try {
    return await api('POST', `/api/bopis/pickups/${r.id}/verify-code`, { code });
  } catch {
    return undefined;
  }
}

async function act(r, action) {
  try {
    const done = await api('POST', `/api/bopis/pickups/${r.id}/${action}`);
    showDetail(done, { focus: 'title' });
    say(
      $('find-msg'),
      null,
      action === 'hand-over'
        ? `Handed over: ${orderLabel(done)}, ${itemsWord(units(done))}.`
        : `${orderLabel(done)} marked as a no-show; the hold is released.`,
    );
    await refresh();
  } catch (err) {
    say($('find-msg'), err);
  }
}

function askNoShow(r) {
  const dialog = $('no-show-dialog');
  $('no-show-title').textContent = `Mark ${orderLabel(r)} as a no-show?`;
  $('no-show-text').replaceChildren(
    ...(r.parkingSpot && isOpen(r)
      ? [
          h(
            'p',
            { class: 'parked' },
            `${firstName(r)} checked in and is parked outside at spot ${r.parkingSpot} (since ${clock(r.arrivedAt)}). Walk out to the car before you mark a no-show.`,
          ),
        ]
      : []),
    h(
      'p',
      {},
      `${firstName(r)}’s hold is released and its ${itemsWord(units(r))} go back on sale. This cannot be undone.`,
    ),
  );
  dialog.returnValue = '';
  dialog.onclose = () => {
    if (dialog.returnValue === 'confirm') void act(r, 'no-show');
    else document.querySelector('#detail .actions button.secondary')?.focus();
  };
  dialog.showModal();
}

// ---------------------------------------------------------------- search

function renderResults(list) {
  $('results').replaceChildren(
    list.length > 1
      ? h(
          'div',
          {},
          h('h3', { id: 'results-title' }, `${list.length} pickups match`),
          h(
            'ul',
            { class: 'pickup-list', 'aria-labelledby': 'results-title' },
            list.map((r) => card(r, 'result')),
          ),
        )
      : '',
  );
}

$('find-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const text = $('find').value.trim();
  if (!text) return;
  $('detail').replaceChildren();
  $('results').replaceChildren();
  try {
    if (/^SF\d+\./.test(text)) {
      const r = await api('POST', '/api/bopis/pickups/verify', { code: text });
      showDetail(r, { verified: true, focus: 'hand-over' });
      say($('find-msg'));
    } else {
      const found = await api('GET', `/api/bopis/pickups?q=${encodeURIComponent(text)}`);
      zone = found.timeZone ?? zone;
      const list = found.items;
      // A code found in the search box only opens the hold: the code is then checked against that hold (counted, and
      // refused once its typed entry is locked) before Hand over is offered.
      const byCode = found.by === 'pickup-code' && list.length === 1 ? await checkFoundCode(list[0], text) : undefined;
      say(
        $('find-msg'),
        list.length
          ? null
          : new Error(
              /^[a-z]{6}$/i.test(text)
                ? `No pickup matches “${text}”. A pickup code is typed with its dash, like K7M-4QH.`
                : `No pickup matches “${text}”.`,
            ),
        byCode?.matched ? 'Pickup code matched.' : undefined,
      );
      if (list.length === 1)
        showDetail(byCode?.hold ?? list[0], {
          verified: byCode?.matched === true,
          focus: byCode?.matched ? 'hand-over' : 'code',
        });
      renderResults(list);
      if (list.length > 1) document.querySelector('#results button')?.focus();
    }
  } catch (err) {
    say($('find-msg'), err);
  }
  if (document.activeElement === $('find')) $('find').select();
});

// ---------------------------------------------------------------- the lists, updated in place

/** One hold as a card of a list: order number, first name, when ordered, expiry, products, status, Open. */
function card(r, list) {
  const done = doneLine(r);
  const titleId = `${list}-${r.id}`;
  return h(
    'li',
    { class: `pickup-card${done ? ' done' : ''}${r.parkingSpot && isOpen(r) ? ' parked-card' : ''}`, 'data-id': r.id },
    h(
      'div',
      { class: 'pickup-head' },
      h('h3', { id: titleId }, h('span', { class: 'order-no' }, orderLabel(r)), ` · ${firstName(r)}`),
      statusBadge(r.status),
    ),
    done ? h('p', { class: 'done-line' }, done) : null,
    deliveryNote(r),
    parkedNote(r),
    lineList(r),
    h(
      'p',
      { class: 'muted when' },
      r.createdAt ? `Ordered ${when(r.createdAt)}` : 'Known from its pickup code',
      isOpen(r) ? ` · hold until ${when(r.expiresAt)}` : '',
    ),
    h(
      'button',
      {
        type: 'button',
        class: 'secondary',
        'data-focus-key': `${list}:${r.id}:open`,
        'aria-describedby': titleId,
        onclick: () => {
          showDetail(r, { focus: isOpen(r) && r.hasTypedCode && r.typedTriesLeft ? 'code' : 'title' });
          $('detail').scrollIntoView({ block: 'nearest' });
        },
      },
      'Open',
    ),
  );
}

/**
 * Brings `ul` to `items` without rebuilding what did not change: a card is rebuilt only when its hold changed, cards
 * keep their order otherwise, and the element that had focus (or its rebuilt twin) has it afterwards.
 */
function reconcile(ul, items, make, empty) {
  const focusKey = ul.contains(document.activeElement) ? document.activeElement.dataset.focusKey : undefined;
  const existing = new Map([...ul.children].filter((li) => li.dataset.sig).map((li) => [li.dataset.id, li]));
  const wanted = items.map((r) => {
    const sig = JSON.stringify([r, zone]);
    const old = existing.get(r.id);
    if (old && old.dataset.sig === sig) return old;
    const li = make(r);
    li.dataset.sig = sig;
    if (old) old.replaceWith(li);
    return li;
  });
  if (!items.length) {
    if (!ul.querySelector('.empty')) ul.replaceChildren(h('li', { class: 'muted empty' }, empty));
    return;
  }
  for (const li of [...ul.children]) if (!wanted.includes(li)) li.remove();
  // Reorder only where needed (moving a node that holds focus would drop the focus).
  wanted.forEach((li, i) => {
    if (ul.children[i] !== li) ul.insertBefore(li, ul.children[i] ?? null);
  });
  if (focusKey && document.activeElement?.dataset.focusKey !== focusKey)
    ul.querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`)?.focus({ preventScroll: true });
}

function arrivalItem(r) {
  return h(
    'li',
    { 'data-id': r.id },
    h('strong', {}, `Spot ${r.parkingSpot}`),
    ` — ${orderLabel(r)}, ${firstName(r)}: ${r.lines.map((l) => `${l.qty} × ${productName(l)}`).join(', ')} (arrived ${clock(r.arrivedAt)})`,
  );
}

async function refresh() {
  try {
    const { items, timeZone } = await api('GET', '/api/bopis/pickups?limit=100');
    zone = timeZone ?? zone;
    const due = items.filter((r) => !r.leavesByDelivery); // those bags are on the delivery desk
    reconcile($('due'), due, (r) => card(r, 'due'), 'No pickups due.');
    reconcile(
      $('curbside'),
      due.filter((r) => r.arrivedAt && isOpen(r)),
      arrivalItem,
      'Nobody waiting outside.',
    );
  } catch (err) {
    say($('find-msg'), err);
  }
}
await refresh();
setInterval(refresh, 5000);
