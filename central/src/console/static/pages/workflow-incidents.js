// Order incidents: what the hub's cross-module flows could not put right by themselves (a hand-over of a hold the hub
// had already ended, a customer notice the sender refused for good), open ones newest first, each resolved once with
// a note saying what was done. Live: re-read when a store's feed changes (the console's live socket), and every 10 s
// for incidents that concern no store (a refused notice).
import { h, idTail, say, showError, table, time } from '/console/lib.js';

const PAGE = 100;
const POLL_MS = 10_000;
const KINDS = {
  PICKUP_AFTER_END: 'Handed over after the hold ended',
  NOTICE_REFUSED: 'Customer notice refused',
};
const kindLabel = (kind) => KINDS[kind] ?? kind;
const UUID = /\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi;
/**
 * A sentence with its order's id as the number people read out (`numbers`: order id → `SF-10482`) and other ids
 * shortened as elsewhere in the console; the whole sentence is the cell's tooltip.
 */
const sentence = (i, numbers) =>
  h(
    'span',
    { title: i.sentence },
    i.sentence.replace(UUID, (id) => numbers.get(id) ?? idTail(id)),
  );
const store = (i) => (i.storeCode ? `${i.storeCode} — ${i.storeName}` : i.storeId ? idTail(i.storeId) : '—');
const where = (i) => `${i.storeCode ?? kindLabel(i.kind)}, ${time(i.raisedAt)}`;

export default {
  async render({ el, api, live, navigate }) {
    /** Order id → its number, read once per order (an order from before numbers keeps its short id). */
    const numbers = new Map();
    const readNumbers = async (items) => {
      const ids = [...new Set(items.map((i) => i.orderId).filter((id) => id && !numbers.has(id)))];
      await Promise.all(
        ids.map((id) =>
          api('GET', `/api/orders/${id}`).then(
            (o) => o.orderNumber && numbers.set(id, o.orderNumber),
            () => undefined,
          ),
        ),
      );
    };
    const orderCell = (i) =>
      i.orderId
        ? h(
            'a',
            {
              href: `#/orders?order=${i.orderId}`,
              title: i.orderId,
              onclick: (e) => {
                e.preventDefault();
                navigate('orders', { order: i.orderId });
              },
            },
            numbers.get(i.orderId) ?? idTail(i.orderId),
          )
        : '—';
    const message = h('div', { 'aria-live': 'polite' });
    const errors = h('div');
    const openArea = h('div', { class: 'card' });
    const resolvedArea = h('div', { class: 'card' });
    /** The incident being resolved (one at a time), or null. */
    let resolving = null;
    /** Each open incident's form, kept across refreshes so a note being typed survives them. */
    const forms = new Map();

    const resolveForm = (i) => {
      const note = h('input', {
        required: true,
        maxlength: 2000,
        placeholder: 'what was done',
        'aria-label': `Note for the incident at ${where(i)}`,
        autocomplete: 'off',
      });
      const button = h('button', { type: 'submit' }, 'Resolve');
      const form = h('form', { class: 'row-form' }, note, button);
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        if (resolving) {
          say(
            message,
            new Error(`The incident at ${where(resolving)} is still being resolved; press Resolve again once it is.`),
          );
          return;
        }
        resolving = i;
        button.textContent = 'Resolving…';
        button.setAttribute('aria-busy', 'true');
        try {
          await api('POST', `/api/workflows/incidents/${i.id}/resolve`, { note: note.value });
          forms.delete(i.id);
          say(message, null, `Incident at ${where(i)} resolved.`);
        } catch (err) {
          showError(message, err);
        } finally {
          resolving = null;
          button.textContent = 'Resolve';
          button.removeAttribute('aria-busy');
          refreshSoon();
        }
      });
      return form;
    };

    const refresh = async () => {
      try {
        const [open, resolved] = await Promise.all([
          api('GET', `/api/workflows/incidents?state=OPEN&limit=${PAGE}`),
          api('GET', '/api/workflows/incidents?state=RESOLVED&limit=20'),
        ]);
        await readNumbers([...open.items, ...resolved.items]);
        const focused = document.activeElement;
        const selection = focused?.tagName === 'INPUT' ? [focused.selectionStart, focused.selectionEnd] : null;
        for (const id of [...forms.keys()]) if (!open.items.some((i) => i.id === id)) forms.delete(id);
        const formOf = (i) => {
          if (!forms.has(i.id)) forms.set(i.id, resolveForm(i));
          return forms.get(i.id);
        };
        openArea.replaceChildren(
          table(
            open.next ? `Open incidents, newest first (the first ${PAGE})` : 'Open incidents, newest first',
            ['Raised', 'Store', 'Kind', 'Order', 'What happened', 'Resolve'],
            open.items,
            (i) => [
              time(i.raisedAt),
              store(i),
              h('span', { class: 'badge bad', title: i.kind }, kindLabel(i.kind)),
              orderCell(i),
              sentence(i, numbers),
              formOf(i),
            ],
          ),
        );
        resolvedArea.replaceChildren(
          table(
            'Recently resolved',
            ['Raised', 'Store', 'Kind', 'What happened', 'Resolved', 'By', 'Note'],
            resolved.items,
            (i) => [
              time(i.raisedAt),
              store(i),
              kindLabel(i.kind),
              sentence(i, numbers),
              time(i.resolution.at),
              i.resolution.by.email ?? idTail(i.resolution.by.userId),
              i.resolution.note,
            ],
          ),
        );
        // a note being typed keeps its focus and caret through the re-read
        if (focused && focused !== document.activeElement && el.contains(focused)) {
          focused.focus();
          if (selection) focused.setSelectionRange(...selection);
        }
        showError(errors);
      } catch (err) {
        showError(errors, err);
      }
    };

    // One re-read at a time; news that comes during one asks for one more.
    let reading = null;
    let again = false;
    const refreshSoon = () => {
      if (reading) {
        again = true;
        return reading;
      }
      reading = refresh().finally(() => {
        reading = null;
        if (again) {
          again = false;
          refreshSoon();
        }
      });
      return reading;
    };

    el.append(message, errors, openArea, resolvedArea);
    await refreshSoon();
    const off = live.on((m) => m.type === 'store-changed' && void refreshSoon());
    const timer = setInterval(refreshSoon, POLL_MS);
    return () => {
      off();
      clearInterval(timer);
    };
  },
};
