// The customer's tracking page (issue #18): opened from a link `track.html#t=<token>`, no sign-in. The token stays in
// the fragment (browsers never send it to a server, nor as a referrer); the page asks the hub for what the customer may
// see, every ten seconds while the goods are on their way, and draws the store, the door and the driver to scale as
// SVG (no map tiles, no CDN). Times are the store's clock. When the hub cannot be reached the page keeps what it last
// knew and says so.
import { h } from '/shared/dom.js';

const POLL_MS = 10_000;
const ENDED = new Set(['DELIVERED', 'RETURNED', 'CANCELLED', 'UNASSIGNED']);
const GOING_BACK = new Set(['FAILED', 'RETURNING']);
const TOKEN = /^trk_[A-Za-z0-9_-]{22}$/;
const main = document.getElementById('track');
const title = document.getElementById('title');
const state = document.getElementById('state');
const details = document.getElementById('details');
let shown; // the view on screen
let shownAt = 0;
let timer;

/** The live region speaks when its text changes: only a change of state is set there, not every poll. */
function say(text, tone = '') {
  if (state.textContent !== text) state.textContent = text;
  state.className = `state ${tone}`.trim();
}

const tokenOf = () => new URLSearchParams(location.hash.slice(1)).get('t') ?? '';

async function load() {
  clearTimeout(timer);
  const token = tokenOf();
  if (!TOKEN.test(token))
    return gone('Link not complete', 'Open the tracking link again from the message we sent you.');
  let res;
  try {
    res = await fetch(`/api/delivery/track/${encodeURIComponent(token)}`, {
      credentials: 'omit',
      cache: 'no-store',
      referrerPolicy: 'no-referrer',
    });
  } catch {
    return unreachable();
  }
  if (res.status === 404) {
    const problem = await res.json().catch(() => ({}));
    const expired = /expired/.test(problem.detail ?? '');
    return expired
      ? gone('Link expired', 'This delivery ended more than a week ago, so its tracking link has expired.')
      : gone(
          'Link not working',
          'This tracking link does not work any more: a newer one may have been sent to you. Ask the store for a new link.',
        );
  }
  if (!res.ok) return unreachable();
  shown = await res.json();
  shownAt = Date.now();
  render(shown, false);
  if (!ENDED.has(shown.status)) timer = setTimeout(load, POLL_MS);
}

function unreachable() {
  if (shown) render(shown, true);
  else
    gone('Cannot reach us', 'We cannot reach the tracking service right now. This page tries again by itself.', true);
  timer = setTimeout(load, POLL_MS);
}

function gone(headline, message, retrying = false) {
  title.textContent = 'Your delivery';
  say(headline, retrying ? 'offline' : 'bad');
  details.replaceChildren(h('p', { class: 'lead' }, message));
  main.setAttribute('aria-busy', 'false');
}

/** The store's zone, or UTC when the browser does not know it. */
function zoneOf(tz) {
  try {
    new Intl.DateTimeFormat('en-GB', { timeZone: tz });
    return tz;
  } catch {
    return 'UTC';
  }
}
const part = (ms, tz, opts) => new Intl.DateTimeFormat('en-GB', { timeZone: tz, ...opts }).format(ms);
const clock = (ms, tz) => part(ms, tz, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const dayOf = (ms, tz) => part(ms, tz, { year: 'numeric', month: '2-digit', day: '2-digit' });

/** '' today, 'tomorrow ', else 'Tue 3 Dec, ' — as the store's clock counts days. */
function dayWord(ms, tz) {
  const now = Date.now();
  if (dayOf(ms, tz) === dayOf(now, tz)) return '';
  if (dayOf(ms, tz) === dayOf(now + 86_400_000, tz)) return 'tomorrow ';
  return `${part(ms, tz, { weekday: 'short', day: 'numeric', month: 'short' })}, `;
}

/** "14:20–14:40", "tomorrow 09:00–11:00", "22:00–tomorrow 00:00", with the zone's name when it is not the reader's. */
function span(from, to, tz) {
  const end = dayOf(to, tz) === dayOf(from, tz) ? clock(to, tz) : `${dayWord(to, tz)}${clock(to, tz)}`;
  const mine = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const zone =
    tz === mine
      ? ''
      : ` ${new Intl.DateTimeFormat('en-GB', { timeZone: tz, timeZoneName: 'short' }).formatToParts(to).find((p) => p.type === 'timeZoneName')?.value ?? tz}`;
  return `${dayWord(from, tz)}${clock(from, tz)}–${end}${zone}`;
}

const KM_PER_DEG = 111.32;
const kmBetween = (a, b) => {
  const kx = KM_PER_DEG * Math.cos((((a.lat + b.lat) / 2) * Math.PI) / 180);
  return Math.hypot((a.lon - b.lon) * kx, (a.lat - b.lat) * KM_PER_DEG);
};
const distance = (km) => (km < 1 ? `${Math.max(10, Math.round((km * 1000) / 10) * 10)} m` : `${km.toFixed(1)} km`);
const ago = (ms) => {
  const min = Math.round((Date.now() - ms) / 60_000);
  return min < 1 ? 'just now' : min === 1 ? '1 minute ago' : `${min} minutes ago`;
};

/** The headline and one sentence for each state, as the customer reads them. */
function stateOf(v) {
  const driver = v.driver?.firstName ?? 'Your driver';
  const store = v.store.name;
  switch (v.status) {
    case 'REQUESTED':
      return ['Finding a driver', `We are finding a driver to bring your order from ${store}.`, ''];
    case 'ASSIGNED':
      return ['Being prepared', `${store} is packing your order; ${driver} will collect it.`, ''];
    case 'OUT_FOR_DELIVERY':
      return ['On its way', `Your order has left ${store}.`, 'go'];
    case 'ARRIVING':
      return ['Arriving now', `${driver} is almost at your door.`, 'go'];
    case 'DELIVERED':
      return ['Delivered', v.proof ? `Handed over at ${clock(v.proof.at, zoneOf(v.timezone))}.` : 'Handed over.', 'ok'];
    case 'FAILED':
    case 'RETURNING':
      return [
        'We missed you',
        `${v.failure ? `${v.failure[0].toUpperCase()}${v.failure.slice(1)}. ` : ''}Your order is going back to ${store}.`,
        'bad',
      ];
    case 'RETURNED':
      return ['Back at the store', `Your order is back at ${store}. You will not pay for it.`, 'bad'];
    case 'UNASSIGNED':
      return [
        'No driver found',
        'No driver could bring it in time: the order is cancelled and you have not been charged.',
        'bad',
      ];
    default:
      return ['Cancelled', 'This delivery was cancelled.', 'bad'];
  }
}

function render(v, offline) {
  const tz = zoneOf(v.timezone);
  const [headline, sentence, tone] = stateOf(v);
  const onTheWay = v.status === 'OUT_FOR_DELIVERY' || v.status === 'ARRIVING';
  const when = v.etaWindow
    ? h('p', { class: 'eta' }, `Arrives ${span(v.etaWindow.from, v.etaWindow.to, tz)}`)
    : ENDED.has(v.status) || GOING_BACK.has(v.status)
      ? null
      : h('p', { class: 'eta' }, `Delivery window ${span(v.window.from, v.window.to, tz)}`);
  const brings = onTheWay ? 'is bringing it' : v.status === 'DELIVERED' ? 'brought it' : 'will bring it';
  const driverLine =
    v.driver && ['ASSIGNED', 'OUT_FOR_DELIVERY', 'ARRIVING', 'DELIVERED'].includes(v.status)
      ? h(
          'p',
          { class: 'driver' },
          `${v.driver.firstName} ${brings}`,
          h('span', { class: 'muted' }, ` · ${v.driver.vehicle}`),
        )
      : null;
  let where = null;
  if (onTheWay && v.stopsBefore)
    where = h(
      'p',
      {},
      `${v.driver?.firstName ?? 'The driver'} has ${v.stopsBefore} ${v.stopsBefore === 1 ? 'stop' : 'stops'} before yours.`,
    );
  else if (onTheWay && v.position)
    where = h(
      'p',
      {},
      `${v.driver?.firstName ?? 'The driver'} is ${distance(kmBetween(v.position, v.door))} from your door`,
      h('span', { class: 'muted' }, ` (seen ${ago(v.position.at)})`),
    );
  const pin = v.pin
    ? h(
        'section',
        { class: 'card pin', 'aria-labelledby': 'pin-title' },
        h('h2', { id: 'pin-title' }, 'Your PIN'),
        h('p', { class: 'pin-code' }, `${v.pin.slice(0, 3)} ${v.pin.slice(3)}`),
        h('p', {}, 'These goods are age-restricted: the driver checks your ID and asks for this PIN at the door.'),
      )
    : null;
  const refresh = h('button', { type: 'button', id: 'refresh', onclick: () => void load() }, 'Refresh now');
  const hadFocus = document.activeElement?.id === 'refresh';
  title.textContent = `Your delivery ${v.orderNumber}`;
  say(headline, tone);
  const parts = [
    h('p', { class: 'lead' }, sentence),
    when,
    driverLine,
    where,
    pin,
    drawing(v, tz),
    offline
      ? h(
          'p',
          { class: 'offline', role: 'alert' },
          `We cannot reach the tracking service: this is what we knew at ${clock(shownAt, tz)}.`,
        )
      : null,
    h(
      'p',
      { class: 'meta muted' },
      `From ${v.store.name} · updated ${clock(shownAt, tz)}${ENDED.has(v.status) ? '' : ' · checks every 10 seconds'} `,
    ),
    refresh,
  ];
  details.replaceChildren(...parts.filter(Boolean));
  if (hadFocus) refresh.focus();
  main.setAttribute('aria-busy', 'false');
}

const svgNs = 'http://www.w3.org/2000/svg';
const W = 400;
const H = 300;
const PAD = 44;

/** The store, the door and (while it is on its way and this door is next) the driver, to scale, north up. */
function drawing(v, tz) {
  const points = [
    { ...v.store, mark: 'store', label: v.store.name },
    { ...v.door, mark: 'door', label: 'Your door' },
    ...(v.position ? [{ ...v.position, mark: 'driver', label: v.driver?.firstName ?? 'Driver' }] : []),
  ];
  const lats = points.map((p) => p.lat);
  const lons = points.map((p) => p.lon);
  const midLat = (Math.min(...lats) + Math.max(...lats)) / 2;
  const midLon = (Math.min(...lons) + Math.max(...lons)) / 2;
  const kx = KM_PER_DEG * Math.cos((midLat * Math.PI) / 180);
  const spanX = Math.max((Math.max(...lons) - Math.min(...lons)) * kx, 0.5);
  const spanY = Math.max((Math.max(...lats) - Math.min(...lats)) * KM_PER_DEG, 0.5);
  const scale = Math.min((W - 2 * PAD) / spanX, (H - 2 * PAD - 16) / spanY); // px per km
  const x = (p) => W / 2 + (p.lon - midLon) * kx * scale;
  const y = (p) => (H - 16) / 2 - (p.lat - midLat) * KM_PER_DEG * scale;
  const svg = document.createElementNS(svgNs, 'svg');
  const el = (tag, attrs, text, parent = svg) => {
    const e = document.createElementNS(svgNs, tag);
    for (const [k, val] of Object.entries(attrs)) e.setAttribute(k, String(val));
    if (text !== undefined) e.textContent = text;
    parent.append(e);
    return e;
  };
  const toDoor = kmBetween(v.store, v.door);
  const summary = v.position
    ? `${v.driver?.firstName ?? 'The driver'} is ${distance(kmBetween(v.position, v.door))} from your door; ${v.store.name} is ${distance(toDoor)} away.`
    : `${v.store.name} is ${distance(toDoor)} from your door.`;
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.setAttribute('class', 'track-map');
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-labelledby', 'map-title map-desc');
  el('title', { id: 'map-title' }, 'Map of your delivery');
  el('desc', { id: 'map-desc' }, summary);
  el('line', { x1: x(v.store), y1: y(v.store), x2: x(v.door), y2: y(v.door), class: 'way' });
  const s = points[0];
  el('rect', { x: x(s) - 8, y: y(s) - 8, width: 16, height: 16, class: 'mark-store', 'data-mark': 'store' });
  const d = points[1];
  el('path', {
    d: `M${x(d)},${y(d) - 11} l10,9 v10 h-20 v-10 z`,
    class: 'mark-door',
    'data-mark': 'door',
  });
  if (v.position) {
    const p = points[2];
    el('circle', { cx: x(p), cy: y(p), r: 9, class: 'mark-driver', 'data-mark': 'driver' });
  }
  for (const p of points) {
    const right = x(p) < W * 0.62;
    el(
      'text',
      { x: x(p) + (right ? 14 : -14), y: y(p) + 5, 'text-anchor': right ? 'start' : 'end', class: 'label' },
      p.label,
    );
  }
  const steps = [0.1, 0.2, 0.5, 1, 2, 5, 10, 20, 50];
  const bar = steps.reduce(
    (best, k) => (Math.abs(k * scale - W / 5) < Math.abs(best * scale - W / 5) ? k : best),
    steps[0],
  );
  el('line', { x1: 12, y1: H - 12, x2: 12 + bar * scale, y2: H - 12, class: 'scale' });
  el('text', { x: 16 + bar * scale, y: H - 8, class: 'label small' }, bar < 1 ? `${bar * 1000} m` : `${bar} km`);
  return h(
    'figure',
    { class: 'card map' },
    svg,
    h(
      'figcaption',
      { class: 'muted' },
      `■ ${v.store.name} · ⌂ your door${v.position ? ` · ● ${v.driver?.firstName ?? 'driver'}` : ''}. Straight lines, not roads; times are ${tz.replace(/_/g, ' ')} time.`,
    ),
  );
}

window.addEventListener('hashchange', () => void load());
void load();
