// Sales overview: today (each store's own calendar day) and the last 30 days, from the sales ledger — net sales,
// sales, returns and the average basket — with a bar per day (its figures also as a table), for the fleet and per
// store. Head office can narrow to one store; a store manager sees their own store only.
import { dayLabel, h, money, showError, table } from '/console/lib.js';

const DAYS = 30;
const svgNs = 'http://www.w3.org/2000/svg';

/** A day on the chart and in the cards: without its year, which the page's 30 days make plain. */
const shortDay = { weekday: 'short', day: 'numeric', month: 'short' };
const addDays = (day, n) => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
const count = (n, one, many = `${one}s`) => `${Number(n).toLocaleString()} ${n === 1 ? one : many}`;
const basket = (t) => (t.salesCount ? money(Math.round(t.grossMinor / t.salesCount), t.currency) : '—');
/** Several currencies read one after another ("$120.00 + €80.00"); none reads as zero in the fallback currency. */
const moneyOf = (totals, pick, fallback = 'USD') =>
  totals.length ? totals.map((t) => money(pick(t), t.currency)).join(' + ') : money(0, fallback);
const sum = (totals, pick) => totals.reduce((n, t) => n + pick(t), 0);

/** The `DAYS` local days ending on `today`, oldest first. */
const lastDays = (today) => Array.from({ length: DAYS }, (_, i) => addDays(today, i - DAYS + 1));

/**
 * Net sales per day as bars (SVG, described for screen readers by its label; the same figures are in the table
 * beside it). `perDay`: the day rows of one currency.
 */
function barChart(title, days, perDay, currency, { height = 150, small = false } = {}) {
  const byDay = new Map(perDay.filter((d) => d.currency === currency).map((d) => [d.day, d.netMinor]));
  const values = days.map((d) => byDay.get(d) ?? 0);
  const width = small ? 150 : 640;
  const pad = small ? { l: 0, r: 0, t: 2, b: 2 } : { l: 64, r: 8, t: 10, b: 24 };
  const max = Math.max(1, ...values);
  const min = Math.min(0, ...values);
  const svg = document.createElementNS(svgNs, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.classList.add(small ? 'spark' : 'chart');
  const el = (tag, attrs, text) => {
    const e = document.createElementNS(svgNs, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    svg.append(e);
    return e;
  };
  const slot = (width - pad.l - pad.r) / days.length;
  const y = (v) => pad.t + ((max - v) / (max - min)) * (height - pad.t - pad.b);
  el('line', { x1: pad.l, x2: width - pad.r, y1: y(0), y2: y(0), class: 'axis' });
  days.forEach((d, i) => {
    const v = values[i];
    const top = Math.min(y(v), y(0));
    const bar = el('rect', {
      x: (pad.l + i * slot + slot * 0.15).toFixed(1),
      y: top.toFixed(1),
      width: (slot * 0.7).toFixed(1),
      height: Math.max(v ? 1 : 0, Math.abs(y(v) - y(0))).toFixed(1),
      class: `bar${i === days.length - 1 ? ' today' : ''}${v < 0 ? ' neg' : ''}`,
    });
    if (!small) bar.append(document.createElementNS(svgNs, 'title'));
    if (!small) bar.firstChild.textContent = `${dayLabel(d, shortDay)}: ${money(v, currency)}`;
  });
  if (small) {
    svg.setAttribute('aria-hidden', 'true');
    return svg;
  }
  el('text', { x: pad.l - 6, y: y(max) + 4, 'text-anchor': 'end', class: 'tick' }, money(max, currency));
  el('text', { x: pad.l - 6, y: y(0) + 4, 'text-anchor': 'end', class: 'tick' }, money(0, currency));
  el('text', { x: pad.l, y: height - 6, class: 'tick' }, dayLabel(days[0], shortDay));
  el(
    'text',
    { x: width - pad.r, y: height - 6, 'text-anchor': 'end', class: 'tick' },
    `${dayLabel(days.at(-1), shortDay)} (today)`,
  );
  const best = values.reduce((b, v, i) => (v > values[b] ? i : b), 0);
  const total = values.reduce((a, b) => a + b, 0);
  svg.setAttribute('role', 'img');
  svg.setAttribute(
    'aria-label',
    `${title}: ${money(total, currency)} over ${days.length} days; the best day ${dayLabel(days[best], shortDay)} with ${money(values[best], currency)}; today ${money(values.at(-1), currency)}.`,
  );
  return h('figure', {}, svg, h('figcaption', {}, title));
}

/** The day-by-day figures behind a chart, for reading and for screen readers. */
function dayTable(caption, days, perDay) {
  const rows = days
    .slice()
    .reverse()
    .flatMap((d) => perDay.filter((x) => x.day === d));
  return h(
    'details',
    { class: 'figures' },
    h('summary', {}, 'Show the figures for each day'),
    table(caption, ['Day', 'Net sales', 'Sales', 'Returns', 'Average basket'], rows, (r) => [
      dayLabel(r.day),
      money(r.netMinor, r.currency),
      r.salesCount.toLocaleString(),
      r.returnsCount ? `${r.returnsCount.toLocaleString()} (${money(r.returnsMinor, r.currency)})` : '0',
      basket(r),
    ]),
  );
}

/** Today's and the period's headline figures, as tiles. */
function tiles(label, todayTotals, periodTotals, currency) {
  const tile = (name, value, note) =>
    h(
      'div',
      { class: 'stat' },
      h('span', { class: 'stat-name' }, name),
      h('strong', {}, value),
      note ? h('span', { class: 'muted' }, note) : '',
    );
  const avg = (ts) => (ts.length === 1 ? basket(ts[0]) : ts.length ? ts.map(basket).join(' + ') : '—');
  return h(
    'section',
    { class: 'stats', 'aria-label': label },
    tile(
      'Net sales today',
      moneyOf(todayTotals, (t) => t.netMinor, currency),
      count(
        sum(todayTotals, (t) => t.salesCount),
        'sale',
      ),
    ),
    tile(
      'Returns today',
      count(
        sum(todayTotals, (t) => t.returnsCount),
        'return',
      ),
      `refunding ${moneyOf(todayTotals, (t) => t.returnsMinor, currency)}`,
    ),
    tile('Average basket today', avg(todayTotals)),
    tile(
      `Net sales, last ${DAYS} days`,
      moneyOf(periodTotals, (t) => t.netMinor, currency),
      count(
        sum(periodTotals, (t) => t.salesCount),
        'sale',
      ),
    ),
    tile(
      `Returns, last ${DAYS} days`,
      count(
        sum(periodTotals, (t) => t.returnsCount),
        'return',
      ),
      `refunding ${moneyOf(periodTotals, (t) => t.returnsMinor, currency)}`,
    ),
    tile(`Average basket, last ${DAYS} days`, avg(periodTotals)),
  );
}

export default {
  async render({ el, api, params, navigate, me: given }) {
    const me = given ?? { role: 'ADMIN', storeId: null };
    const manager = me.role === 'STORE_MANAGER';
    const chosen = manager ? me.storeId : (params.get('store') ?? '');
    const errors = h('div');
    el.append(errors);
    const q = new URLSearchParams({ days: String(DAYS), limit: '200', ...(chosen ? { store: chosen } : {}) });
    let o;
    try {
      o = await api('GET', `/api/sales/overview?${q}`);
    } catch (err) {
      return void showError(errors, err);
    }
    if (!manager) {
      const all = chosen ? (await api('GET', '/api/sync/stores')).items : o.stores;
      const select = h(
        'select',
        { id: 'overview-store' },
        h('option', { value: '' }, 'Every store'),
        all.map((s) => h('option', { value: s.storeId, selected: s.storeId === chosen }, `${s.code} — ${s.name}`)),
      );
      const form = h(
        'form',
        { class: 'filters', role: 'search', 'aria-label': 'Choose the stores' },
        h('div', {}, h('label', { for: 'overview-store' }, 'Store'), select),
        h('button', { type: 'submit' }, 'Show'),
      );
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        navigate('sales-overview', select.value ? { store: select.value } : undefined);
      });
      el.insertBefore(form, errors);
    }
    const one = chosen ? o.stores.find((s) => s.storeId === chosen) : undefined;
    if (chosen && !one) return void showError(errors, new Error('That store is not in the fleet.'));
    const currency = (one ?? o.stores[0])?.periodTotals[0]?.currency ?? o.fleet.periodTotals[0]?.currency ?? 'USD';
    const today =
      one?.today ??
      o.stores
        .map((s) => s.today)
        .sort()
        .at(-1) ??
      new Date(o.asOf).toISOString().slice(0, 10);
    const days = lastDays(today);
    const heading = one ? `${one.code} — ${one.name}` : `Every store (${count(o.fleet.stores, 'store')})`;
    const perDay = one ? one.perDay : o.fleet.perDay;
    el.append(
      h(
        'div',
        { class: 'card' },
        h('h2', {}, heading),
        h(
          'p',
          { class: 'muted' },
          one
            ? `Today is ${dayLabel(one.today, { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' })} at the store (${one.timezone}). Net sales = sales − refunds; the average basket is what a sale took, tax included.`
            : 'Each store’s “today” is its own calendar day, in its time zone. Net sales = sales − refunds; the average basket is what a sale took, tax included.',
        ),
        tiles(
          `${heading}: today and the last ${DAYS} days`,
          one ? one.todayTotals : o.fleet.todayTotals,
          one ? one.periodTotals : o.fleet.periodTotals,
          currency,
        ),
        barChart(`Net sales per day, last ${DAYS} days (${currency})`, days, perDay, currency),
        dayTable(`Net sales per day, newest first`, days, perDay),
      ),
    );
    if (one) return;
    el.append(
      h(
        'div',
        { class: 'card' },
        table(
          o.next
            ? `Stores (the first ${o.stores.length}; choose one above for the rest)`
            : 'Stores, today and the last 30 days',
          [
            'Store',
            'Net today',
            'Sales today',
            `Net, ${DAYS} days`,
            `Sales, ${DAYS} days`,
            'Returns',
            'Average basket',
            'Per day',
          ],
          o.stores,
          (s) => [
            `${s.code} — ${s.name}`,
            moneyOf(s.todayTotals, (t) => t.netMinor, currency),
            sum(s.todayTotals, (t) => t.salesCount).toLocaleString(),
            moneyOf(s.periodTotals, (t) => t.netMinor, currency),
            sum(s.periodTotals, (t) => t.salesCount).toLocaleString(),
            sum(s.periodTotals, (t) => t.returnsCount).toLocaleString(),
            s.periodTotals.length ? s.periodTotals.map(basket).join(' + ') : '—',
            barChart('', lastDays(s.today), s.perDay, s.periodTotals[0]?.currency ?? currency, {
              height: 28,
              small: true,
            }),
          ],
          (s) => navigate('sales-overview', { store: s.storeId }),
        ),
      ),
    );
  },
};
