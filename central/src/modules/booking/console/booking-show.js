// One show (`#/booking?show=…`): its seat map drawn live from the show's socket (or, for a slot, the places left), the
// holds and bookings (customer, seats, amount, status, how long a hold has left) with "Cancel booking" behind a
// question that says the refund the rule gives, the waitlist in order, and "Cancel show" (every booking refunded).
import { confirmDialog, h, idTail, money, say, showError, table } from '/console/lib.js';
import { countSeats, countsText, liveSeats, seatMap } from './booking-map.js';
import { storesFor, venuePlace, venuesFor, VIEWER_ZONE } from './booking-places.js';
import { holdBadge, hhmm, plural, refundFor, showBadge, showSpan, showTime, zoneWords } from './booking-words.js';

/** How often the holds and waitlist are re-read when nothing on the map moved (a hold's "expires in" counts down). */
const POLL_MS = 10_000;
const HOLDS_LIMIT = 200;

export async function renderShow({ el, api, me, params }) {
  const showId = params.get('show');
  const path = `/api/booking/shows/${encodeURIComponent(showId)}`;
  const errors = h('div');
  const back = h('p', {}, h('a', { class: 'button-link', href: '#/booking' }, 'Back to the shows'));
  el.append(back, errors);
  let show;
  let layout;
  let stores;
  let venues;
  try {
    [show, stores, venues] = await Promise.all([api('GET', path), storesFor(api, me), venuesFor(api, me)]);
    if (show.show) show = show.show;
    // seat maps are public, but a manager's page is their store's: another store's show is not theirs to run
    if (me?.role === 'STORE_MANAGER' && show.storeId !== me.storeId)
      throw new Error('This show is not one of your store’s: its holds and bookings are kept by its own venue.');
    if (show.kind === 'SEATED') layout = await api('GET', `${path}/seats`);
  } catch (err) {
    showError(errors, err);
    return;
  }
  const venue = venues.get(show.venueId);
  const tz = venue?.timeZone ?? stores.get(show.storeId)?.timezone ?? VIEWER_ZONE;
  const currency = show.currency;
  const seated = show.kind === 'SEATED';

  const heading = h('h2', { id: 'bk-show-name' }, show.title);
  const badge = h('span', {}, showBadge(show));
  const facts = h(
    'p',
    { class: 'show-facts' },
    `${venue?.name ?? 'A venue'}, ${venuePlace(stores, show.storeId)} · ${showSpan(show, tz)} (${zoneWords(tz)}) · `,
    seated ? 'seated' : `${plural(show.capacity, 'place')} at ${money(show.priceMinor ?? 0, currency)}`,
    ' · ',
    badge,
  );
  const counts = h('p', { class: 'counts', id: 'bk-counts' });
  const liveState = h('p', { class: 'muted live-state' }, 'Connecting to the live map…');
  const message = h('div', { 'aria-live': 'polite' });
  const mapArea = h('section', { class: 'card', 'aria-labelledby': 'bk-map-title' });
  const holdsArea = h('section', { class: 'card', 'aria-labelledby': 'bk-holds-title' });
  const waitArea = h('section', { class: 'card', 'aria-labelledby': 'bk-wait-title' });
  const cancelShow = h('button', { type: 'button', class: 'danger' }, 'Cancel show…');
  el.append(
    h('div', { class: 'show-head' }, heading, facts),
    message,
    mapArea,
    holdsArea,
    waitArea,
    h('p', { class: 'actions' }, cancelShow),
  );
  cancelShow.hidden = show.status === 'CANCELLED';

  // the map, or the places of a slot
  let map;
  if (seated) {
    map = seatMap(layout, `Seat map of ${show.title}`);
    mapArea.append(h('h2', { id: 'bk-map-title' }, 'Seats'), counts, liveState, map.el);
  } else mapArea.append(h('h2', { id: 'bk-map-title' }, 'Places'), counts, liveState);
  const drawMap = (seats, left) => {
    if (seated) {
      map.update(seats);
      const n = countSeats(seats);
      counts.textContent = countsText(n, map.seatCount);
      map.el.querySelector('canvas')?.setAttribute('aria-label', `Seat map of ${show.title}: ${counts.textContent}`);
    } else {
      const l = typeof left === 'number' ? left : show.capacity - show.taken;
      counts.textContent = `${plural(l, 'place')} left of ${show.capacity.toLocaleString('en-US')}`;
    }
  };
  drawMap(layout?.seats ?? '', layout?.free);

  // holds and bookings
  const labelOf = (no) => {
    const r = layout?.rows.find((x) => no >= x.firstSeatNo && no < x.firstSeatNo + x.numbers.length);
    return r ? `${r.section}-${r.row}-${r.numbers[no - r.firstSeatNo]}` : `seat ${no}`;
  };
  const seatsOf = (hold) =>
    hold.seats?.length
      ? hold.seats.join(', ')
      : hold.seatNos?.length
        ? hold.seatNos.map(labelOf).join(', ')
        : plural(hold.places, 'place');
  const expiresIn = (hold, now) => {
    if (hold.status !== 'HELD') return '—';
    const min = Math.max(0, Math.ceil((hold.expiresAt - now) / 60_000));
    return `${min <= 1 ? 'within a minute' : `in ${min} min`} (${hhmm(hold.expiresAt, tz)})`;
  };
  const cancelBooking = async (hold) => {
    const refund = refundFor(hold, show);
    const ok = await confirmDialog({
      title: `Cancel booking ${idTail(hold.id)}?`,
      body: [
        h(
          'p',
          {},
          `${seatsOf(hold)} for ${money(hold.amountMinor, hold.currency ?? currency)}; the seats go back on sale.`,
        ),
        h('p', {}, h('strong', {}, 'The customer gets '), refund.sentence),
      ],
      confirm: 'Cancel the booking',
    });
    if (!ok) return;
    try {
      const r = await api(
        'POST',
        `/api/booking/bookings/${encodeURIComponent(hold.id)}/cancel`,
        { reason: 'cancelled from the console' },
        { 'Idempotency-Key': `console-cancel-${hold.id}-${crypto.randomUUID()}` },
      );
      say(
        message,
        null,
        `Booking ${idTail(hold.id)} is cancelled: ${r.refundMinor ? `${money(r.refundMinor, r.currency ?? currency)} is refunded` : 'no refund'} (${r.rule}).`,
      );
    } catch (err) {
      showError(message, err);
    }
    await refreshLists();
  };
  const readHolds = async () => {
    // live holds and bookings, and bookings cancelled; holds that expired or were let go are not worth a line
    const q = new URLSearchParams({ limit: String(HOLDS_LIMIT), status: 'HELD,CONFIRMING,CONFIRMED,CANCELLED' });
    const { items, next } = await api('GET', `${path}/holds?${q}`);
    const now = Date.now();
    holdsArea.replaceChildren(
      h('h2', { id: 'bk-holds-title' }, 'Holds and bookings'),
      table(
        `Holds and bookings of ${show.title}${next ? ` (the first ${HOLDS_LIMIT})` : ''}`,
        ['Customer', seated ? 'Seats' : 'Places', 'Amount', 'Status', 'Hold expires', ''],
        items,
        (hold) => [
          h('span', { class: 'num', title: hold.customerId }, idTail(hold.customerId)),
          seatsOf(hold),
          h('span', { class: 'num' }, money(hold.amountMinor, hold.currency ?? currency)),
          [
            holdBadge(hold.status),
            hold.origin === 'WAITLIST' ? h('span', { class: 'muted' }, ' from the waitlist') : '',
          ],
          h('span', { class: 'num' }, expiresIn(hold, now)),
          hold.status === 'CONFIRMED'
            ? h(
                'button',
                {
                  type: 'button',
                  class: 'danger',
                  'aria-label': `Cancel booking ${idTail(hold.id)} of ${seatsOf(hold)}`,
                  onclick: () => cancelBooking(hold),
                },
                'Cancel booking…',
              )
            : '',
        ],
      ),
    );
  };
  const readWaitlist = async () => {
    const answer = await api('GET', `${path}/waitlist`);
    const items = (Array.isArray(answer) ? answer : (answer.items ?? [])).filter(
      (w) => !w.status || w.status === 'WAITING' || w.status === 'OFFERED',
    );
    waitArea.replaceChildren(
      h('h2', { id: 'bk-wait-title' }, 'Waitlist'),
      items.length
        ? h(
            'ol',
            { class: 'waitlist', 'aria-label': `Waitlist of ${show.title}, first in line first` },
            items.map((w) =>
              h(
                'li',
                {},
                h('span', { class: 'num' }, idTail(w.customerId)),
                ` wants ${plural(w.places, seated ? 'seat' : 'place')}${w.section ? ` in ${w.section}` : ''}`,
                w.joinedAt ? `, waiting since ${showTime(w.joinedAt, tz)}` : '',
                w.status === 'OFFERED' ? [' ', h('span', { class: 'badge warn' }, 'offered a hold')] : '',
              ),
            ),
          )
        : h('p', { class: 'muted' }, 'Nobody is waiting.'),
    );
  };
  let busy = false;
  const refreshLists = async () => {
    if (busy) return;
    busy = true;
    try {
      await Promise.all([readHolds(), readWaitlist()]);
      showError(errors);
    } catch (err) {
      showError(errors, err);
    } finally {
      busy = false;
    }
  };

  cancelShow.addEventListener('click', async () => {
    const reason = h('input', { id: 'bk-cancel-reason', maxlength: 200, value: 'The show is cancelled.' });
    const ok = await confirmDialog({
      title: `Cancel ${show.title}?`,
      body: [
        h(
          'p',
          {},
          `${showSpan(show, tz)}: every booking is refunded in full, holds are released and the waitlist is closed.`,
        ),
        h('div', { class: 'field' }, h('label', { for: 'bk-cancel-reason' }, 'Reason the customers are told'), reason),
      ],
      confirm: 'Cancel the show',
    });
    if (!ok) return;
    try {
      await api(
        'POST',
        `${path}/cancel`,
        { reason: reason.value.trim() || 'The show is cancelled.' },
        { 'Idempotency-Key': `console-cancel-show-${showId}-${crypto.randomUUID()}` },
      );
      show = { ...show, status: 'CANCELLED' };
      badge.replaceChildren(showBadge(show));
      cancelShow.hidden = true;
      say(message, null, `${show.title} is cancelled; every booking is refunded in full.`);
    } catch (err) {
      showError(message, err);
    }
    await refreshLists();
  });

  // live: the map from the socket; the lists re-read a moment after the map moves, and every POLL_MS
  let soon;
  const stop = liveSeats(showId, {
    onMap: (seats, left) => {
      drawMap(seats, left);
      if (!soon)
        soon = setTimeout(() => {
          soon = undefined;
          void refreshLists();
        }, 1000);
    },
    onState: (s) => {
      liveState.textContent =
        s === 'live'
          ? `Live: ${seated ? 'seats' : 'places'} change here as they are held, sold and freed.`
          : 'Reconnecting to the live map…';
    },
    onClosed: (reason) => {
      liveState.textContent = `The live map closed: ${reason}`;
    },
  });
  await refreshLists();
  const timer = setInterval(refreshLists, POLL_MS);
  return () => {
    stop();
    clearInterval(timer);
    clearTimeout(soon);
  };
}
