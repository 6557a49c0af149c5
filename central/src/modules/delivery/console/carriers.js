// Carriers (`#/delivery-carriers`, head office): every van, gig driver, delivery partner and drone with its depot,
// shift, capacity and last 30 days (accept rate, on-time rate, failures); taken off or put back on duty, drones
// grounded or cleared, each after a question that says what happens; a carrier added, its driver app's token shown
// once with a copy button.
import { confirmDialog, h, money, say, showError, storeLabel, table } from '/console/lib.js';
import { nearestZone, placesFor } from './delivery-places.js';
import { KIND_WORDS, pct, shiftText, utcMinuteOf, weight } from './delivery-words.js';
import { pageStyle } from './delivery-style.js';

const KINDS = ['VAN', 'GIG', 'DSP', 'DRONE'];
const LIMIT = 200;

/** Sensible starting values per kind, filled into the form when the kind changes (all editable). */
const DEFAULTS = {
  VAN: { radiusKm: 25, capacityKg: 800, capacityStops: 30, speedKmh: 30 },
  GIG: { radiusKm: 8, capacityKg: 25, capacityStops: 4, speedKmh: 25 },
  DSP: { radiusKm: 40, capacityKg: 1500, capacityStops: 60, speedKmh: 30 },
  DRONE: { radiusKm: 6, capacityKg: 2.5, capacityStops: 1, speedKmh: 60 },
};

/** "Accepted 5 of 6 offers" with the rate first: what a dispatcher compares down the column. */
const rateOf = (rate, hits, tries, noun) =>
  tries
    ? [h('strong', { class: 'num' }, pct(rate)), h('span', { class: 'muted' }, ` ${hits} of ${tries} ${noun}`)]
    : h('span', { class: 'muted' }, 'none yet');

const statusOf = (c) =>
  !c.active
    ? h('span', { class: 'badge bad' }, 'off duty')
    : c.grounded
      ? h('span', { class: 'badge warn' }, 'grounded')
      : h('span', { class: 'badge ok' }, 'on duty');

export default {
  async render({ el, api, params }) {
    pageStyle(el);
    const places = await placesFor(api, { role: 'ADMIN' });
    const depots = [...places.values()].sort((a, b) =>
      a.kind === b.kind ? (a.code < b.code ? -1 : 1) : a.kind === 'DC' ? -1 : 1,
    );
    const kind = params.get('kind') ?? '';
    const after = params.get('after') ?? '';
    const errors = h('div');
    const message = h('div', { 'aria-live': 'polite' });
    const secretArea = h('div', { 'aria-live': 'polite' });
    const listArea = h('div', { class: 'card' });
    const kindSelect = h(
      'select',
      { id: 'car-kind-filter' },
      h('option', { value: '', selected: !kind }, 'every kind'),
      KINDS.map((k) => h('option', { value: k, selected: k === kind }, KIND_WORDS[k])),
    );
    const filter = h(
      'form',
      { class: 'filters', role: 'search', 'aria-label': 'Show carriers' },
      h('div', {}, h('label', { for: 'car-kind-filter' }, 'Kind'), kindSelect),
      h('button', { type: 'submit' }, 'Show carriers'),
    );
    filter.addEventListener('submit', (e) => {
      e.preventDefault();
      location.hash = `#/delivery-carriers${kindSelect.value ? `?kind=${kindSelect.value}` : ''}`;
    });
    const addArea = h('div', { class: 'card' });
    el.append(filter, errors, message, secretArea, listArea, addArea);

    const depotLabel = (c) =>
      c.depotId ? storeLabel(places.get(c.depotId), c.depotId) : `around ${c.lat.toFixed(3)}, ${c.lon.toFixed(3)}`;
    const zone = (c) => places.get(c.depotId)?.timezone ?? nearestZone(places, c.lat, c.lon);

    /** A change to one carrier, asked first: what happens to the deliveries it was offered. */
    const change = async (c, patch, { title, text, confirm, said, danger = true }) => {
      if (!(await confirmDialog({ title, body: h('p', {}, text), confirm, danger }))) return;
      try {
        await api('PATCH', `/api/delivery/carriers/${encodeURIComponent(c.id)}`, patch, {
          'Idempotency-Key': `console-carrier-${c.id}-${crypto.randomUUID()}`,
        });
        say(message, null, said);
      } catch (err) {
        showError(message, err);
      }
      await refresh();
    };
    const actions = (c) => {
      const out = [];
      if (c.active)
        out.push(
          h(
            'button',
            {
              type: 'button',
              class: 'danger',
              onclick: () =>
                change(
                  c,
                  { active: false },
                  {
                    title: `Take ${c.code} off duty?`,
                    text: `${c.code} gets no new offers; an offer it has not answered is withdrawn and goes to the next carrier. Deliveries it already accepted stay with it.`,
                    confirm: `Take ${c.code} off duty`,
                    said: `${c.code} is off duty.`,
                  },
                ),
            },
            'Take off duty…',
          ),
        );
      else
        out.push(
          h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              onclick: () =>
                change(
                  c,
                  { active: true },
                  {
                    title: `Put ${c.code} back on duty?`,
                    text: `${c.code} is offered deliveries again from now on.`,
                    confirm: `Put ${c.code} on duty`,
                    said: `${c.code} is on duty.`,
                    danger: false,
                  },
                ),
            },
            'Put on duty…',
          ),
        );
      if (c.kind === 'DRONE')
        out.push(
          c.grounded
            ? h(
                'button',
                {
                  type: 'button',
                  class: 'secondary',
                  onclick: () =>
                    change(
                      c,
                      { grounded: false },
                      {
                        title: `Clear ${c.code} to fly?`,
                        text: `The weather is fit to fly: ${c.code} is offered deliveries again.`,
                        confirm: `Clear ${c.code} to fly`,
                        said: `${c.code} is cleared to fly.`,
                        danger: false,
                      },
                    ),
                },
                'Clear to fly…',
              )
            : h(
                'button',
                {
                  type: 'button',
                  class: 'danger',
                  onclick: () =>
                    change(
                      c,
                      { grounded: true },
                      {
                        title: `Ground ${c.code} for the weather?`,
                        text: `${c.code} gets no offers while grounded; an offer it has not answered goes to the next carrier.`,
                        confirm: `Ground ${c.code}`,
                        said: `${c.code} is grounded.`,
                      },
                    ),
                },
                'Ground…',
              ),
        );
      return h('div', { class: 'actions' }, out);
    };

    const refresh = async () => {
      try {
        const q = new URLSearchParams({ limit: String(LIMIT), ...(kind ? { kind } : {}), ...(after ? { after } : {}) });
        const { items, next } = await api('GET', `/api/delivery/carriers?${q}`);
        const now = Date.now();
        listArea.replaceChildren(
          table(
            `${kind ? `${KIND_WORDS[kind][0].toUpperCase()}${KIND_WORDS[kind].slice(1)}s` : 'Carriers'}, by code${after ? `, after ${after}` : ''}`,
            ['Carrier', 'Depot or area', 'Shift', 'Carries', 'Accepts', 'On time', 'Failures', 'Status', ''],
            items,
            (c) => [
              h(
                'div',
                {},
                h('strong', { class: 'nowrap' }, c.code),
                h('br'),
                `${c.name}, ${KIND_WORDS[c.kind] ?? c.kind}`,
              ),
              h('div', {}, depotLabel(c), h('br'), h('span', { class: 'muted' }, `serves ${c.radiusKm} km around`)),
              h('span', { class: 'num' }, shiftText(c, zone(c), now)),
              h(
                'div',
                { class: 'num' },
                `${weight(c.capacityGrams)}, ${c.capacityStops} stop${c.capacityStops === 1 ? '' : 's'}`,
                h('br'),
                h('span', { class: 'muted' }, `${money(c.costBaseMinor)} + ${money(c.costPerKmMinor)}/km`),
              ),
              rateOf(c.reliability.acceptRate, c.reliability.accepted, c.reliability.offers, 'offers'),
              rateOf(c.reliability.onTimeRate, c.reliability.onTime, c.reliability.finished, 'runs'),
              h('span', { class: `num${c.reliability.failed ? ' neg' : ''}` }, String(c.reliability.failed)),
              statusOf(c),
              actions(c),
            ],
          ),
          h(
            'p',
            { class: 'muted' },
            'Accepts, on time and failures count the last 30 days. Shifts are on the depot’s clock, or that of the store nearest the area a carrier serves.',
          ),
          next || after
            ? h(
                'p',
                { class: 'actions' },
                after
                  ? h(
                      'a',
                      { class: 'button-link', href: `#/delivery-carriers${kind ? `?kind=${kind}` : ''}` },
                      'From the first',
                    )
                  : '',
                next
                  ? h(
                      'a',
                      {
                        class: 'button-link',
                        href: `#/delivery-carriers?${new URLSearchParams({ ...(kind ? { kind } : {}), after: next })}`,
                      },
                      `The next ${LIMIT} after ${next}`,
                    )
                  : '',
              )
            : '',
        );
        showError(errors);
      } catch (err) {
        showError(errors, err);
      }
    };

    addArea.replaceChildren(addForm({ api, depots, places, secretArea, message, refresh }));
    await refresh();
  },
};

/** The form that adds a carrier; on success the driver app's token is shown once in `secretArea`. */
function addForm({ api, depots, places, secretArea, message, refresh }) {
  const field = (id, label, input, hint) =>
    h(
      'div',
      {},
      h('label', { for: id }, label),
      input,
      hint ? h('span', { class: 'hint', id: `${id}-hint` }, hint) : '',
    );
  const num = (id, value, step = 'any', min = '0') =>
    h('input', { id, type: 'number', inputmode: 'decimal', step, min, value: String(value), required: true });
  const code = h('input', {
    id: 'car-code',
    required: true,
    autocomplete: 'off',
    spellcheck: 'false',
    pattern: '[A-Za-z0-9][A-Za-z0-9-]{1,31}',
    placeholder: 'e.g. VAN-S001-3',
    'aria-describedby': 'car-code-hint',
  });
  const name = h('input', {
    id: 'car-name',
    required: true,
    autocomplete: 'off',
    placeholder: 'e.g. Van 3, Manhattan',
  });
  const kind = h(
    'select',
    { id: 'car-kind' },
    KINDS.map((k) => h('option', { value: k }, KIND_WORDS[k])),
  );
  const depot = h(
    'select',
    { id: 'car-depot' },
    h('option', { value: '' }, 'none: serves an area'),
    depots.map((d) => h('option', { value: d.id }, `${storeLabel(d)}${d.kind === 'DC' ? ' (DC)' : ''}`)),
  );
  const lat = h('input', { id: 'car-lat', type: 'number', step: 'any', min: '-90', max: '90', inputmode: 'decimal' });
  const lon = h('input', { id: 'car-lon', type: 'number', step: 'any', min: '-180', max: '180', inputmode: 'decimal' });
  const radius = num('car-radius', DEFAULTS.VAN.radiusKm, '0.1', '0.1');
  const kg = num('car-kg', DEFAULTS.VAN.capacityKg, '0.1', '0.1');
  const stops = num('car-stops', DEFAULTS.VAN.capacityStops, '1', '1');
  const speed = num('car-speed', DEFAULTS.VAN.speedKmh, '1', '1');
  const from = h('input', { id: 'car-from', type: 'time', 'aria-describedby': 'car-shift-hint' });
  const to = h('input', { id: 'car-to', type: 'time', 'aria-describedby': 'car-shift-hint' });
  const base = num('car-base', '4.00', '0.01');
  const perKm = num('car-perkm', '0.50', '0.01');
  const shiftHint = h('span', { class: 'hint', id: 'car-shift-hint' });
  const areaFields = h(
    'div',
    { class: 'area', style: 'display: contents' },
    field('car-lat', 'Area centre, latitude', lat),
    field('car-lon', 'Area centre, longitude', lon),
  );
  /** The clock the shift is typed on: the depot's, or the nearest store's to the area's centre. */
  const zoneNow = () =>
    places.get(depot.value)?.timezone ??
    (lat.value && lon.value ? nearestZone(places, Number(lat.value), Number(lon.value)) : 'UTC');
  const sync = () => {
    const noDepot = !depot.value;
    lat.required = noDepot;
    lon.required = noDepot;
    for (const f of areaFields.querySelectorAll('div')) f.hidden = !noDepot;
    shiftHint.textContent = `On ${depot.value ? 'the depot’s clock' : 'the clock of the store nearest the area'} (${zoneNow()}); leave both empty for all day.`;
  };
  /** The kind's starting values; a van or a drone starts from a depot, so one is picked when none is. */
  const fillDefaults = () => {
    const d = DEFAULTS[kind.value];
    radius.value = String(d.radiusKm);
    kg.value = String(d.capacityKg);
    stops.value = String(d.capacityStops);
    speed.value = String(d.speedKmh);
    base.value = '4.00';
    perKm.value = '0.50';
    if ((kind.value === 'VAN' || kind.value === 'DRONE') && !depot.value && depots[0]) depot.value = depots[0].id;
    sync();
  };
  kind.addEventListener('change', fillDefaults);
  depot.addEventListener('change', sync);
  lat.addEventListener('change', sync);
  lon.addEventListener('change', sync);
  const errors = h('div');
  const form = h(
    'form',
    { class: 'carrier-form', 'aria-labelledby': 'car-add-title', novalidate: false },
    field('car-code', 'Code', code, 'Capitals, digits and hyphens: what staff read out.'),
    field('car-name', 'Name', name),
    field('car-kind', 'Kind', kind),
    field('car-depot', 'Depot', depot),
    areaFields,
    field('car-radius', 'Serves within (km)', radius),
    field('car-kg', 'Carries up to (kg)', kg),
    field('car-stops', 'Stops per run', stops),
    field('car-speed', 'Speed (km/h)', speed),
    field('car-from', 'Shift from', from),
    h('div', {}, h('label', { for: 'car-to' }, 'Shift to'), to, shiftHint),
    field('car-base', 'Cost per delivery ($)', base),
    field('car-perkm', 'Cost per km ($)', perKm),
    h('div', { class: 'submit' }, h('button', { type: 'submit' }, 'Add the carrier')),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const tz = zoneNow();
    const body = {
      code: code.value.trim().toUpperCase(),
      name: name.value.trim(),
      kind: kind.value,
      ...(depot.value ? { depotId: depot.value } : { lat: Number(lat.value), lon: Number(lon.value) }),
      radiusKm: Number(radius.value),
      capacityGrams: Math.round(Number(kg.value) * 1000),
      capacityStops: Number(stops.value),
      speedKmh: Number(speed.value),
      costBaseMinor: Math.round(Number(base.value) * 100),
      costPerKmMinor: Math.round(Number(perKm.value) * 100),
      ...(from.value && to.value
        ? { shiftStartMin: utcMinuteOf(from.value, tz), shiftEndMin: utcMinuteOf(to.value, tz) }
        : {}),
    };
    try {
      const c = await api('POST', '/api/delivery/carriers', body, {
        'Idempotency-Key': `console-add-carrier-${crypto.randomUUID()}`,
      });
      showError(errors);
      say(message, null, `${c.code} is added.`);
      showToken(secretArea, c);
      form.reset();
      fillDefaults();
      await refresh();
      secretArea.querySelector('button')?.focus();
    } catch (err) {
      showError(errors, err);
    }
  });
  fillDefaults();
  return h(
    'section',
    { 'aria-labelledby': 'car-add-title' },
    h('h2', { id: 'car-add-title' }, 'Add a carrier'),
    form,
    errors,
  );
}

/** The driver app's token, shown this once: copy it now, it is not kept. */
function showToken(area, c) {
  if (!c.driverToken) return void area.replaceChildren();
  const copied = h('span', { role: 'status' });
  area.replaceChildren(
    h(
      'div',
      { class: 'secret' },
      h('h2', {}, `Driver app token for ${c.code}`),
      h(
        'p',
        {},
        h('strong', {}, 'It is shown this once and cannot be shown again: '),
        'copy it into the driver app now. The hub keeps only a fingerprint of it.',
      ),
      h('code', { id: 'driver-token' }, c.driverToken),
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            type: 'button',
            onclick: async () => {
              try {
                await navigator.clipboard.writeText(c.driverToken);
                copied.textContent = 'Copied.';
              } catch {
                copied.textContent = 'The browser would not copy: select the token and copy it.';
              }
            },
          },
          'Copy the token',
        ),
        h('button', { type: 'button', class: 'secondary', onclick: () => area.replaceChildren() }, 'I have copied it'),
        copied,
      ),
    ),
  );
}
