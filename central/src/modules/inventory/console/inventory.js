// Inventory by store and sku: stock levels, a sku's movement history as a chart of on-hand over time, live. Head office
// picks the store; a store manager sees their own store only.
import { h, lineChart, product, showError, storeScope, table, time } from '/console/lib.js';

/** On hand after each movement, newest movement first in `moves` (as the API returns them). */
function onHandSeries(level, moves) {
  const points = [];
  let onHand = level.onHand;
  for (const m of moves) {
    points.push([m.at, onHand]);
    onHand -= m.delta;
  }
  if (moves.length) points.push([moves.at(-1).at - 1, onHand]);
  return points.reverse();
}

export default {
  async render({ el, api, live, me, params, navigate }) {
    const scope = await storeScope({ api, me, params }, 'inv-store');
    const { storeId } = scope;
    const sku = params.get('sku');
    const errors = h('div');
    const skuInput = h('input', {
      id: 'inv-sku',
      value: params.get('prefix') ?? '',
      placeholder: 'e.g. SKU-00',
      autocomplete: 'off',
    });
    const form = h(
      'form',
      { class: 'filters', role: 'search' },
      scope.control,
      h('div', {}, h('label', { for: 'inv-sku' }, 'Sku starts with'), skuInput),
      h('button', { type: 'submit' }, 'Show stock'),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      navigate('inventory', { ...(scope.fixed ? {} : { store: scope.select.value }), prefix: skuInput.value });
    });
    const levelsArea = h('div', { class: 'card' });
    const detailArea = h('div', { class: 'card', 'aria-live': 'polite' });
    el.append(form, errors, h('div', { class: 'grid' }, levelsArea, detailArea));
    if (!storeId) return void levelsArea.append(h('p', {}, 'No stores are registered yet.'));

    const drawLevels = async () => {
      const q = new URLSearchParams({ limit: '200', ...(skuInput.value ? { sku: skuInput.value } : {}) });
      const { items } = await api('GET', `/api/inventory/stores/${storeId}/stock?${q}`);
      levelsArea.replaceChildren(
        table(
          'Stock at this store',
          ['Product', 'On hand', 'Reserved', 'Safety', 'Available'],
          items,
          (l) => [
            product(l.productName, l.sku),
            String(l.onHand),
            String(l.reserved),
            String(l.safety),
            String(l.available),
          ],
          (l) =>
            navigate('inventory', {
              ...(scope.fixed ? {} : { store: storeId }),
              prefix: skuInput.value,
              sku: l.sku,
            }),
        ),
      );
    };
    const drawDetail = async () => {
      if (!sku) return void detailArea.replaceChildren(h('p', { class: 'muted' }, 'Pick a sku to see its movements.'));
      const [level, { items: moves }] = await Promise.all([
        api('GET', `/api/inventory/stores/${storeId}/stock/${encodeURIComponent(sku)}`),
        api('GET', `/api/inventory/stores/${storeId}/stock/${encodeURIComponent(sku)}/movements?limit=200`),
      ]);
      const called = level.productName ? `${level.productName} (${sku})` : sku;
      detailArea.replaceChildren(
        h('h2', {}, `${called}: ${level.onHand} on hand, ${level.available} available`),
        lineChart(`On hand of ${called} over time`, [{ name: 'on hand', points: onHandSeries(level, moves) }]),
        table('Movements, newest first', ['When', 'Change', 'Kind', 'Source'], moves, (m) => [
          time(m.at),
          (m.delta > 0 ? '+' : '') + m.delta,
          m.kind,
          m.source,
        ]),
      );
    };
    const refresh = () =>
      Promise.all([drawLevels(), drawDetail()]).then(
        () => showError(errors),
        (err) => showError(errors, err),
      );
    await refresh();
    // A store's events reaching the hub move its acknowledged seq: re-read what is shown.
    let acked;
    return live.on((m) => {
      if (m.type !== 'fleet') return;
      const s = m.items.find((i) => i.storeId === storeId);
      if (s && acked !== undefined && s.ackedSeq !== acked) void refresh();
      acked = s?.ackedSeq;
    });
  },
};
