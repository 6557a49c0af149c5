// Fleet: every store with its connection, last contact and sync lag, live; lag over time as a chart that shows
// outages (a store offline, a stretch the hub took no samples) as they happened; each store against the targets
// (sync lag under a minute, inventory accuracy over 99 %); parked events with their replay buttons.
import { ago, duration, h, table } from '/console/lib.js';
import { parkedSection } from '/console/pages/parked.js';
import { retentionSection } from '/console/pages/retention.js';

const svgNs = 'http://www.w3.org/2000/svg';
const ACCURACY_TARGET = 0.99;
const ACCURACY_DAYS = 7;
/** A time of day; with seconds when the stretch shown is short enough for them to matter. */
let withSeconds = false;
const clock = (ms) =>
  new Date(ms).toLocaleTimeString(undefined, {
    hour: 'numeric',
    minute: '2-digit',
    ...(withSeconds ? { second: '2-digit' } : {}),
  });
/**
 * A count as people read it, or `—` when the answer has no such number: during a rolling deploy a replica of an older
 * version answers without the fields this page knows, and the page shows what it has instead of a TypeError.
 */
const num = (x) => (typeof x === 'number' && Number.isFinite(x) ? x.toLocaleString() : '—');
const orZero = (x) => (typeof x === 'number' && Number.isFinite(x) ? x : 0);
const pct = (x) => `${(Math.floor(x * 1000) / 10).toLocaleString(undefined, { minimumFractionDigits: 1 })} %`;
const met = (ok, label) =>
  h(
    'span',
    { class: `badge ${ok ? 'ok' : 'bad'}` },
    ok ? `met` : `not met`,
    h('span', { class: 'visually-hidden' }, ` (${label})`),
  );

/**
 * Splits samples into runs: a new run starts where the hub took no sample for more than two and a half sampling
 * intervals (it was down), so a line is never drawn across a stretch nobody measured. Also returns those gaps. One
 * missing sample is no gap: samples are cut into fixed buckets, and a timer that fires late now and then skips one.
 */
export function runsOf(items) {
  const runs = [];
  const gaps = [];
  let run = [];
  for (const s of items) {
    const prev = run.at(-1);
    if (prev?.everyMs && s.at - prev.at > prev.everyMs * 2.5) {
      gaps.push({ from: prev.at, to: s.at });
      runs.push(run);
      run = [];
    }
    run.push(s);
  }
  if (run.length) runs.push(run);
  return { runs, gaps };
}

/** Stretches where `down(sample)` held, as [from, to] (to: the first sample after, or the last one). */
function stretches(items, down) {
  const out = [];
  let start = null;
  items.forEach((s, i) => {
    if (down(s) && start === null) start = s.at;
    if (!down(s) && start !== null) {
      out.push({ from: start, to: s.at, open: false });
      start = null;
    }
    if (i === items.length - 1 && start !== null) out.push({ from: start, to: s.at, open: true });
  });
  return out;
}

/**
 * Sync lag over time (minutes), with the one-minute target as a dashed line, stretches with a store offline shaded,
 * and stretches with no samples left empty and marked. Described in words beside it (the outages as a list).
 */
function lagChart(title, items, { one }) {
  const width = 640;
  const height = 200;
  const pad = { l: 44, r: 8, t: 10, b: 22 };
  const svg = document.createElementNS(svgNs, 'svg');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.setAttribute('role', 'img');
  svg.classList.add('chart');
  const el = (tag, attrs, text) => {
    const e = document.createElementNS(svgNs, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    if (text !== undefined) e.textContent = text;
    svg.append(e);
    return e;
  };
  items = (Array.isArray(items) ? items : []).filter((s) => typeof s?.at === 'number' && typeof s.lagMs === 'number');
  const offlineOf = one ? (s) => s.connected === false : (s) => s.stores > s.connected;
  const outages = stretches(items, offlineOf);
  const { runs, gaps } = runsOf(items);
  if (!items.length) {
    svg.setAttribute('aria-label', `${title}: no samples yet`);
    el('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', class: 'tick' }, 'No samples yet');
    return h('figure', {}, svg, h('figcaption', {}, title));
  }
  const x0 = items[0].at;
  const x1 = Math.max(items.at(-1).at, x0 + 1);
  withSeconds = x1 - x0 < 15 * 60_000;
  const yMax = Math.max(2, ...items.map((s) => s.lagMs / 60_000)) * 1.1;
  const sx = (x) => pad.l + ((x - x0) / (x1 - x0)) * (width - pad.l - pad.r);
  const sy = (y) => height - pad.b - (y / yMax) * (height - pad.t - pad.b);
  for (const o of outages)
    el('rect', {
      x: sx(o.from),
      y: pad.t,
      width: Math.max(2, sx(o.to) - sx(o.from)),
      height: height - pad.t - pad.b,
      class: 'offline',
    });
  for (const g of gaps) {
    el('rect', {
      x: sx(g.from),
      y: pad.t,
      width: Math.max(2, sx(g.to) - sx(g.from)),
      height: height - pad.t - pad.b,
      class: 'nodata',
    });
    if (sx(g.to) - sx(g.from) > 70)
      el(
        'text',
        { x: (sx(g.from) + sx(g.to)) / 2, y: pad.t + 12, 'text-anchor': 'middle', class: 'tick' },
        'no samples',
      );
  }
  el('line', { x1: pad.l, y1: sy(0), x2: width - pad.r, y2: sy(0), class: 'axis' });
  el('line', { x1: pad.l, y1: sy(1), x2: width - pad.r, y2: sy(1), class: 'target' });
  el('text', { x: pad.l - 4, y: sy(1) + 4, 'text-anchor': 'end', class: 'tick' }, '1 min');
  el('text', { x: pad.l - 4, y: sy(0), 'text-anchor': 'end', class: 'tick' }, '0');
  el('text', { x: pad.l - 4, y: pad.t + 8, 'text-anchor': 'end', class: 'tick' }, `${Math.round(yMax)} min`);
  el('text', { x: pad.l, y: height - 4, class: 'tick' }, clock(x0));
  el('text', { x: width - pad.r, y: height - 4, 'text-anchor': 'end', class: 'tick' }, clock(x1));
  for (const run of runs) {
    const d = run.map((s, j) => `${j ? 'L' : 'M'}${sx(s.at).toFixed(1)},${sy(s.lagMs / 60_000).toFixed(1)}`).join(' ');
    el('path', { d, class: 'line s0' });
    if (run.length === 1) el('circle', { cx: sx(run[0].at), cy: sy(run[0].lagMs / 60_000), r: 2.5, class: 'dot' });
  }
  const worst = Math.max(...items.map((s) => s.lagMs));
  const words = [
    `worst lag ${duration(worst)}`,
    outages.length
      ? `${outages.length} ${outages.length === 1 ? 'stretch' : 'stretches'} with ${one ? 'the store' : 'a store'} offline`
      : `no store offline`,
    gaps.length ? `${gaps.length} without samples` : '',
  ].filter(Boolean);
  svg.setAttribute('aria-label', `${title}: ${words.join('; ')}.`);
  const events = [
    ...outages.map((o) => ({
      at: o.from,
      text: `${one ? 'Offline' : 'Stores offline'} from ${clock(o.from)} ${o.open ? 'until now' : `to ${clock(o.to)}`} (${duration(o.to - o.from)}${o.open ? ' so far' : ''})`,
    })),
    ...gaps.map((g) => ({
      at: g.from,
      text: `No samples from ${clock(g.from)} to ${clock(g.to)}: the hub was not recording`,
    })),
  ].sort((a, b) => a.at - b.at);
  return h(
    'figure',
    {},
    svg,
    h(
      'figcaption',
      {},
      title,
      ' — ',
      h('span', { class: 'key s0' }, 'lag'),
      ', ',
      h('span', { class: 'key offline' }, 'shaded: offline'),
      ', dashed: the 1 min target',
      events.length
        ? h(
            'ul',
            { class: 'outages' },
            events.slice(-8).map((e) => h('li', {}, e.text)),
            events.length > 8 ? h('li', {}, `and ${events.length - 8} earlier`) : '',
          )
        : '',
    ),
  );
}

/**
 * Each store against the targets: sync lag under a minute (worst and p95 of the last hour's samples; met when the
 * p95 is under it) and inventory accuracy over 99 % (see `GET /api/inventory/accuracy`: skus its complete RFID counts
 * of the last 7 days found matching on-hand ÷ skus counted; a store with no count has no figure and does not meet
 * it). Stores missing a target first.
 */
function targetsSection({ api, navigate }) {
  const el = h('div', { class: 'card' }, h('h2', {}, 'Targets'));
  const body = h('div', { 'aria-live': 'polite' });
  el.append(body);
  const refresh = (stores) =>
    draw(stores).catch((err) => body.replaceChildren(h('p', { role: 'alert', class: 'error' }, err.message)));
  const draw = async (stores) => {
    const shown = stores.slice(0, 200);
    // Each answer on its own: a hub replica without one of these routes (an older version) blanks only its columns.
    const [lag, acc] = await Promise.all([
      api('GET', '/api/sync/lag-targets?minutes=60').catch(() => ({})),
      shown.length
        ? api(
            'GET',
            `/api/inventory/accuracy?days=${ACCURACY_DAYS}&storeIds=${shown.map((s) => s.storeId).join(',')}`,
          ).catch(() => ({}))
        : { items: [] },
    ]);
    const lagOf = new Map((Array.isArray(lag.items) ? lag.items : []).map((x) => [x?.storeId, x]));
    const accOf = new Map((Array.isArray(acc.items) ? acc.items : []).map((x) => [x?.storeId, x]));
    const targetMs = typeof lag.targetMs === 'number' ? lag.targetMs : 60_000;
    const rows = shown.map((s) => {
      const l = lagOf.get(s.storeId) ?? {};
      const a = accOf.get(s.storeId);
      const counted = a && typeof a.accuracy === 'number' ? a : null;
      return {
        s,
        l,
        a: counted,
        lagOk: typeof l.p95Ms === 'number' && l.p95Ms < targetMs,
        accOk: counted ? counted.accuracy > ACCURACY_TARGET : false,
      };
    });
    rows.sort(
      (x, y) =>
        Number(x.lagOk && x.accOk) - Number(y.lagOk && y.accOk) || String(x.s.code).localeCompare(String(y.s.code)),
    );
    const lagMet = rows.filter((r) => r.lagOk).length;
    const accMet = rows.filter((r) => r.accOk).length;
    const uncounted = rows.filter((r) => !r.a).length;
    body.replaceChildren(
      h(
        'p',
        {},
        `Sync lag under 1 min: ${lagMet} of ${rows.length} stores over the last hour${typeof lag.samples === 'number' ? ` (${num(lag.samples)} samples)` : ' (no lag figures from this hub)'}. `,
        `Inventory accuracy over 99 %: ${accMet} of ${rows.length} stores over the last ${ACCURACY_DAYS} days`,
        uncounted ? ` (${uncounted} with no RFID counts).` : '.',
      ),
      table(
        stores.length > shown.length
          ? `Stores against the targets (the first ${shown.length} of ${stores.length})`
          : 'Stores against the targets, those missing one first',
        ['Store', 'Sync lag, p95 (1 h)', 'Worst', 'Lag < 1 min', 'Inventory accuracy (7 days)', 'Accuracy > 99 %'],
        rows,
        ({ s, l, a, lagOk, accOk }) => [
          `${s.code} — ${s.name}`,
          duration(l.p95Ms),
          orZero(l.offlineSamples)
            ? `${duration(l.worstMs)} (offline in ${l.offlineSamples} ${l.offlineSamples === 1 ? 'sample' : 'samples'})`
            : duration(l.worstMs),
          typeof l.p95Ms === 'number' ? met(lagOk, 'sync lag under 1 min') : '—',
          a
            ? h(
                'span',
                {
                  title: `${num(a.counts)} complete RFID ${a.counts === 1 ? 'count' : 'counts'}, the last one ${ago(a.lastCountAt)}; ${num(a.unitsOff)} of ${num(a.unitsCounted)} units off`,
                },
                pct(a.accuracy),
                typeof a.skusCounted !== 'number'
                  ? ' (skus counted: —)'
                  : a.skusMatching === a.skusCounted
                    ? ` (${num(a.skusCounted)} skus counted, all matched)`
                    : ` (${num(a.skusCounted)} skus counted, ${num(a.skusMatching)} matched)`,
              )
            : 'no RFID counts',
          met(accOk, 'inventory accuracy over 99 %'),
        ],
        ({ s }) => navigate('fleet', { store: s.storeId }),
      ),
      h(
        'p',
        { class: 'muted' },
        'Sync lag: how long a store has been behind (offline: since it was last heard from; feed entries waiting: since the oldest was written). ',
        `Accuracy: skus whose RFID count matched on-hand ÷ skus counted, over every complete count of the last ${ACCURACY_DAYS} whole UTC days, today included (today and the ${ACCURACY_DAYS - 1} days before; a sku counted in ten counts is ten of them). `,
        `A store with no RFID count in ${ACCURACY_DAYS} days has no figure and does not meet the target.`,
      ),
    );
  };
  return { el, refresh };
}

export default {
  async render({ el, api, live, params, navigate }) {
    const storeId = params.get('store');
    const chartArea = h('div', { class: 'card' });
    const listArea = h('div', { class: 'card' });
    const summary = h('p', { class: 'summary', 'aria-live': 'polite' });
    el.append(summary, chartArea, listArea);
    let all = [];
    const nameOf = (id) => {
      const s = all.find((x) => x.storeId === id);
      return s ? `${s.code} — ${s.name}` : id;
    };
    const parked = parkedSection({ api, storeId, storeName: nameOf });
    el.append(parked.el);
    // What the hub keeps of its sync and order tables: a fleet-wide matter, not shown for one store.
    const retention = storeId ? null : retentionSection({ api });
    if (retention) {
      el.append(retention.el);
      void retention.refresh();
    }

    const drawChart = async () => {
      const q = storeId ? `?storeId=${storeId}&minutes=60` : '?minutes=60';
      const { items } = await api('GET', `/api/sync/lag-history${q}`);
      const title = storeId
        ? `Sync lag of ${nameOf(storeId)}, last hour`
        : 'Sync lag of the fleet (its worst store), last hour';
      chartArea.replaceChildren(
        lagChart(title, items, { one: Boolean(storeId) }),
        storeId ? h('p', {}, h('a', { href: '#/fleet' }, 'Show the whole fleet')) : '',
      );
    };
    const targets = targetsSection({ api, navigate });
    el.insertBefore(targets.el, listArea);

    // Thousands of stores: those needing attention first (offline, then the most lag), a filter, 200 rows drawn.
    const SHOWN = 200;
    const filter = h('input', { id: 'fleet-filter', type: 'search', placeholder: 'code or name', autocomplete: 'off' });
    el.insertBefore(
      h('div', { class: 'filters' }, h('div', {}, h('label', { for: 'fleet-filter' }, 'Find a store'), filter)),
      listArea,
    );
    // A store whose disk is full cannot record sales: first of all, with a badge saying what to do.
    const diskFull = (s) => Boolean(s.disk?.full);
    // Events a store lost to a hub restore: never coming back, so its counters may need a stock count.
    const lostCount = (s) =>
      (Array.isArray(s.lostEvents) ? s.lostEvents : []).reduce((n, r) => n + orZero(r?.count), 0);
    const lostBadge = (s) =>
      lostCount(s)
        ? h(
            'span',
            {
              class: 'badge warn',
              title: s.lostEvents.map((r) => `${r.note} (reported ${ago(r.reportedAt)})`).join('\n'),
            },
            `${lostCount(s)} lost`,
          )
        : '0';
    const attention = (a, b) =>
      Number(diskFull(b)) - Number(diskFull(a)) ||
      Number(a.connected) - Number(b.connected) ||
      orZero(b.pendingUp) + orZero(b.feedLag) - (orZero(a.pendingUp) + orZero(a.feedLag)) ||
      String(a.code).localeCompare(String(b.code));
    let parkedTotal = -1;
    const drawList = (items = all) => {
      all = items;
      const total = items.reduce((n, s) => n + orZero(s.parked), 0);
      if (total !== parkedTotal) {
        parkedTotal = total;
        void parked.refresh(); // a store parked an event or a replay resolved one (it shows its own errors)
      }
      const online = items.filter((s) => s.connected).length;
      const lagging = items.filter((s) => orZero(s.pendingUp) + orZero(s.feedLag) > 0).length;
      const full = items.filter(diskFull).length;
      const lost = items.filter(lostCount).length;
      summary.textContent = `${online} of ${items.length} stores connected; ${lagging} with sync lag${full ? `; ${full} with a full disk` : ''}${lost ? `; ${lost} with events lost to a hub restore` : ''}`;
      const chosen = storeId ? items.find((s) => s.storeId === storeId) : undefined;
      const q = filter.value.trim().toLowerCase();
      const matching = (q ? items.filter((s) => `${s.code ?? ''} ${s.name ?? ''}`.toLowerCase().includes(q)) : items)
        .slice()
        .sort(attention);
      listArea.replaceChildren(
        ...(chosen?.lostEvents ?? []).map((r) =>
          h(
            'p',
            { role: 'note' },
            h('span', { class: 'badge warn' }, 'events lost'),
            ` ${chosen.code}: ${r.note} (reported ${ago(r.reportedAt)}).`,
          ),
        ),
        table(
          matching.length > SHOWN ? `Stores (the first ${SHOWN} of ${matching.length}; refine the search)` : 'Stores',
          [
            'Store',
            'Name',
            'Connection',
            'Disk',
            'Last seen',
            'Events waiting (up)',
            'Feed lag (down)',
            'Parked',
            'Lost events',
          ],
          matching.slice(0, SHOWN),
          (s) => [
            s.code,
            s.name,
            h('span', { class: `badge ${s.connected ? 'ok' : 'warn'}` }, s.connected ? 'connected' : 'offline'),
            diskFull(s)
              ? h(
                  'span',
                  {
                    class: 'badge warn',
                    title: `full ${ago(s.disk.since)}: the store cannot record sales until space is freed on the store PC${s.disk.reason ? ` (${s.disk.reason})` : ''}`,
                  },
                  'disk full',
                )
              : h('span', { class: 'badge ok' }, 'ok'),
            s.connected ? 'now' : ago(s.lastSeenAt),
            num(s.pendingUp),
            num(s.feedLag),
            num(s.parked),
            lostBadge(s),
          ],
          (s) => navigate('fleet', { store: s.storeId }),
        ),
      );
    };
    filter.addEventListener('input', () => drawList());

    drawList((await api('GET', '/api/sync/stores')).items);
    await drawChart();
    const drawTargets = () => targets.refresh(storeId ? all.filter((s) => s.storeId === storeId) : all);
    await drawTargets();
    const off = live.on((m) => m.type === 'fleet' && drawList(m.items));
    const timer = setInterval(() => {
      void drawChart().catch(() => undefined);
      void drawTargets().catch(() => undefined);
      void retention?.refresh();
    }, 15_000);
    return () => {
      off();
      clearInterval(timer);
    };
  },
};
