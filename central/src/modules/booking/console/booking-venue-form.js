// The form that adds a venue (head office): sections of rows × seats typed as ranges ("A-L"), wheelchair and
// companion seats, and the seat count said as it is typed.
import { h, money, say, showError, storeLabel } from '/console/lib.js';
import { VIEWER_ZONE } from './booking-places.js';
import { field } from './booking-show-form.js';
import { plural } from './booking-words.js';

/** "A-L" → A…L, "1-20" → 1…20, "A, B, C" → A, B, C. Throws a sentence for anything else. */
export function rowLabels(text) {
  const out = [];
  for (const part of text
    .toUpperCase()
    .split(/[\s,]+/)
    .filter(Boolean)) {
    const m = /^([A-Z]|\d+)-([A-Z]|\d+)$/.exec(part);
    if (!m) {
      if (!/^[A-Z0-9]{1,16}$/.test(part))
        throw new Error(`“${part}” is not a row label (A, B, 12) or range (A-L, 1-20)`);
      out.push(part);
      continue;
    }
    const [a, b] = [m[1], m[2]];
    const numeric = /^\d+$/.test(a);
    if (numeric !== /^\d+$/.test(b)) throw new Error(`“${part}” mixes letters and numbers`);
    const [from, to] = numeric ? [Number(a), Number(b)] : [a.charCodeAt(0), b.charCodeAt(0)];
    if (to < from) throw new Error(`“${part}” runs backwards`);
    if (to - from > 499) throw new Error(`“${part}” has more than 500 rows`);
    for (let i = from; i <= to; i++) out.push(numeric ? String(i) : String.fromCharCode(i));
  }
  if (new Set(out).size !== out.length) throw new Error('a row is named twice');
  return out;
}

/** "A-1, A-2, L-10" → Map row → [numbers]. */
export function seatList(text, rows) {
  const out = new Map();
  for (const part of text
    .toUpperCase()
    .split(/[\s,]+/)
    .filter(Boolean)) {
    const m = /^([A-Z0-9]{1,16})-(\d{1,5})$/.exec(part);
    if (!m) throw new Error(`“${part}” is not a seat: write its row, a hyphen and its number (A-1)`);
    if (!rows.includes(m[1])) throw new Error(`seat ${part}: there is no row ${m[1]}`);
    out.set(m[1], [...(out.get(m[1]) ?? []), Number(m[2])]);
  }
  return out;
}

/** The form that adds a venue (head office): sections of rows × seats, wheelchair and companion seats, a seat count. */
export function newVenueForm({ api, stores, message, onAdded }) {
  const name = h('input', { id: 'bv-name', required: true, maxlength: 120, autocomplete: 'off' });
  const where = h(
    'select',
    { id: 'bv-store' },
    h('option', { value: '' }, 'Head office (a cinema, a hall)'),
    [...stores.values()].map((s) => h('option', { value: s.id }, `${storeLabel(s)} (in the store)`)),
  );
  const zone = h('input', { id: 'bv-zone', required: true, value: VIEWER_ZONE, autocomplete: 'off' });
  const currency = h('input', {
    id: 'bv-currency',
    required: true,
    value: 'USD',
    pattern: '[A-Za-z]{3}',
    maxlength: 3,
    autocomplete: 'off',
  });
  where.addEventListener('change', () => {
    const tz = stores.get(where.value)?.timezone;
    if (tz) zone.value = tz;
  });
  const sectionsArea = h('div', { class: 'sections' });
  const preview = h('p', { class: 'preview', id: 'bv-preview', 'aria-live': 'polite' });
  let n = 0;
  const sections = [];
  const addSection = (init = {}) => {
    const i = ++n;
    const id = (k) => `bv-${k}-${i}`;
    const s = {
      code: h('input', { id: id('code'), required: true, value: init.code ?? '', maxlength: 16, autocomplete: 'off' }),
      name: h('input', { id: id('name'), required: true, value: init.name ?? '', maxlength: 80, autocomplete: 'off' }),
      price: h('input', {
        id: id('price'),
        type: 'number',
        min: 0,
        step: '0.01',
        required: true,
        value: init.price ?? '10.00',
        inputmode: 'decimal',
      }),
      rows: h('input', { id: id('rows'), required: true, value: init.rows ?? '', autocomplete: 'off' }),
      seats: h('input', {
        id: id('seats'),
        type: 'number',
        min: 1,
        max: 300,
        step: 1,
        required: true,
        value: init.seats ?? '20',
      }),
      wheelchair: h('input', { id: id('wheel'), value: init.wheelchair ?? '', autocomplete: 'off' }),
      companion: h('input', { id: id('comp'), value: init.companion ?? '', autocomplete: 'off' }),
    };
    const remove = h('button', { type: 'button', class: 'secondary' }, `Remove section ${i}`);
    s.box = h(
      'fieldset',
      { class: 'section-fields' },
      h('legend', {}, `Section ${i}`),
      field(id('code'), 'Code', s.code, 'Capitals and digits: STALLS'),
      field(id('name'), 'Section name', s.name),
      field(id('price'), 'Price of a seat', s.price),
      field(id('rows'), 'Rows', s.rows, 'A-L, or 1-20, or A, B, C'),
      field(id('seats'), 'Seats per row', s.seats),
      field(id('wheel'), 'Wheelchair spaces', s.wheelchair, 'Row-number: A-1, A-2'),
      field(id('comp'), 'Companion seats', s.companion, 'Beside a space: A-3'),
      h('div', { class: 'submit' }, remove),
    );
    remove.addEventListener('click', () => {
      if (sections.length === 1) return;
      sections.splice(sections.indexOf(s), 1);
      s.box.remove();
      count();
    });
    for (const input of Object.values(s)) if (input instanceof HTMLInputElement) input.addEventListener('input', count);
    sections.push(s);
    sectionsArea.append(s.box);
    count();
  };

  /** The body as typed, or a sentence saying what is wrong. */
  const read = () => {
    const out = [];
    for (const s of sections) {
      const code = s.code.value.trim().toUpperCase();
      const label = code || 'a section';
      let rows;
      try {
        rows = rowLabels(s.rows.value);
      } catch (err) {
        throw new Error(`${label}: ${err.message}`);
      }
      if (!rows.length) throw new Error(`${label}: name its rows (A-L)`);
      const per = Number(s.seats.value);
      if (!Number.isInteger(per) || per < 1 || per > 300) throw new Error(`${label}: 1 to 300 seats per row`);
      let wheel;
      let comp;
      try {
        wheel = seatList(s.wheelchair.value, rows);
        comp = seatList(s.companion.value, rows);
      } catch (err) {
        throw new Error(`${label}: ${err.message}`);
      }
      out.push({
        code,
        name: s.name.value.trim(),
        priceMinor: Math.round(Number(s.price.value) * 100),
        rows: rows.map((r) => ({
          label: r,
          seats: per,
          ...(wheel.has(r) ? { wheelchair: wheel.get(r) } : {}),
          ...(comp.has(r) ? { companion: comp.get(r) } : {}),
        })),
      });
    }
    return out;
  };
  function count() {
    try {
      const secs = read();
      const rows = secs.reduce((a, s) => a + s.rows.length, 0);
      const seats = secs.reduce((a, s) => a + s.rows.reduce((b, r) => b + r.seats, 0), 0);
      const wheel = secs.reduce((a, s) => a + s.rows.reduce((b, r) => b + (r.wheelchair?.length ?? 0), 0), 0);
      const comp = secs.reduce((a, s) => a + s.rows.reduce((b, r) => b + (r.companion?.length ?? 0), 0), 0);
      preview.textContent = `${plural(secs.length, 'section')}, ${plural(rows, 'row')}, ${plural(seats, 'seat')} (${plural(wheel, 'wheelchair space')}, ${plural(comp, 'companion seat')})${seats > 50_000 ? ': more than the 50,000 a venue may hold' : ''}.`;
      preview.classList.toggle('neg', seats > 50_000);
    } catch (err) {
      preview.textContent = err.message;
      preview.classList.add('neg');
    }
  }

  const errors = h('div');
  const add = h('button', { type: 'button', class: 'secondary' }, 'Add a section');
  add.addEventListener('click', () => {
    addSection();
    sections.at(-1)?.code.focus();
  });
  const form = h(
    'form',
    { class: 'venue-form', 'aria-labelledby': 'bv-title' },
    h(
      'div',
      { class: 'booking-form' },
      field('bv-name', 'Venue name', name),
      field('bv-store', 'Belongs to', where),
      field('bv-zone', 'Time zone', zone, 'Europe/London, America/New_York'),
      field('bv-currency', 'Currency', currency),
    ),
    sectionsArea,
    preview,
    h('div', { class: 'actions' }, add, h('button', { type: 'submit' }, 'Add the venue')),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    let secs;
    try {
      secs = read();
    } catch (err) {
      return showError(errors, err);
    }
    try {
      const v = await api(
        'POST',
        '/api/booking/venues',
        {
          storeId: where.value || null,
          name: name.value.trim(),
          timeZone: zone.value.trim(),
          currency: currency.value.trim().toUpperCase(),
          sections: secs,
        },
        { 'Idempotency-Key': `console-venue-${crypto.randomUUID()}` },
      );
      say(errors);
      say(message, null, `${v.name} is added with ${plural(v.seatCount ?? 0, 'seat')}.`);
      onAdded(v);
    } catch (err) {
      showError(errors, err);
    }
  });
  addSection({
    code: 'STALLS',
    name: 'Stalls',
    rows: 'A-J',
    seats: '20',
    price: '12.00',
    wheelchair: 'A-1, A-2',
    companion: 'A-3, A-4',
  });
  return h(
    'section',
    { 'aria-labelledby': 'bv-title' },
    h('h2', { id: 'bv-title' }, 'New venue'),
    h(
      'p',
      { class: 'muted' },
      `Seats are numbered from 1 in each row; prices in the venue’s currency (${money(1234, 'USD')} is typed 12.34).`,
    ),
    form,
    errors,
  );
}
