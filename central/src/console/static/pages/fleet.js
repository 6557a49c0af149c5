// Fleet: every store with its connection, last contact and sync lag, live; lag over time as a chart.
import { ago, h, lineChart, table } from '/console/lib.js';

export default {
  async render({ el, api, live, params, navigate }) {
    const storeId = params.get('store');
    const chartArea = h('div', { class: 'card' });
    const listArea = h('div', { class: 'card' });
    const summary = h('p', { class: 'summary', 'aria-live': 'polite' });
    el.append(summary, chartArea, listArea);

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

    const drawList = (items) => {
      const online = items.filter((s) => s.connected).length;
      summary.textContent = `${online} of ${items.length} stores connected`;
      listArea.replaceChildren(
        table(
          'Stores',
          ['Store', 'Name', 'Connection', 'Last seen', 'Events waiting (up)', 'Feed lag (down)', 'Parked'],
          items,
          (s) => [s.code, s.name, h('span', { class: `badge ${s.connected ? 'ok' : 'warn'}` }, s.connected ? 'connected' : 'offline'), ago(s.lastSeenAt), String(s.pendingUp), String(s.feedLag), String(s.parked)],
          (s) => navigate('fleet', { store: s.storeId }),
        ),
      );
    };

    drawList((await api('GET', '/api/sync/stores')).items);
    await drawChart();
    const off = live.on((m) => m.type === 'fleet' && drawList(m.items));
    const timer = setInterval(() => void drawChart().catch(() => undefined), 15_000);
    return () => {
      off();
      clearInterval(timer);
    };
  },
};
