// Oversell incidents (a store sold what the hub had promised) and low-stock alerts, live.
import { h, showError, table, time } from '/console/lib.js';

/** The repair of an incident in words: each affected hold re-sourced to another store or cancelled with a notice. */
function describeResolution(r, name) {
  if (!r) return '—';
  if (!Array.isArray(r.actions)) return JSON.stringify(r);
  return r.actions
    .map((a) =>
      a.action === 'RESOURCED'
        ? `hold ${a.reservationId.slice(0, 8)} moved to ${name(a.toStoreId)} (${a.distanceKm} km)`
        : a.action === 'CANCELLED'
          ? `hold ${a.reservationId.slice(0, 8)} cancelled: ${a.notice}`
          : JSON.stringify(a),
    )
    .join('; ');
}

export default {
  async render({ el, api, live }) {
    const stores = new Map((await api('GET', '/api/sync/stores')).items.map((s) => [s.storeId, s]));
    const name = (id) => (stores.get(id) ? `${stores.get(id).code} — ${stores.get(id).name}` : id);
    const errors = h('div');
    const incidentsArea = h('div', { class: 'card' });
    const alertsArea = h('div', { class: 'card' });
    el.append(errors, incidentsArea, alertsArea);
    const refresh = async () => {
      try {
        const [{ items: incidents }, { items: alerts }] = await Promise.all([
          api('GET', '/api/inventory/incidents?limit=200'),
          api('GET', '/api/inventory/alerts?limit=200'),
        ]);
        incidentsArea.replaceChildren(
          table(
            'Oversell incidents',
            ['Detected', 'Store', 'Sku', 'On hand', 'Reserved', 'Short', 'Status', 'Resolution'],
            incidents,
            (i) => [
              time(i.detectedAt),
              name(i.storeId),
              i.sku,
              String(i.onHand),
              String(i.reserved),
              String(i.short),
              h('span', { class: `badge ${i.status === 'OPEN' ? 'bad' : 'ok'}` }, i.status),
              describeResolution(i.resolution, name),
            ],
          ),
        );
        alertsArea.replaceChildren(
          table(
            'Low-stock alerts',
            ['Since', 'Store', 'Sku', 'On hand', 'Reserved', 'Sold per day', 'Reorder point', 'Suggested order'],
            alerts,
            (a) => [
              time(a.changedAt),
              name(a.storeId),
              a.sku,
              String(a.onHand),
              String(a.reserved),
              a.velocityPerDay.toFixed(1),
              String(a.reorderPoint),
              String(a.suggestedQty),
            ],
          ),
        );
        showError(errors);
      } catch (err) {
        showError(errors, err);
      }
    };
    await refresh();
    return live.on((m) => m.type === 'store-changed' && void refresh());
  },
};
