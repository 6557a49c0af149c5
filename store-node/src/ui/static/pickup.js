// BOPIS pickup desk: due pickups, find by code/QR/name, verify, hand over, no-show, curbside arrivals. Works offline:
// codes are checked against the hub's key the store already holds, and hand-overs sync when the hub is back.
import { api, h, say, statusBar, time } from '/store.js';

statusBar('Pickups');
const $ = (id) => document.getElementById(id);
const items = (r) => r.lines.map((l) => `${l.qty} × ${l.sku}`).join(', ');
const statusBadge = (s) =>
  h(
    'span',
    { class: `badge ${s === 'FULFILLED' ? 'ok' : s === 'CONFIRMED' || s === 'HELD' ? '' : 'warn'}` },
    s === 'FULFILLED' ? 'HANDED OVER' : s,
  );

function showDetail(r, verified) {
  const open = r.status === 'HELD' || r.status === 'CONFIRMED';
  $('detail').replaceChildren(
    h(
      'div',
      { class: 'card', 'aria-label': 'Pickup details' },
      h('h2', {}, `${r.customerRef || 'Customer'} `, statusBadge(r.status)),
      h('p', {}, `Items: ${items(r)}`),
      h(
        'p',
        { class: 'muted' },
        `Order ${r.id} · hold until ${time(r.expiresAt)}${r.parkingSpot ? ` · parked at ${r.parkingSpot}` : ''}`,
      ),
      verified
        ? h('p', { class: 'ok' }, 'Pickup code verified.')
        : h('p', { class: 'muted' }, 'Found by search: scan the customer’s code to verify before handing over.'),
      h(
        'div',
        { class: 'row' },
        h(
          'button',
          { type: 'button', disabled: !open || !verified, onclick: () => act(r.id, 'hand-over') },
          'Hand over',
        ),
        h(
          'button',
          { type: 'button', class: 'secondary', disabled: !open, onclick: () => act(r.id, 'no-show') },
          'Mark no-show',
        ),
      ),
    ),
  );
}

async function act(id, action) {
  try {
    const r = await api('POST', `/api/bopis/pickups/${id}/${action}`);
    say($('find-msg'), null, action === 'hand-over' ? 'Handed over.' : 'Marked as a no-show; the hold is released.');
    showDetail(r, false);
    await refresh();
  } catch (err) {
    say($('find-msg'), err);
  }
}

$('find-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const text = $('find').value.trim();
  if (!text) return;
  $('detail').replaceChildren();
  try {
    if (/^SF\d+\./.test(text)) {
      showDetail(await api('POST', '/api/bopis/pickups/verify', { code: text }), true);
      say($('find-msg'));
    } else {
      const { items: found } = await api('GET', `/api/bopis/pickups?q=${encodeURIComponent(text)}`);
      if (found.length === 1) showDetail(found[0], false);
      say(
        $('find-msg'),
        found.length ? null : new Error(`No pickup matches “${text}”.`),
        found.length > 1 ? `${found.length} pickups match; pick one below.` : undefined,
      );
      if (found.length > 1) renderDue(found);
    }
  } catch (err) {
    say($('find-msg'), err);
  }
  $('find').select();
});

function renderDue(list) {
  $('due').tBodies[0].replaceChildren(
    ...(list.length
      ? list.map((r) =>
          h(
            'tr',
            {},
            h('td', {}, r.customerRef),
            h('td', {}, items(r)),
            h('td', {}, statusBadge(r.status)),
            h('td', {}, time(r.expiresAt)),
            h(
              'td',
              {},
              h(
                'button',
                {
                  type: 'button',
                  class: 'secondary',
                  'aria-label': `Open the pickup of ${r.customerRef}`,
                  onclick: () => showDetail(r, false),
                },
                'Open',
              ),
            ),
          ),
        )
      : [h('tr', {}, h('td', { colspan: 5, class: 'muted' }, 'No pickups due.'))]),
  );
}

async function refresh() {
  try {
    const { items: due } = await api('GET', '/api/bopis/pickups?limit=100');
    renderDue(due);
    const arrived = due.filter((r) => r.arrivedAt);
    $('curbside').replaceChildren(
      ...(arrived.length
        ? arrived.map((r) =>
            h(
              'li',
              {},
              h('strong', {}, `Spot ${r.parkingSpot}`),
              ` — ${r.customerRef}, ${items(r)} (arrived ${time(r.arrivedAt)})`,
            ),
          )
        : [h('li', { class: 'muted' }, 'Nobody waiting outside.')]),
    );
  } catch (err) {
    say($('find-msg'), err);
  }
}
await refresh();
setInterval(refresh, 5000);
