// Daily sales per store: how many sales, gross, tax, returns, voids and net, each day in the store's own time zone;
// a sale found by its receipt number, its lines and returns by product name. Head office sees every store, a store
// manager their own store only (the hub answers them nothing else).
import { dayLabel, h, money, product, productNames, showError, storeScope, table } from '/console/lib.js';

/** The period's totals per currency (a fleet may sell in several). */
function periodTotals(items) {
  const by = new Map();
  for (const d of items) {
    const t = by.get(d.currency) ?? {
      currency: d.currency,
      sales: 0,
      gross: 0,
      tax: 0,
      returns: 0,
      refunds: 0,
      voids: 0,
      net: 0,
    };
    t.sales += d.salesCount;
    t.gross += d.grossMinor;
    t.tax += d.taxMinor;
    t.returns += d.returnsCount;
    t.refunds += d.returnsMinor;
    t.voids += d.voidsCount;
    t.net += d.netMinor;
    by.set(d.currency, t);
  }
  return [...by.values()];
}

const plural = (n, one, many = `${one}s`) => `${n.toLocaleString()} ${n === 1 ? one : many}`;

/** One store's sale of a looked-up number (or id): what was sold, how it was paid, and what came back; `names` sku → name. */
function saleCard(m, names) {
  const s = m.sale;
  const title = `${m.storeCode} — ${m.storeName}: sale ${s?.number ?? m.saleId}`;
  if (!s)
    return h(
      'section',
      { class: 'card' },
      h('h3', {}, title),
      h('p', {}, 'Only returns of this sale have reached the hub so far.'),
    );
  const tenders = s.tenders
    .map((t) =>
      t.kind === 'CARD' ? `card ${t.reference}` : t.kind === 'APP' ? `the app (Scan & Go) ${t.reference}` : 'cash',
    )
    .join(', ');
  // issue #25: what promotions took off, named
  const saved = (s.promotions ?? []).map((p) => `${p.name} −${money(p.discountMinor, s.currency)}`).join('; ');
  return h(
    'section',
    { class: 'card' },
    h('h3', {}, title),
    h(
      'p',
      {},
      s.status === 'VOIDED'
        ? `Voided on ${dayLabel(s.day)}${s.lane ? ` at lane ${s.lane}` : ''}.`
        : `Paid ${money(s.totalMinor, s.currency)} (tax ${money(s.taxMinor, s.currency)}) by ${tenders} on ${dayLabel(s.day)}${s.lane ? ` at lane ${s.lane}` : ''}.${saved ? ` Promotions: ${saved}.` : ''}`,
    ),
    table(`Lines of sale ${s.number ?? m.saleId}`, ['Product', 'Qty', 'Amount'], s.lines, (l) => [
      product(names.get(l.sku), l.sku),
      String(l.qty),
      l.subtotalMinor === undefined ? '—' : money(l.subtotalMinor + l.taxMinor, s.currency),
    ]),
    m.returns.length
      ? table(
          `Returns of sale ${s.number ?? m.saleId}`,
          ['Return', 'Day', 'Items', 'Refund', 'Counted'],
          m.returns,
          (r) => [
            r.number ?? r.returnId,
            dayLabel(r.day),
            h(
              'span',
              {},
              r.lines.flatMap((l, i) => [i ? ', ' : '', `${l.qty} × `, product(names.get(l.sku), l.sku)]),
            ),
            `${money(r.refundMinor, r.currency)} ${r.refund.kind === 'CARD' ? `to card ${r.refund.reference}` : 'in cash'}`,
            r.status === 'REFUSED' ? `no: ${r.refusedReason}` : r.status === 'PENDING' ? 'waiting for its sale' : 'yes',
          ],
        )
      : h('p', { class: 'muted' }, 'No returns.'),
  );
}

export default {
  async render({ el, api, live, me, params, navigate }) {
    // A store manager's page is their store's; head office may also pick every store at once.
    const scope = me?.role === 'STORE_MANAGER' ? await storeScope({ api, me, params }, 'sales-store') : undefined;
    const stores = scope ? scope.stores : (await api('GET', '/api/sync/stores')).items;
    const storeId = scope ? scope.storeId : (params.get('store') ?? '');
    const storeSelect = scope
      ? undefined
      : h(
          'select',
          { id: 'sales-store' },
          h('option', { value: '' }, 'Every store'),
          stores.map((s) =>
            h('option', { value: s.storeId, selected: s.storeId === storeId }, `${s.code} — ${s.name}`),
          ),
        );
    const from = h('input', { id: 'sales-from', type: 'date', value: params.get('from') ?? '' });
    const to = h('input', { id: 'sales-to', type: 'date', value: params.get('to') ?? '' });
    const form = h(
      'form',
      { class: 'filters', role: 'search' },
      scope ? scope.control : h('div', {}, h('label', { for: 'sales-store' }, 'Store'), storeSelect),
      h('div', {}, h('label', { for: 'sales-from' }, 'From'), from),
      h('div', {}, h('label', { for: 'sales-to' }, 'To'), to),
      h('button', { type: 'submit' }, 'Show sales'),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      navigate('sales', {
        ...(storeSelect?.value ? { store: storeSelect.value } : {}),
        ...(from.value ? { from: from.value } : {}),
        ...(to.value ? { to: to.value } : {}),
      });
    });
    const errors = h('div');
    const summary = h('div', { class: 'card', 'aria-live': 'polite' });
    const area = h('div', { class: 'card' });
    // A sale by the number on its receipt (S001-03-00123), as a customer or a store reads it out.
    const wanted = h('input', { id: 'sales-find', autocomplete: 'off', placeholder: 'e.g. S001-03-00123' });
    const found = h('div', { 'aria-live': 'polite' });
    const finder = h(
      'form',
      { class: 'filters', role: 'search' },
      h('div', {}, h('label', { for: 'sales-find' }, 'Sale number (from a receipt)'), wanted),
      h('button', { type: 'submit' }, 'Find sale'),
    );
    finder.addEventListener('submit', async (e) => {
      e.preventDefault();
      const text = wanted.value.trim();
      if (!text) return;
      try {
        const lookup = await api('GET', `/api/sales/${encodeURIComponent(text)}${storeId ? `?store=${storeId}` : ''}`);
        const skus = lookup.matches.flatMap((m) => [
          ...(m.sale?.lines ?? []).map((l) => l.sku),
          ...m.returns.flatMap((r) => r.lines.map((l) => l.sku)),
        ]);
        const names = await productNames(api, skus);
        found.replaceChildren(...lookup.matches.map((m) => saleCard(m, names)));
      } catch (err) {
        found.replaceChildren(
          h('p', { role: 'alert', class: 'error' }, err.status === 404 ? `No sale ${text} here.` : err.message),
        );
      }
    });
    el.append(form, finder, found, errors, summary, area);

    const refresh = async () => {
      const q = new URLSearchParams({
        limit: '2000',
        ...(storeId ? { store: storeId } : {}),
        ...(params.get('from') ? { from: params.get('from') } : {}),
        ...(params.get('to') ? { to: params.get('to') } : {}),
      });
      const page = await api('GET', `/api/sales/daily?${q}`);
      from.value = page.from;
      to.value = page.to;
      const shown = storeId ? stores.find((s) => s.storeId === storeId) : undefined;
      const zone = page.items[0]?.timezone;
      summary.replaceChildren(
        h(
          'h2',
          {},
          `${shown ? `${shown.code} — ${shown.name}` : 'Every store'}, ${dayLabel(page.from)} to ${dayLabel(page.to)}`,
        ),
        ...periodTotals(page.items).map((t) =>
          h(
            'p',
            {},
            `${plural(t.sales, 'sale')}, gross ${money(t.gross, t.currency)} (tax ${money(t.tax, t.currency)}), ${plural(t.returns, 'return')} refunding ${money(t.refunds, t.currency)}, ${plural(t.voids, 'void')}: net ${money(t.net, t.currency)}`,
          ),
        ),
        h(
          'p',
          { class: 'muted' },
          shown && zone
            ? `Days are the store’s own calendar days (${zone}).`
            : 'Days are each store’s own calendar days, in its time zone.',
        ),
        page.next
          ? h(
              'p',
              { class: 'muted' },
              'Only the newest 2,000 rows are shown: pick one store or fewer days to see the rest.',
            )
          : '',
      );
      area.replaceChildren(
        table(
          'Sales per store and day, newest day first',
          ['Day', 'Store', 'Sales', 'Gross', 'Tax', 'Returns', 'Voids', 'Net'],
          page.items,
          (d) => [
            dayLabel(d.day),
            `${d.storeCode} — ${d.storeName}`,
            d.salesCount.toLocaleString(),
            money(d.grossMinor, d.currency),
            money(d.taxMinor, d.currency),
            d.returnsCount ? `${d.returnsCount.toLocaleString()} (${money(d.returnsMinor, d.currency)})` : '0',
            d.voidsCount.toLocaleString(),
            money(d.netMinor, d.currency),
          ],
          (d) => navigate('sales', { store: d.storeId, from: page.from, to: page.to }),
        ),
      );
    };
    const show = () =>
      refresh().then(
        () => showError(errors),
        (err) => showError(errors, err),
      );
    await show();
    // A store's events reaching the hub move its acknowledged seq: re-read, at most every few seconds.
    const acked = new Map();
    let timer;
    const off = live.on((m) => {
      if (m.type !== 'fleet') return;
      let changed = false;
      for (const s of m.items) {
        if (storeId && s.storeId !== storeId) continue;
        if (acked.has(s.storeId) && acked.get(s.storeId) !== s.ackedSeq) changed = true;
        acked.set(s.storeId, s.ackedSeq);
      }
      if (changed && !timer)
        timer = setTimeout(() => {
          timer = undefined;
          void show();
        }, 3000);
    });
    return () => {
      off();
      clearTimeout(timer);
    };
  },
};
