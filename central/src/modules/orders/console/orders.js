// Orders with their saga timeline (each step, compensation and customer action), live.
import { h, money, showError, table, time } from '/console/lib.js';

export default {
  async render({ el, api, live, params, navigate }) {
    const status = params.get('status') ?? '';
    const orderId = params.get('order');
    const statusSelect = h(
      'select',
      { id: 'ord-status' },
      ['', 'PENDING', 'CONFIRMED', 'PICKED_UP', 'COMPENSATING', 'FAILED', 'CANCELLED'].map((s) =>
        h('option', { value: s, selected: s === status }, s || 'any'),
      ),
    );
    const form = h(
      'form',
      { class: 'filters' },
      h('div', {}, h('label', { for: 'ord-status' }, 'Status'), statusSelect),
      h('button', { type: 'submit' }, 'Show orders'),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      navigate('orders', statusSelect.value ? { status: statusSelect.value } : undefined);
    });
    const errors = h('div');
    const listArea = h('div', { class: 'card' });
    const detailArea = h('div', { class: 'card', 'aria-live': 'polite' });
    el.append(form, errors, h('div', { class: 'grid' }, listArea, detailArea));
    const badge = (s) =>
      h(
        'span',
        {
          class: `badge ${s === 'CONFIRMED' || s === 'PICKED_UP' ? 'ok' : s === 'FAILED' || s === 'CANCELLED' ? 'bad' : 'warn'}`,
        },
        s,
      );
    const refresh = async () => {
      try {
        const { items } = await api('GET', `/api/orders?limit=100${status ? `&status=${status}` : ''}`);
        listArea.replaceChildren(
          table(
            'Orders, newest first',
            ['Placed', 'Customer', 'Fulfilment', 'Total', 'Status'],
            items,
            (o) => [
              time(o.createdAt),
              o.customerName || o.customerId,
              o.fulfilment.type,
              money(o.totalMinor, o.currency),
              badge(o.status),
            ],
            (o) => navigate('orders', { ...(status ? { status } : {}), order: o.id }),
          ),
        );
        if (!orderId) detailArea.replaceChildren(h('p', { class: 'muted' }, 'Pick an order to see its timeline.'));
        else {
          const o = await api('GET', `/api/orders/${orderId}`);
          detailArea.replaceChildren(
            h('h2', {}, `Order ${o.id.slice(0, 8)}… `, badge(o.status)),
            h(
              'p',
              {},
              `${o.lines.map((l) => `${l.qty} × ${l.name}`).join(', ')} — ${money(o.totalMinor, o.currency)}, ${o.fulfilment.type}`,
            ),
            o.failure ? h('p', { class: 'error' }, o.failure) : '',
            h(
              'ol',
              { class: 'timeline', 'aria-label': 'Saga timeline' },
              o.timeline.map((e) =>
                h(
                  'li',
                  {},
                  h('strong', {}, e.kind),
                  ` — ${time(e.at)}`,
                  e.detail && e.kind.endsWith('FAILED') ? ` (${e.detail.reason})` : '',
                ),
              ),
            ),
          );
        }
        showError(errors);
      } catch (err) {
        showError(errors, err);
      }
    };
    await refresh();
    // Orders for pickup reach the store's feed at each step that changes the hold.
    return live.on((m) => m.type === 'store-changed' && void refresh());
  },
};
