// Fleet: every store with its connection, last contact and sync lag, live; lag over time as a chart; parked events
// with their replay buttons.
import { ago, h, lineChart, table } from '/console/lib.js';
import { parkedSection } from '/console/pages/parked.js';
import { retentionSection } from '/console/pages/retention.js';

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
      const title = storeId ? 'Sync lag of the chosen store, last hour' : 'Sync lag of the fleet, last hour';
      chartArea.replaceChildren(
        lineChart(title, [
          { name: 'events waiting to reach the hub', points: items.map((s) => [s.at, s.pendingUp]) },
          { name: 'feed entries waiting at stores', points: items.map((s) => [s.at, s.feedLag]) },
        ]),
        storeId ? h('p', {}, h('a', { href: '#/fleet' }, 'Show the whole fleet')) : '',
      );
    };

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
    const lostCount = (s) => (s.lostEvents ?? []).reduce((n, r) => n + r.count, 0);
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
      b.pendingUp + b.feedLag - (a.pendingUp + a.feedLag) ||
      a.code.localeCompare(b.code);
    let parkedTotal = -1;
    const drawList = (items = all) => {
      all = items;
      const total = items.reduce((n, s) => n + s.parked, 0);
      if (total !== parkedTotal) {
        parkedTotal = total;
        void parked.refresh(); // a store parked an event or a replay resolved one (it shows its own errors)
      }
      const online = items.filter((s) => s.connected).length;
      const lagging = items.filter((s) => s.pendingUp + s.feedLag > 0).length;
      const full = items.filter(diskFull).length;
      const lost = items.filter(lostCount).length;
      summary.textContent = `${online} of ${items.length} stores connected; ${lagging} with sync lag${full ? `; ${full} with a full disk` : ''}${lost ? `; ${lost} with events lost to a hub restore` : ''}`;
      const chosen = storeId ? items.find((s) => s.storeId === storeId) : undefined;
      const q = filter.value.trim().toLowerCase();
      const matching = (
        q ? items.filter((s) => s.code.toLowerCase().includes(q) || s.name.toLowerCase().includes(q)) : items
      )
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
            String(s.pendingUp),
            String(s.feedLag),
            String(s.parked),
            lostBadge(s),
          ],
          (s) => navigate('fleet', { store: s.storeId }),
        ),
      );
    };
    filter.addEventListener('input', () => drawList());

    drawList((await api('GET', '/api/sync/stores')).items);
    await drawChart();
    const off = live.on((m) => m.type === 'fleet' && drawList(m.items));
    const timer = setInterval(() => {
      void drawChart().catch(() => undefined);
      void retention?.refresh();
    }, 15_000);
    return () => {
      off();
      clearInterval(timer);
    };
  },
};
