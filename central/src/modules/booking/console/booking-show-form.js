// The form that puts a show (seats of a venue) or a service slot (N places) on sale, on the venue's clock; and the
// labelled field both booking forms are built from.
import { h, say, showError } from '/console/lib.js';
import { venuePlace, VIEWER_ZONE } from './booking-places.js';
import { epochToZoned, plural, showSpan, zonedToEpoch, zoneWords } from './booking-words.js';

export const field = (id, label, input, hint) => {
  if (hint) input.setAttribute('aria-describedby', `${id}-hint`);
  return h(
    'div',
    { class: 'field' },
    h('label', { for: id }, label),
    input,
    hint ? h('span', { class: 'hint', id: `${id}-hint` }, hint) : '',
  );
};

/** The form that puts a show (seats of a venue) or a service slot (N places) on sale. */
export function newShowForm({ api, venues, stores, message, refresh }) {
  const list = [...venues.values()].sort((a, b) => (a.name < b.name ? -1 : 1));
  if (!list.length)
    return h(
      'section',
      { 'aria-labelledby': 'bk-show-title' },
      h('h2', { id: 'bk-show-title' }, 'New show'),
      h('p', { class: 'muted' }, 'No venue yet: head office adds venues (a cinema screen, a workshop room) first.'),
    );
  const venue = h(
    'select',
    { id: 'bk-venue', required: true },
    list.map((v) =>
      h('option', { value: v.id }, `${v.name} — ${venuePlace(stores, v.storeId)} (${plural(v.seatCount, 'seat')})`),
    ),
  );
  const title = h('input', { id: 'bk-title', required: true, maxlength: 200, autocomplete: 'off' });
  const kind = h(
    'select',
    { id: 'bk-kind' },
    h('option', { value: 'SEATED' }, 'Seated (the venue’s seat map)'),
    h('option', { value: 'CAPACITY' }, 'Places (a number of places)'),
  );
  const starts = h('input', { id: 'bk-starts', type: 'datetime-local', required: true, 'aria-describedby': 'bk-zone' });
  const ends = h('input', { id: 'bk-ends', type: 'datetime-local', required: true, 'aria-describedby': 'bk-zone' });
  const capacity = h('input', { id: 'bk-capacity', type: 'number', min: 1, max: 100000, step: 1, value: '12' });
  const price = h('input', {
    id: 'bk-price',
    type: 'number',
    min: 0,
    step: '0.01',
    value: '0.00',
    inputmode: 'decimal',
  });
  const zoneHint = h('p', { class: 'hint wide', id: 'bk-zone' });
  const capacityFields = h(
    'div',
    { class: 'capacity-fields' },
    field('bk-capacity', 'Places', capacity),
    field('bk-price', 'Price of a place', price, 'In the venue’s currency; 0 for free.'),
  );
  const zone = () => venues.get(venue.value)?.timeZone ?? VIEWER_ZONE;
  const sync = () => {
    const v = venues.get(venue.value);
    zoneHint.textContent = `Times are on the venue’s clock (${zoneWords(zone())}).`;
    const places = kind.value === 'CAPACITY';
    capacityFields.hidden = !places;
    capacity.required = places;
    price.required = places;
    if (v && !starts.value) {
      const at = Math.ceil((Date.now() + 86_400_000) / 3_600_000) * 3_600_000;
      starts.value = epochToZoned(at, zone());
      ends.value = epochToZoned(at + 2 * 3_600_000, zone());
    }
  };
  venue.addEventListener('change', sync);
  kind.addEventListener('change', sync);
  const errors = h('div');
  const form = h(
    'form',
    { class: 'booking-form', 'aria-labelledby': 'bk-show-title' },
    field('bk-venue', 'Venue', venue),
    field('bk-title', 'Title', title),
    field('bk-kind', 'Kind', kind),
    field('bk-starts', 'Starts', starts),
    field('bk-ends', 'Ends', ends),
    capacityFields,
    zoneHint,
    h('div', { class: 'submit' }, h('button', { type: 'submit' }, 'Put the show on sale')),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const tz = zone();
    const body = {
      venueId: venue.value,
      title: title.value.trim(),
      kind: kind.value,
      startsAt: zonedToEpoch(starts.value, tz),
      endsAt: zonedToEpoch(ends.value, tz),
      ...(kind.value === 'CAPACITY'
        ? { capacity: Number(capacity.value), priceMinor: Math.round(Number(price.value) * 100) }
        : {}),
    };
    if (!(body.endsAt > body.startsAt)) return say(errors, new Error('The show must end after it starts.'));
    try {
      const s = await api('POST', '/api/booking/shows', body, {
        'Idempotency-Key': `console-show-${crypto.randomUUID()}`,
      });
      say(errors);
      say(message, null, `“${s.title}” is on sale: ${showSpan(s, tz)}.`);
      title.value = '';
      await refresh();
    } catch (err) {
      showError(errors, err);
    }
  });
  sync();
  return h(
    'section',
    { 'aria-labelledby': 'bk-show-title' },
    h('h2', { id: 'bk-show-title' }, 'New show'),
    form,
    errors,
  );
}
