// Delivery desk: what leaves from this store today, grouped by who collects it (carrier, driver, vehicle, collect-by
// time); each bag's order number, customer, area, window, products and an age check; search by order number; "Handed
// to driver". Works offline: the hand-over is recorded on the store node (the hold handed over, stock moved, the
// event queued) and reaches the hub when it is back.
//
// Keyboard: type or scan the order number, Enter -> the bag's "Handed to driver" has focus (or its title, when it may
// not go yet: the reason is on the card) -> Enter. The 5-second refresh redraws only when something changed, and
// puts focus back on the control that had it.
import { api, h, placeholder, say, statusBar } from '/store.js';

statusBar('Deliveries');
const $ = (id) => document.getElementById(id);

/** The store's time zone (from the node; the screen's own until it says). */
let zone;
/** The order number searched for, or null: today's list. */
let search = null;
let shown;

const format = (ms, opts) => {
  if (!ms) return '—';
  try {
    return new Intl.DateTimeFormat(undefined, { timeZone: zone, ...opts }).format(ms);
  } catch {
    return new Intl.DateTimeFormat(undefined, opts).format(ms);
  }
};
const clock = (ms) => format(ms, { hour: '2-digit', minute: '2-digit' });
/** `Sat 28 Nov` from the store's date (`2026-11-28`, the node's "today" in the store's zone). */
const dayLabel = (day) =>
  new Intl.DateTimeFormat(undefined, { timeZone: 'UTC', weekday: 'short', day: 'numeric', month: 'short' }).format(
    Date.parse(`${day}T12:00:00Z`),
  );
const itemsWord = (n) => `${n} item${n === 1 ? '' : 's'}`;
/** The node's refusals are clauses ("no driver has accepted SF-1 yet: …"); on the page they read as sentences. */
const sentence = (s) => `${s.charAt(0).toUpperCase()}${s.slice(1)}${/[.!?]$/.test(s) ? '' : '.'}`;

const STATUS = {
  REQUESTED: ['Finding a driver', 'warn'],
  ASSIGNED: ['Driver assigned', ''],
  OUT_FOR_DELIVERY: ['Out for delivery', 'ok'],
  ARRIVING: ['Arriving', 'ok'],
  DELIVERED: ['Delivered', 'ok'],
  FAILED: ['Not delivered', 'bad'],
  RETURNING: ['Coming back', 'warn'],
  RETURNED: ['Back in stock', 'ok'],
  UNASSIGNED: ['No carrier: cancelled', 'bad'],
  CANCELLED: ['Cancelled', 'bad'],
};
/** The hub's status, unless this store handed the bag over and the hub has not heard yet. */
const statusOf = (d) =>
  d.handedAt && (d.status === 'REQUESTED' || d.status === 'ASSIGNED')
    ? ['Handed to driver', 'ok']
    : (STATUS[d.status] ?? [d.status, 'warn']);
const SPEED = { TWO_HOUR: '2-hour', SAME_DAY: 'same day', NEXT_DAY: 'next day', WINDOW: 'chosen window' };
const KIND = { VAN: 'store van', GIG: 'gig driver', DSP: 'delivery partner', DRONE: 'drone' };

const lineList = (d) =>
  h(
    'ul',
    { class: 'lines' },
    d.lines.map((l) =>
      h(
        'li',
        {},
        placeholder(l.category || l.name || l.sku, 'small'),
        h('span', {}, h('strong', {}, `${l.qty} ×`), ` ${l.name ?? l.sku}`, h('span', { class: 'muted sku' }, l.sku)),
      ),
    ),
  );

/** One bag: order number, customer, status, age check, area and window, products, what happened or why it waits. */
function bagCard(d) {
  const titleId = `bag-${d.id}`;
  const [statusText, statusKind] = statusOf(d);
  const done = d.handedAt ? `Handed to ${d.handedTo} at ${clock(d.handedAt)} — ${itemsWord(d.units)}` : null;
  return h(
    'li',
    { class: `bag-card${done || d.returned ? ' done' : ''}`, 'data-id': d.id },
    h(
      'div',
      { class: 'pickup-head' },
      h(
        'h3',
        { id: titleId, tabindex: '-1', 'data-focus-key': `${d.id}:title` },
        h('span', { class: 'order-no' }, d.orderNumber),
        ` · ${d.customerName}`,
      ),
      h('span', { class: `badge ${statusKind}` }, statusText),
    ),
    d.ageRestricted
      ? h(
          'p',
          { class: 'check-id' },
          h('strong', {}, 'Check ID'),
          ' — age-restricted: the driver checks ID and takes the PIN at the door.',
        )
      : null,
    h(
      'p',
      { class: 'muted when' },
      `${d.area} · arrives ${clock(d.window.from)}–${clock(d.window.to)} · ${SPEED[d.speed] ?? d.speed}`,
    ),
    lineList(d),
    done ? h('p', { class: 'done-line' }, done) : null,
    d.returned
      ? h(
          'p',
          { class: 'back-in-stock' },
          `Back in stock: ${itemsWord(d.returned.units)} at ${clock(d.returned.appliedAt)} (${d.returned.reason})`,
        )
      : null,
    d.refusal && !d.handedAt && !d.returned ? h('p', { class: 'muted refusal' }, sentence(d.refusal)) : null,
    d.refusal === null
      ? h(
          'button',
          {
            type: 'button',
            'data-focus-key': `${d.id}:hand`,
            'aria-describedby': titleId,
            onclick: () => hand(d),
          },
          'Handed to driver',
        )
      : null,
  );
}

/** One collector's bags: who (driver, vehicle), for which carrier, and by when they collect. */
function groupCard(g, i) {
  const titleId = `group-${i}`;
  const loose = g.deliveries.filter((d) => d.refusal === null).length;
  return h(
    'section',
    { class: `card collector${g.driver ? '' : ' no-driver'}`, 'aria-labelledby': titleId },
    h(
      'div',
      { class: 'collector-head' },
      h('h2', { id: titleId }, g.driver ? `${g.driver.name} · ${g.driver.vehicle}` : 'No driver yet'),
      h(
        'p',
        { class: 'muted' },
        g.driver
          ? [
              g.carrier ? `${g.carrier.name} (${KIND[g.carrier.kind] ?? g.carrier.kind})` : '',
              g.collectBy ? `collects by ${clock(g.collectBy)}` : '',
              `${g.deliveries.length} bag${g.deliveries.length === 1 ? '' : 's'}${loose ? `, ${loose} to hand over` : ''}`,
            ]
              .filter(Boolean)
              .join(' · ')
          : 'Keep these bags until a driver is named.',
      ),
    ),
    h(
      'ul',
      { class: 'bag-list', 'aria-labelledby': titleId },
      g.deliveries.map((d) => bagCard(d)),
    ),
  );
}

/** Draws the list when it changed, and gives focus back to the control that had it (or its redrawn twin). */
function render(data) {
  const sig = JSON.stringify([data, zone, search]);
  if (sig === shown) return;
  shown = sig;
  const focusKey = $('groups').contains(document.activeElement) ? document.activeElement.dataset.focusKey : undefined;
  $('day').textContent = search
    ? `Deliveries with order number ${search.replace(/^\s*sf[\s-]?(\d+)\s*$/i, 'SF-$1')}, any day.`
    : `Today, ${dayLabel(data.day)}: what leaves from this store, by who collects it.`;
  $('groups').replaceChildren(
    ...(data.groups.length
      ? data.groups.map(groupCard)
      : [
          h(
            'p',
            { class: 'card muted empty' },
            search ? 'No delivery found.' : 'Nothing leaves from this store today.',
          ),
        ]),
  );
  if (focusKey)
    $('groups')
      .querySelector(`[data-focus-key="${CSS.escape(focusKey)}"]`)
      ?.focus({ preventScroll: true });
}

async function load() {
  const data = await api('GET', search ? `/api/delivery?q=${encodeURIComponent(search)}` : '/api/delivery');
  zone = data.timeZone ?? zone;
  render(data);
  return data;
}

async function hand(d) {
  try {
    const done = await api('POST', `/api/delivery/${d.id}/hand-to-driver`, {});
    say($('msg'), null, `Handed to ${done.handedTo}: ${done.orderNumber}, ${itemsWord(done.units)}.`);
    await load();
    $(`bag-${d.id}`)?.focus();
  } catch (err) {
    say($('msg'), new Error(sentence(err.message)));
    await load().catch(() => {});
  }
}

$('find-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const text = $('find').value.trim();
  if (!text) return;
  search = text;
  $('show-today').hidden = false;
  try {
    const data = await load();
    const bags = data.groups.flatMap((g) => g.deliveries);
    say($('msg'), bags.length ? null : new Error(`No delivery has order number “${text}”.`));
    if (bags.length === 1) {
      const b = bags[0];
      ($(`bag-${b.id}`)?.parentElement?.parentElement?.querySelector('button') ?? $(`bag-${b.id}`))?.focus();
    }
  } catch (err) {
    say($('msg'), new Error(sentence(err.message)));
  }
  if (document.activeElement === $('find')) $('find').select();
});

$('show-today').addEventListener('click', async () => {
  search = null;
  $('find').value = '';
  $('show-today').hidden = true;
  say($('msg'));
  await load().catch((err) => say($('msg'), err));
  $('find').focus();
});

async function refresh() {
  try {
    await load();
  } catch (err) {
    say($('msg'), err);
  }
}
await refresh();
setInterval(refresh, 5000);
