// The kiosk's booking flow (issue #19): a walk-in customer books a place at one of this store's events or services.
// The store's upcoming shows (day and time in the store's zone, price from, places left when the node knows them;
// sold out and cancelled ones shown but not offered) -> how many (1-10, big - and + buttons) -> "Hold" -> the seats or
// places held, the total and a countdown to the hold's end -> "Pay and book" -> the tickets (each one's code for the
// door as a QR code with its text under it, its seat, the show and its time; "Print tickets" prints just them) ->
// "Done". "Cancel" lets the hold go. Booking needs head office: offline the node's sentence is shown and the page goes
// on working; an expired hold is said so and the list comes back. Times are in the store's zone, not the screen's.
//
// Keyboard: every step is buttons; each step's heading takes focus, Tab reaches its controls. The countdown is shown
// every second but announced only at its moments (held, 2 minutes left, 1 minute left, run out). A write that got no
// answer is retried with the same Idempotency-Key (store.js api()): a "Pay and book" retried after a lost answer is
// one booking, answered as the first.
import { api, h, money, say, statusBar } from '/store.js';

statusBar('Kiosk', { kiosk: true }); // a customer's screen: no links to staff pages
const $ = (id) => document.getElementById(id);
const TITLE = 'Book an event or appointment';
/** Untouched this long on a step with nothing held (choosing how many, the tickets), the screen starts over. */
const IDLE_MS = 120_000;
/** Moments of the countdown said aloud (seconds left). */
const MOMENTS = [120, 60];

/** The store's time zone when the node says it; the screen's own (it stands in the store) until then. */
let zone;
/** The shows last listed, by id. */
let shows = new Map();
/** The step on screen: list | count | held | tickets. */
let step = 'list';
let show = null;
let count = 1;
let hold = null;
let ticker;
let said = new Set();
let lastTouch = Date.now();
let busy = false;

const when = (ms) => {
  const opts = { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' };
  try {
    return new Intl.DateTimeFormat(undefined, { timeZone: zone, ...opts }).format(ms);
  } catch {
    return new Intl.DateTimeFormat(undefined, opts).format(ms);
  }
};
const minutes = (ms) => {
  const s = Math.max(0, Math.ceil(ms / 1000));
  return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
};
const noun = (s, n) => (s.kind === 'SEATED' ? (n === 1 ? 'seat' : 'seats') : n === 1 ? 'place' : 'places');
const priceFrom = (s) => (s.priceFromMinor === 0 ? 'Free' : `From ${money(s.priceFromMinor, s.currency)} each`);
/** Places left when the node knows them (a number), or undefined. */
const left = (s) => (Number.isInteger(s.placesLeft) ? s.placesLeft : undefined);
const soldOut = (s) => left(s) === 0;
const bookable = (s) => s.status === 'ON_SALE' && !soldOut(s);
/** The node's refusals may be clauses; on the screen they read as sentences. */
const sentence = (s) => `${s.charAt(0).toUpperCase()}${s.slice(1)}${/[.!?]$/.test(s) ? '' : '.'}`;

/** Says something to a screen reader once (the live region is emptied first, so the same words are said again). */
function announce(text) {
  $('announce').textContent = '';
  setTimeout(() => {
    $('announce').textContent = text;
  }, 50);
}

/** Puts a step on screen: its heading (focused, so a screen reader and the keyboard start there) and its body. */
function draw(title, ...body) {
  $('view-title').textContent = title;
  $('view').replaceChildren(...body);
  $('view-title').focus();
}

function stopTicker() {
  clearInterval(ticker);
  ticker = undefined;
}

// ---- The list ----------------------------------------------------------------------------------------------------

function showCard(s) {
  const titleId = `show-${s.showId}`;
  const n = left(s);
  const state =
    s.status === 'CANCELLED'
      ? h('span', { class: 'badge bad' }, 'Cancelled')
      : soldOut(s)
        ? h('span', { class: 'badge bad' }, 'Sold out')
        : n !== undefined
          ? h('span', { class: `badge ${n <= 5 ? 'warn' : 'ok'}` }, `${n} ${noun(s, n)} left`)
          : null;
  return h(
    'li',
    { class: `card show-card${bookable(s) ? '' : ' off'}`, 'data-show': s.showId },
    h('h2', { id: titleId, class: 'show-title' }, s.title),
    h('p', { class: 'show-when' }, when(s.startsAt), h('span', { class: 'muted' }, ` · ${s.venueName}`)),
    h('p', { class: 'show-price' }, h('strong', {}, priceFrom(s)), state ? ' ' : null, state),
    bookable(s)
      ? h('button', { type: 'button', 'aria-describedby': titleId, onclick: () => choose(s.showId) }, 'Book')
      : null,
  );
}

async function showList(message) {
  stopTicker();
  step = 'list';
  show = null;
  hold = null;
  said = new Set();
  say($('msg'), message ? new Error(message) : null);
  draw(TITLE, h('p', { class: 'muted' }, 'Looking up what is on…'));
  try {
    const data = await api('GET', '/api/booking/shows');
    zone = data.timeZone ?? zone;
    shows = new Map(data.shows.map((s) => [s.showId, s]));
    if (step !== 'list') return; // the customer moved on meanwhile
    $('view').replaceChildren(
      data.shows.length
        ? h('ul', { class: 'show-list', 'aria-label': 'Events and services' }, data.shows.map(showCard))
        : h('p', { class: 'card muted' }, 'Nothing is on at this store at the moment. Ask us about what is coming.'),
    );
  } catch (err) {
    $('view').replaceChildren();
    say($('msg'), new Error(sentence(err.message)));
  }
}

// ---- How many ----------------------------------------------------------------------------------------------------

function choose(showId, message) {
  const s = shows.get(showId);
  if (!s) return showList();
  step = 'count';
  show = s;
  count = Math.min(count, max(s));
  say($('msg'), message ? new Error(message) : null);
  const value = h('output', { id: 'count', class: 'count', 'aria-live': 'polite', for: 'fewer more' }, String(count));
  const fewer = h(
    'button',
    { type: 'button', id: 'fewer', class: 'secondary step', 'aria-label': 'One fewer', onclick: () => change(-1) },
    '−',
  );
  const more = h(
    'button',
    { type: 'button', id: 'more', class: 'secondary step', 'aria-label': 'One more', onclick: () => change(1) },
    '+',
  );
  const holdButton = h('button', { type: 'button', id: 'hold', onclick: () => holdPlaces() }, holdLabel());
  draw(
    s.title,
    h('p', { class: 'show-when' }, when(s.startsAt), h('span', { class: 'muted' }, ` · ${s.venueName}`)),
    h('p', { class: 'show-price' }, h('strong', {}, priceFrom(s))),
    h(
      'div',
      { class: 'card count-card', role: 'group', 'aria-labelledby': 'count-label' },
      h('p', { id: 'count-label', class: 'count-label' }, `How many ${noun(s, 2)}?`),
      h('div', { class: 'stepper' }, fewer, value, more),
      h('p', { class: 'muted' }, `Up to ${max(s)}.${s.kind === 'SEATED' ? ' Seats are next to each other.' : ''}`),
    ),
    h(
      'div',
      { class: 'actions' },
      holdButton,
      h('button', { type: 'button', class: 'secondary', onclick: () => showList() }, 'Back'),
    ),
  );
  sync();
}

const max = (s) => Math.max(1, Math.min(10, left(s) ?? 10));
const holdLabel = () => `Hold ${count} ${noun(show, count)}`;

function change(by) {
  count = Math.min(max(show), Math.max(1, count + by));
  sync();
}

function sync() {
  $('count').textContent = String(count);
  $('fewer').disabled = count <= 1;
  $('more').disabled = count >= max(show);
  $('hold').textContent = holdLabel();
}

async function holdPlaces() {
  if (busy) return;
  busy = true;
  $('hold').disabled = true;
  say($('msg'), null, 'Holding…');
  try {
    const res = await api('POST', '/api/booking/kiosk/holds', { showId: show.showId, places: count });
    showHeld(res.hold);
  } catch (err) {
    say($('msg'), new Error(sentence(err.message)));
    if (step === 'count') {
      $('hold').disabled = false;
      $('hold').focus();
    }
  } finally {
    busy = false;
  }
}

// ---- Held --------------------------------------------------------------------------------------------------------

function showHeld(held) {
  step = 'held';
  hold = held;
  said = new Set();
  say($('msg'));
  const what = hold.seats.length
    ? `${hold.seats.length === 1 ? 'Seat' : 'Seats'} ${hold.seats.join(', ')}`
    : `${hold.places} ${noun(show, hold.places)}`;
  draw(
    show.title,
    h('p', { class: 'show-when' }, when(show.startsAt), h('span', { class: 'muted' }, ` · ${show.venueName}`)),
    h(
      'div',
      { class: 'card held-card' },
      h('p', { class: 'held-what', id: 'held-what' }, what),
      h('p', { class: 'held-total' }, 'Total ', h('strong', { id: 'total' }, money(hold.amountMinor, hold.currency))),
      h('p', { class: 'countdown', role: 'timer', id: 'countdown' }, ''),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', id: 'pay', onclick: () => pay() }, 'Pay and book'),
      h('button', { type: 'button', id: 'cancel', class: 'secondary', onclick: () => cancel() }, 'Cancel'),
    ),
  );
  tick();
  announce(
    `${what} held for you for ${minutes(hold.expiresAt - Date.now())} minutes. Total ${$('total').textContent}.`,
  );
  ticker = setInterval(tick, 1000);
}

function tick() {
  if (step !== 'held' || !hold) return stopTicker();
  const ms = hold.expiresAt - Date.now();
  if (ms <= 0) {
    // what the screen says is made so: the hold is let go now (head office's sweeper would free it within seconds;
    // a screen whose clock runs ahead must not leave seats held that it told the customer were freed)
    void api('DELETE', `/api/booking/kiosk/holds/${encodeURIComponent(hold.id)}`).catch(() => {});
    const seats = hold.seats.length ? 'seats' : 'places';
    void showList(`Your hold ran out, so the ${seats} were freed for others. Choose again to book.`);
    return;
  }
  $('countdown').textContent = `Held for you for ${minutes(ms)}`;
  for (const m of MOMENTS)
    if (ms <= m * 1000 && ms > (m - 5) * 1000 && !said.has(m)) {
      said.add(m);
      announce(`${m / 60} minute${m === 60 ? '' : 's'} left to pay and book.`);
    }
}

async function pay() {
  if (busy || !hold) return;
  busy = true;
  const button = $('pay');
  button.disabled = true;
  say($('msg'), null, 'Paying…');
  try {
    const res = await api('POST', `/api/booking/kiosk/holds/${encodeURIComponent(hold.id)}/confirm`, {});
    if (res.tickets?.length) showTickets(res);
    else {
      // the payment provider has not answered yet (head office finishes it): the seats stay this customer's
      stopTicker();
      say(
        $('msg'),
        new Error('Your payment is still being checked. Please ask a member of staff to finish the booking.'),
      );
    }
  } catch (err) {
    const text = sentence(err.message);
    if (err.status === 402) {
      // refused: the seats were let go; the customer may try again from how many
      stopTicker();
      hold = null;
      choose(show.showId, text);
    } else if (err.status === 409 && err.retryAfter === undefined) {
      // the hold is gone (ran out at head office): say so, back to the list
      await showList(text);
    } else {
      // offline, or still paying (409 with Retry-After): the hold stands; "Pay and book" again reuses the key
      say($('msg'), new Error(text));
      if (step === 'held') {
        button.disabled = false;
        button.focus();
      }
    }
  } finally {
    busy = false;
  }
}

async function cancel() {
  if (busy || !hold) return;
  busy = true;
  const id = hold.id;
  stopTicker();
  try {
    await api('DELETE', `/api/booking/kiosk/holds/${encodeURIComponent(id)}`);
    await showList();
    say($('msg'), null, 'Cancelled: nothing was booked or paid.');
  } catch (err) {
    // offline: the hold runs out by itself at head office; nothing was paid
    await showList(`${sentence(err.message)} Nothing was paid; the hold runs out by itself.`);
  } finally {
    busy = false;
  }
}

// ---- Tickets -----------------------------------------------------------------------------------------------------

const printLabel = (n) => (n === 1 ? 'Print ticket' : 'Print tickets');
const SVG = 'http://www.w3.org/2000/svg';
/** What a ticket's QR SVG may hold: the node draws squares and nothing else (numbers, no text, no links). */
const QR_PARTS = {
  svg: { xmlns: /^http:\/\/www\.w3\.org\/2000\/svg$/, viewBox: /^[\d ]+$/, 'shape-rendering': /^crispEdges$/ },
  rect: { width: /^\d+$/, height: /^\d+$/, fill: /^#fff$/ },
  path: { fill: /^#000$/, d: /^[Mhvz\d -]*$/ },
};

/**
 * A ticket's QR code (the node's SVG of its code) on the page: parsed as SVG, then built again here from only the
 * parts a QR code has (an svg, a white square, a black path of numbers), so nothing in it can become markup or a
 * script. Anything else — or no SVG — shows no QR code; the text code under it still works at the door.
 */
function qrCode(text, label) {
  if (typeof text !== 'string' || !text) return null;
  const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
  const root = doc.documentElement;
  const allowed = (el) =>
    el.namespaceURI === SVG &&
    Object.hasOwn(QR_PARTS, el.localName) &&
    [...el.attributes].every((a) => QR_PARTS[el.localName][a.name]?.test(a.value));
  const parts = [...root.children];
  if (root.localName !== 'svg' || !allowed(root) || !parts.every((el) => allowed(el) && !el.children.length))
    return null;
  const copy = (el) => {
    const out = document.createElementNS(SVG, el.localName);
    for (const a of el.attributes) if (a.name !== 'xmlns') out.setAttribute(a.name, a.value);
    return out;
  };
  const svg = copy(root);
  svg.setAttribute('role', 'img');
  svg.setAttribute('aria-label', label);
  svg.setAttribute('class', 'ticket-qr');
  svg.append(...parts.map(copy));
  return svg;
}

function showTickets({ booking, tickets }) {
  stopTicker();
  step = 'tickets';
  hold = null;
  say($('msg'));
  const n = tickets.length;
  draw(
    n === 1 ? 'Your ticket' : 'Your tickets',
    h(
      'p',
      { class: 'booked-line' },
      h('strong', {}, `Booked: ${booking.title}`),
      `, ${when(booking.startsAt)}. Paid ${money(booking.amountMinor, booking.currency)}. Show ${n === 1 ? 'this QR code' : 'each QR code'} at the door, on paper or your phone.`,
    ),
    h(
      'ol',
      { class: 'tickets', 'aria-label': 'Tickets' },
      tickets.map((t) =>
        h(
          'li',
          { class: 'card ticket', 'aria-labelledby': `ticket-${t.ticketNo}` },
          h('h2', { id: `ticket-${t.ticketNo}` }, `Ticket ${t.ticketNo} of ${n}`),
          h('p', { class: 'ticket-seat' }, t.seat ? `Seat ${t.seat}` : `Place ${t.ticketNo}`),
          h('p', { class: 'muted' }, `${booking.title} · ${when(booking.startsAt)}`),
          qrCode(t.qrSvg, `QR code of ticket ${t.ticketNo}: show it at the door`),
          h('p', { class: 'ticket-code-label muted' }, 'Ticket code'),
          h('code', { class: 'ticket-code' }, t.code),
        ),
      ),
    ),
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', id: 'print', class: 'secondary', onclick: () => window.print() }, printLabel(n)),
      h('button', { type: 'button', id: 'done', onclick: () => showList() }, 'Done'),
    ),
  );
  announce(`Booked. ${n === 1 ? 'One ticket' : `${n} tickets`} for ${booking.title}.`);
}

// ---- Idle: the next customer sees nothing of the last ------------------------------------------------------------

for (const type of ['pointerdown', 'keydown', 'touchstart'])
  document.addEventListener(type, () => (lastTouch = Date.now()), { capture: true, passive: true });
setInterval(() => {
  if ((step === 'count' || step === 'tickets') && Date.now() - lastTouch > IDLE_MS && !busy) void showList();
}, 5000);

await showList();
