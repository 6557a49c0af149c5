// Oversell incidents (a store sold what the hub had promised) and low-stock alerts, live: every store's for head
// office, their own store's for a store manager.
import { h, idTail, product, showError, storeLabel, table, time } from '/console/lib.js';

/** The repair of an incident in words: each affected hold re-sourced to another store or cancelled with a notice. */
function describeResolution(r, name) {
  if (!r) return '—';
  if (!Array.isArray(r.actions)) return JSON.stringify(r);
  return r.actions
    .map((a) =>
      a.action === 'RESOURCED'
        ? `hold ${idTail(a.reservationId)} moved to ${name(a.toStoreId)} (${a.distanceKm} km)`
        : a.action === 'CANCELLED'
          ? `hold ${idTail(a.reservationId)} cancelled: ${a.notice}`
          : JSON.stringify(a),
    )
    .join('; ');
}

export default {
  async render({ el, api, live, me }) {
    const manager = me?.role === 'STORE_MANAGER';
    const stores = new Map(
      manager ? [[me.storeId, me.store]] : (await api('GET', '/api/sync/stores')).items.map((s) => [s.storeId, s]),
    );
    const name = (id) => storeLabel(stores.get(id), id);
    const only = manager ? `&storeId=${encodeURIComponent(me.storeId)}` : '';
    const errors = h('div');
    const incidentsArea = h('div', { class: 'card' });
    const alertsArea = h('div', { class: 'card' });
    el.append(errors, incidentsArea, alertsArea);
    const refresh = async () => {
      try {
        const [{ items: incidents }, { items: alerts }] = await Promise.all([
          api('GET', `/api/inventory/incidents?limit=200${only}`),
          api('GET', `/api/inventory/alerts?limit=200${only}`),
        ]);
        incidentsArea.replaceChildren(
          table(
            'Oversell incidents',
            ['Detected', 'Store', 'Product', 'On hand', 'Reserved', 'Short', 'Status', 'Resolution'],
            incidents,
            (i) => [
              time(i.detectedAt),
              name(i.storeId),
              product(i.productName, i.sku),
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
            ['Since', 'Store', 'Product', 'On hand', 'Reserved', 'Sold per day', 'Reorder point', 'Suggested order'],
            alerts,
            (a) => [
              time(a.changedAt),
              name(a.storeId),
              product(a.productName, a.sku),
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
    return live.on((m) => m.type === 'store-changed' && (!manager || m.storeId === me.storeId) && void refresh());
  },
};
