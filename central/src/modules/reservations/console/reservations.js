// Holds at a store (BOPIS and orders) with the order number an order's hold carries, found by that number, live as
// they are granted, confirmed, handed over or expire. Head office picks the store; a store manager sees their own
// store's holds only.
import { h, product, productNames, showError, storeScope, table, time } from '/console/lib.js';

export default {
  async render({ el, api, live, me, params, navigate }) {
    const scope = await storeScope({ api, me, params }, 'res-store');
    const { storeId } = scope;
    const status = params.get('status') ?? '';
    const wanted = params.get('order') ?? '';
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
      scope.control,
      h('div', {}, h('label', { for: 'res-status' }, 'Status'), statusSelect),
      h(
        'div',
        {},
        h('label', { for: 'res-order' }, 'Order number'),
        h('input', { id: 'res-order', value: wanted, autocomplete: 'off', placeholder: 'e.g. SF-10482' }),
      ),
      h('button', { type: 'submit' }, 'Show holds'),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      navigate('reservations', {
        ...(scope.fixed ? {} : { store: scope.select.value }),
        ...(statusSelect.value ? { status: statusSelect.value } : {}),
        ...(form.querySelector('#res-order').value.trim()
          ? { order: form.querySelector('#res-order').value.trim() }
          : {}),
      });
    });
    const errors = h('div');
    const area = h('div', { class: 'card' });
    el.append(form, errors, area);
    if (!storeId) return void area.append(h('p', {}, 'No stores are registered yet.'));
    const refresh = async () => {
      try {
        const q = new URLSearchParams({
          limit: '200',
          ...(status ? { status } : {}),
          ...(wanted ? { order: wanted } : {}),
        });
        const { items } = await api('GET', `/api/stores/${storeId}/reservations?${q}`);
        const names = await productNames(
          api,
          items.flatMap((r) => r.lines.filter((l) => !l.name && !l.productName).map((l) => l.sku)),
        );
        const line = (l) => h('li', {}, `${l.qty} × `, product(l.productName ?? l.name ?? names.get(l.sku), l.sku));
        area.replaceChildren(
          table(
            wanted
              ? `Holds at this store for order number “${wanted}”, newest first`
              : 'Holds at this store, newest first',
            ['Created', 'Order', 'Customer', 'Products', 'Status', 'Expires'],
            items,
            (r) => [
              time(r.createdAt),
              r.orderNumber ? h('span', { class: 'nowrap' }, r.orderNumber) : '—',
              r.customerRef,
              h('ul', { class: 'plain' }, r.lines.map(line)),
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
