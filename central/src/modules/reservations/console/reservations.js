// Holds at a store (BOPIS and orders), live as they are granted, confirmed, handed over or expire.
import { h, showError, table, time } from '/console/lib.js';

export default {
  async render({ el, api, live, params, navigate }) {
    const stores = (await api('GET', '/api/sync/stores')).items;
    const storeId = params.get('store') ?? stores[0]?.storeId;
    const status = params.get('status') ?? '';
    const storeSelect = h(
      'select',
      { id: 'res-store' },
      stores.map((s) => h('option', { value: s.storeId, selected: s.storeId === storeId }, `${s.code} — ${s.name}`)),
    );
    const statusSelect = h(
      'select',
      { id: 'res-status' },
      ['', 'HELD', 'CONFIRMED', 'FULFILLED', 'RELEASED', 'EXPIRED'].map((s) =>
        h('option', { value: s, selected: s === status }, s || 'any'),
      ),
    );
    const form = h(
      'form',
      { class: 'filters' },
      h('div', {}, h('label', { for: 'res-store' }, 'Store'), storeSelect),
      h('div', {}, h('label', { for: 'res-status' }, 'Status'), statusSelect),
      h('button', { type: 'submit' }, 'Show holds'),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      navigate('reservations', {
        store: storeSelect.value,
        ...(statusSelect.value ? { status: statusSelect.value } : {}),
      });
    });
    const errors = h('div');
    const area = h('div', { class: 'card' });
    el.append(form, errors, area);
    if (!storeId) return void area.append(h('p', {}, 'No stores are registered yet.'));
    const refresh = async () => {
      try {
        const { items } = await api(
          'GET',
          `/api/stores/${storeId}/reservations?limit=200${status ? `&status=${status}` : ''}`,
        );
        area.replaceChildren(
          table(
            'Holds at this store, newest first',
            ['Created', 'Customer', 'Lines', 'Status', 'Expires'],
            items,
            (r) => [
              time(r.createdAt),
              r.customerRef,
              r.lines.map((l) => `${l.qty} × ${l.sku}`).join(', '),
              h(
                'span',
                {
                  class: `badge ${r.status === 'FULFILLED' ? 'ok' : r.status === 'EXPIRED' || r.status === 'RELEASED' ? 'warn' : ''}`,
                },
                r.status,
              ),
              time(r.expiresAt),
            ],
          ),
        );
        showError(errors);
      } catch (err) {
        showError(errors, err);
      }
    };
    await refresh();
    return live.on((m) => m.type === 'store-changed' && (m.storeId === storeId || m.storeId === '*') && void refresh());
  },
};
