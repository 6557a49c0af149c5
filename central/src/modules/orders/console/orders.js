// Orders with their saga timeline (each step with how long it took, compensations, customer actions), found by order
// number, cancelled or refunded after a confirmation that says what will happen; live. Head office sees every order, a
// store manager the orders of their store (placed or fulfilled there). A DELIVERY order shows where it goes (the area),
// its speed, the promised window and how its delivery stands, as its timeline tells it, with a link to the delivery.
import { confirmDialog, duration, h, idTail, money, product, say, showError, table, time } from '/console/lib.js';

const STATUSES = ['', 'PENDING', 'CONFIRMED', 'PICKED_UP', 'COMPENSATING', 'FAILED', 'CANCELLED'];
/** What each timeline entry means, for people; a kind not listed is shown as the hub wrote it. */
const STEP_WORDS = {
  PLACED: 'placed',
  RESERVE: 'reserve stock',
  AUTHORISE: 'authorise payment',
  FULFIL: 'arrange fulfilment',
  CONFIRM: 'confirm',
  CONFIRMED: 'confirmed',
  CANCEL_FULFILMENT: 'cancel fulfilment',
  VOID_PAYMENT: 'void payment',
  RELEASE_HOLD: 'release hold',
  PAYMENT_CAPTURED: 'capture payment',
  PICKED_UP: 'picked up',
  CHECKED_IN: 'customer checked in',
  CANCEL_REQUESTED: 'cancel requested',
  REFUND_REQUESTED: 'refund requested',
  REFUNDED: 'payment refunded',
  HOLD_MOVED: 'hold moved to another store',
  HANDED_TO_DRIVER: 'handed to the driver',
  DELIVERY_ASSIGNED: 'driver assigned',
  DELIVERY_UNASSIGNED: 'no driver took it',
  DELIVERED: 'delivered',
  DELIVERY_FAILED: 'delivery failed at the door',
  DELIVERY_RETURNED: 'goods back at the store',
  DELIVERY_NOT_CANCELLED: 'delivery could not be cancelled',
};
/** How a delivery stands after each timeline entry that changes it (the newest such entry wins). */
const DELIVERY_STANDING = {
  DELIVERY_ASSIGNED: 'a driver is assigned',
  HANDED_TO_DRIVER: 'out for delivery',
  DELIVERED: 'delivered',
  DELIVERY_FAILED: 'failed at the door; the goods go back to the store',
  DELIVERY_RETURNED: 'the goods are back at the store',
  DELIVERY_UNASSIGNED: 'no driver took it',
  CANCEL_FULFILMENT: 'cancelled',
};
const SPEED_WORDS = { TWO_HOUR: 'within 2 hours', SAME_DAY: 'same day', NEXT_DAY: 'next day', WINDOW: 'chosen window' };
const stepWords = (kind) =>
  STEP_WORDS[kind] ?? (kind.endsWith('_FAILED') ? `${stepWords(kind.slice(0, -7))} failed` : kind);

/**
 * How long a timeline entry took, as shown beside it: a saga step's own measure (`detail.tookMs`, "120 ms"), else how
 * long after the entry before it this one came ("2.1 s later"); nothing for the first, or when no time passed.
 */
export function entryDuration(entry, previous) {
  const took = entry.detail?.tookMs;
  if (typeof took === 'number') return duration(took);
  if (!previous || entry.at <= previous.at) return '';
  return `${duration(entry.at - previous.at)} later`;
}

/**
 * The number people read out (`SF-10482`); the id's tail for an order from before numbers (a UUIDv7's start is the
 * time it was made, shared by orders placed the same minute).
 */
export const orderNo = (o) => o.orderNumber ?? idTail(o.id);

const badge = (s) =>
  h(
    'span',
    {
      class: `badge ${s === 'CONFIRMED' || s === 'PICKED_UP' ? 'ok' : s === 'FAILED' || s === 'CANCELLED' ? 'bad' : 'warn'}`,
    },
    s,
  );

/** `Tue, 3 Mar, 14:00–16:00` in the viewer's zone (the day written once when both ends fall on it). */
export function windowText(w) {
  if (!w) return '—';
  const day = (ms) => new Date(ms).toLocaleDateString(undefined, { weekday: 'short', day: 'numeric', month: 'short' });
  const hm = (ms) =>
    new Date(ms).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  return day(w.from) === day(w.to)
    ? `${day(w.from)}, ${hm(w.from)}–${hm(w.to)}`
    : `${day(w.from)}, ${hm(w.from)} – ${day(w.to)}, ${hm(w.to)}`;
}

/** How the order's delivery stands, from its timeline; before any such entry, from whether the desk has it. */
export function deliveryStanding(o) {
  const last = [...o.timeline].reverse().find((e) => DELIVERY_STANDING[e.kind]);
  if (last) return DELIVERY_STANDING[last.kind];
  return o.fulfilmentRef?.startsWith('delivery:') ? 'looking for a driver' : 'not handed to the delivery desk';
}

/** A DELIVERY order's facts: the area it goes to, speed, promised window, how it stands, and the delivery's page. */
const deliveryFacts = (o) => {
  const d = o.fulfilment.delivery;
  if (o.fulfilment.type !== 'DELIVERY' || !d) return '';
  const id = o.fulfilmentRef?.startsWith('delivery:') ? o.fulfilmentRef.slice('delivery:'.length) : null;
  const fact = (term, value) => [h('dt', {}, term), h('dd', {}, value)];
  return h(
    'section',
    { 'aria-label': 'Delivery' },
    h('h3', {}, 'Delivery'),
    h(
      'dl',
      { class: 'facts' },
      fact('To', `${d.address.postcode} ${d.address.city}`),
      fact('Speed', SPEED_WORDS[d.speed] ?? d.speed),
      fact('Window', windowText(o.fulfilment.promisedWindow ?? d.window)),
      fact('Status', deliveryStanding(o)),
    ),
    id
      ? h(
          'p',
          {},
          // a 44 px target: a store manager opens it on a tablet too
          h(
            'a',
            {
              href: `#/delivery?id=${encodeURIComponent(id)}`,
              style: 'display: inline-block; min-height: 44px; line-height: 44px',
            },
            'Open the delivery',
          ),
        )
      : '',
  );
};

/** What a timeline entry says beside its name: a failure's reason, who brings a delivery and when. */
const entryNote = (e) => {
  if (!e.detail) return '';
  if (typeof e.detail.says === 'string') return ` (${e.detail.says})`;
  if (typeof e.detail.reason === 'string' && (e.kind.endsWith('FAILED') || e.kind.startsWith('DELIVERY_')))
    return ` (${e.detail.reason})`;
  return '';
};

/** An order line: the quantity, then the product's name linked to its page, its sku beside it. */
const lineItem = (l) => h('li', {}, `${l.qty} × `, product(l.name ?? l.productName, l.sku));
/** The same line as text, for a confirmation dialog (a link there would move the page beneath the open dialog). */
const lineText = (l) => {
  const name = l.name ?? l.productName;
  return `${l.qty} × ${name ? `${name} (${l.sku})` : l.sku}`;
};

export default {
  async render({ el, api, live, me, params, navigate }) {
    const manager = me?.role === 'STORE_MANAGER';
    const status = params.get('status') ?? '';
    const orderId = params.get('order');
    const number = params.get('number') ?? '';
    const statusSelect = h(
      'select',
      { id: 'ord-status' },
      STATUSES.map((s) => h('option', { value: s, selected: s === status }, s || 'any')),
    );
    const numberInput = h('input', {
      id: 'ord-number',
      value: number,
      placeholder: 'e.g. SF-10482',
      autocomplete: 'off',
      spellcheck: 'false',
    });
    const form = h(
      'form',
      { class: 'filters', role: 'search', 'aria-label': 'Find orders' },
      h('div', {}, h('label', { for: 'ord-number' }, 'Order number'), numberInput),
      h('div', {}, h('label', { for: 'ord-status' }, 'Status'), statusSelect),
      h('button', { type: 'submit' }, 'Show orders'),
    );
    form.addEventListener('submit', (e) => {
      e.preventDefault();
      const q = {};
      if (numberInput.value.trim()) q.number = numberInput.value.trim();
      if (statusSelect.value) q.status = statusSelect.value;
      navigate('orders', Object.keys(q).length ? q : undefined);
    });
    const errors = h('div');
    const message = h('div', { 'aria-live': 'polite' });
    const listArea = h('div', { class: 'card' });
    const detailArea = h('div', { class: 'card', 'aria-live': 'polite' });
    el.append(form, errors, message, h('div', { class: 'grid' }, listArea, detailArea));
    const keep = { ...(status ? { status } : {}), ...(number ? { number } : {}) };

    /** The orders to list: the one with the number searched for, else the newest (the manager's store's). */
    const listed = async () => {
      if (number) {
        try {
          const o = await api('GET', `/api/orders/by-number/${encodeURIComponent(number)}`);
          return !status || o.status === status ? [o] : [];
        } catch (err) {
          if (err.status === 404) return [];
          throw err;
        }
      }
      const q = `limit=100${status ? `&status=${status}` : ''}`;
      const path = manager ? `/api/stores/${encodeURIComponent(me.storeId)}/orders?${q}` : `/api/orders?${q}`;
      return (await api('GET', path)).items;
    };

    /** Cancel (a confirmed order) or refund (a picked-up, paid one), each asked first with what will happen. */
    const actions = (o, refunded) => {
      const buttons = [];
      const amount = money(o.totalMinor, o.currency);
      const items = h(
        'ul',
        {},
        o.lines.map((l) => h('li', {}, lineText(l))),
      );
      /** A danger button that asks first (what happens, the amount, the items) and then calls the order's action. */
      const guarded = (label, { title, text, confirm, what, path, said }) =>
        h(
          'button',
          {
            type: 'button',
            class: 'danger',
            onclick: async () => {
              const yes = await confirmDialog({ title, body: [h('p', {}, text), items], confirm });
              if (yes) await act(o, what, path, said);
            },
          },
          label,
        );
      if (o.status === 'CONFIRMED')
        buttons.push(
          guarded('Cancel order…', {
            title: `Cancel order ${orderNo(o)}?`,
            text: `${o.fulfilment.type === 'DELIVERY' ? 'The delivery is called off (a driver on the way is told), the' : 'The'} hold on these items is released and the customer’s payment of ${amount} is voided. The customer is not charged.`,
            confirm: `Cancel order ${orderNo(o)}`,
            what: 'cancel',
            path: `/api/orders/${o.id}/cancel`,
            said: (r) =>
              r.status === 'CANCELLED'
                ? `Order ${orderNo(o)} is cancelled; ${amount} voided.`
                : `Order ${orderNo(o)} is ${r.status}.`,
          }),
        );
      if (o.status === 'PICKED_UP' && !refunded)
        buttons.push(
          guarded('Refund…', {
            title: `Refund order ${orderNo(o)}?`,
            text: `The customer gets ${amount} back on the card they paid with. The goods were handed over and are not put back in stock: if they come back, receive them on the store’s handheld (Receive).`,
            confirm: `Refund ${amount}`,
            what: 'refund',
            path: `/api/orders/${o.id}/refund`,
            said: () => `Order ${orderNo(o)}: ${amount} refunded.`,
          }),
        );
      return buttons.length ? h('div', { class: 'actions' }, buttons) : '';
    };

    const act = async (o, what, path, said) => {
      try {
        const key = `console-${what}-${o.id}-${crypto.randomUUID()}`;
        const r = await api('POST', path, undefined, { 'Idempotency-Key': key });
        say(message, null, said(r));
      } catch (err) {
        showError(message, err);
      }
      await refresh();
    };

    const drawDetail = async (items) => {
      const pick = orderId ?? (number && items.length === 1 ? items[0].id : null);
      if (!pick)
        return void detailArea.replaceChildren(h('p', { class: 'muted' }, 'Pick an order to see its timeline.'));
      const o = await api('GET', `/api/orders/${encodeURIComponent(pick)}`);
      const refunded = o.timeline.some((e) => e.kind === 'REFUNDED');
      detailArea.replaceChildren(
        h(
          'h2',
          {},
          `Order ${orderNo(o)} `,
          badge(o.status),
          refunded ? [' ', h('span', { class: 'badge' }, 'REFUNDED')] : '',
        ),
        h(
          'p',
          {},
          `${o.customerName || 'customer'} — ${money(o.totalMinor, o.currency)}, ${o.fulfilment.type}, placed ${time(o.createdAt)}`,
        ),
        h('ul', { class: 'lines', 'aria-label': 'Items' }, o.lines.map(lineItem)),
        o.failure ? h('p', { class: 'error' }, o.failure) : '',
        deliveryFacts(o),
        actions(o, refunded),
        h(
          'ol',
          { class: 'timeline', 'aria-label': 'Saga timeline' },
          o.timeline.map((e, i) => {
            const took = entryDuration(e, o.timeline[i - 1]);
            return h(
              'li',
              {},
              h('strong', {}, stepWords(e.kind)),
              took ? h('span', { class: 'took' }, ` ${took}`) : '',
              h('span', { class: 'muted' }, ` — ${time(e.at)}`),
              entryNote(e),
            );
          }),
        ),
      );
    };

    const refresh = async () => {
      try {
        const items = await listed();
        listArea.replaceChildren(
          table(
            number
              ? `Orders numbered ${items[0]?.orderNumber ?? number}`
              : manager
                ? 'Orders at your store, newest first'
                : 'Orders, newest first',
            ['Order', 'Placed', 'Customer', 'Fulfilment', 'Total', 'Status'],
            items,
            (o) => [
              h('strong', { class: 'nowrap' }, orderNo(o)),
              time(o.createdAt),
              o.customerName || o.customerId,
              o.fulfilment.type,
              money(o.totalMinor, o.currency),
              badge(o.status),
            ],
            (o) => navigate('orders', { ...keep, order: o.id }),
          ),
        );
        await drawDetail(items);
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
