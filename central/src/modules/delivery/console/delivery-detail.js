// One delivery (`#/delivery?id=…`): what was promised and where it stands, every offer in rank order with each term
// of its score and the carrier's answer, the proof taken at the door, the whole timeline, and a tracking link for the
// customer (minted on request, shown once). Live: re-read every few seconds while open.
import { confirmDialog, h, showError, table } from '/console/lib.js';
import { placeLabel, placesFor, zoneOf } from './delivery-places.js';
import {
  carrierLabel,
  clock,
  etaText,
  isLate,
  KIND_WORDS,
  SPEED_WORDS,
  statusBadge,
  termLine,
  weight,
  windowText,
  zoneWords,
} from './delivery-words.js';

const POLL_MS = 5000;
/** Statuses a tracking link can no longer be made for: nothing is on its way. */
const ENDED = ['DELIVERED', 'RETURNED', 'CANCELLED', 'UNASSIGNED'];

/** An offer's answer in words, with when it came on the store's clock. */
function answerText(o, tz, now) {
  switch (o.status) {
    case 'PENDING':
      return `waiting for an answer until ${clock(o.expiresAt, tz, now)}`;
    case 'ACCEPTED':
      return `accepted at ${clock(o.answeredAt, tz, now)}`;
    case 'DECLINED':
      return `declined at ${clock(o.answeredAt, tz, now)}${o.note ? `: ${o.note}` : ''}`;
    case 'TIMED_OUT':
      return `no answer by ${clock(o.answeredAt ?? o.expiresAt, tz, now)}`;
    case 'WITHDRAWN':
      return `withdrawn at ${clock(o.answeredAt, tz, now)}${o.note ? `: ${o.note}` : ''}`;
    default:
      return o.status;
  }
}

/** A timeline entry as a sentence: the hub's own words where it wrote them, else made from the entry's details. */
export function eventText(e) {
  const d = e.detail ?? {};
  if (typeof d.text === 'string') return d.text;
  const by = d.carrier ? `${d.carrier} ` : '';
  switch (e.kind.toUpperCase().replaceAll('-', '_')) {
    case 'OFFERED':
      return `offered to ${d.carrier ?? 'a carrier'}${d.rank ? ` (rank ${d.rank})` : ''}`;
    case 'COLLECTED':
      return `${by}collected the goods at the store`;
    case 'HANDED_TO_DRIVER':
      return `the store handed the goods to ${d.driverName ?? 'the driver'}`;
    case 'ARRIVING':
      return `${by}is arriving${typeof d.metresFromDoor === 'number' ? `: ${d.metresFromDoor} m from the door` : ''}`;
    case 'DELIVERED':
      return `${by}delivered it${d.proof ? ` (${proofWords(d.proof)}${d.pinChecked ? ', PIN checked' : ''})` : ''}`;
    case 'FAILED':
      return `${by}could not deliver it${d.reason ? `: ${d.reason}` : ''}`;
    case 'RETURNING':
      return `${by}is bringing the goods back to the store`;
    case 'RETURNED':
      return 'the goods are back in the store’s stock';
    case 'TRACKING_LINK':
      return `${d.by ?? 'someone'} made a tracking link for the customer${d.replacesEarlier ? ' (an earlier one stopped working)' : ''}${d.pin ? ', with a new PIN' : ''}`;
    default:
      return e.kind.toLowerCase().replaceAll(/[_-]/g, ' ');
  }
}

const proofWords = (p) => `${p.kind === 'SIGNATURE' ? 'signature' : p.kind === 'PHOTO' ? 'photo' : p.kind} ${p.ref}`;

export async function renderDetail({ el, api, me, params }) {
  const id = params.get('id');
  const places = await placesFor(api, me);
  const back = h('a', { href: '#/delivery', class: 'button-link' }, '← All deliveries');
  const errors = h('div');
  const message = h('div', { 'aria-live': 'polite' });
  const head = h('div', { class: 'card' });
  const linkArea = h('div', { 'aria-live': 'polite' });
  const offersArea = h('div', { class: 'card' });
  const timelineArea = h('div', { class: 'card' });
  el.append(h('p', {}, back), errors, message, head, offersArea, timelineArea);

  let linkButton;
  const mintLink = async (d) => {
    const yes = await confirmDialog({
      title: `Make a tracking link for ${d.orderNumber}?`,
      body: [
        h('p', {}, 'The customer follows the delivery on the map with this link, with no sign-in.'),
        h(
          'p',
          {},
          'A link sent before stops working.',
          d.ageRestricted
            ? ' The goods need an ID check: the link carries a new PIN the driver asks for at the door.'
            : '',
        ),
      ],
      confirm: 'Make the link',
      danger: false,
    });
    if (!yes) return;
    try {
      const r = await api('POST', `/api/delivery/deliveries/${encodeURIComponent(d.id)}/tracking-link`, undefined, {
        'Idempotency-Key': `console-tracking-link-${d.id}-${crypto.randomUUID()}`,
      });
      const url = new URL(r.path ?? r.url, location.origin).href;
      const copied = h('span', { role: 'status' });
      linkArea.replaceChildren(
        h(
          'div',
          { class: 'secret' },
          h('p', {}, h('strong', {}, 'The tracking link, shown this once:')),
          h('code', { id: 'tracking-url' }, url),
          h(
            'div',
            { class: 'actions' },
            h(
              'button',
              {
                type: 'button',
                onclick: async () => {
                  try {
                    await navigator.clipboard.writeText(url);
                    copied.textContent = 'Copied.';
                  } catch {
                    copied.textContent = 'The browser would not copy: select the link and copy it.';
                  }
                },
              },
              'Copy the link',
            ),
            h('a', { href: url, target: '_blank', rel: 'noopener', class: 'button-link' }, 'Open it'),
            copied,
          ),
          h('p', {}, 'Send it to the customer now: the hub keeps no copy, and a new link replaces this one.'),
        ),
      );
      linkArea.querySelector('button')?.focus();
      await refresh();
    } catch (err) {
      showError(message, err);
    }
  };

  const draw = (detail) => {
    const now = Date.now();
    const d = detail.delivery;
    const tz = zoneOf(places, d.storeId);
    const a = d.request.address;
    const address = a.line1
      ? `${a.line1}${a.line2 ? `, ${a.line2}` : ''}, ${a.postcode} ${a.city}`
      : `${a.postcode} ${a.city}`;
    const fact = (term, value) => [h('dt', {}, term), h('dd', {}, value)];
    linkButton = h('button', { type: 'button', onclick: () => mintLink(d) }, 'Make a tracking link…');
    const proof = detail.timeline.find((e) => e.kind.toUpperCase() === 'DELIVERED' && e.detail?.proof);
    document.title = `Delivery ${d.orderNumber} — Storefleet console`;
    head.replaceChildren(
      h('h2', {}, `Delivery ${d.orderNumber} `, statusBadge(d.status)),
      h(
        'dl',
        { class: 'facts' },
        fact('Store', placeLabel(places, d.storeId)),
        fact('Customer', d.customerName),
        fact(a.line1 ? 'Address' : 'Area', address),
        a.instructions ? fact('For the driver', a.instructions) : '',
        fact('Speed', SPEED_WORDS[d.request.speed] ?? d.request.speed),
        fact('Window', h('span', { class: 'num' }, windowText(d.window, tz, now))),
        // an estimate matters while the goods are still to arrive; afterwards the proof's time says when they did
        ENDED.includes(d.status) || d.status === 'FAILED' || d.status === 'RETURNING'
          ? ''
          : fact('ETA', h('span', { class: `num${isLate(d) ? ' neg' : ''}` }, etaText(d.eta, d.window, tz, now))),
        fact(
          'Carrier',
          detail.carrier
            ? `${detail.carrier.code} — ${detail.carrier.name} (${KIND_WORDS[detail.carrier.kind]})`
            : 'none yet',
        ),
        d.driver ? fact('Driver', `${d.driver.name}, ${d.driver.vehicle}`) : '',
        d.collectBy ? fact('Collects by', clock(d.collectBy, tz, now)) : '',
        fact(
          'Goods',
          `${d.lines.reduce((n, l) => n + l.qty, 0)} items, ${weight(d.weightGrams)}${d.ageRestricted ? '; ID and PIN checked at the door' : ''}`,
        ),
        proof
          ? fact(
              'Proof',
              `${proofWords(proof.detail.proof)}${proof.detail.pinChecked ? ', PIN checked' : ''}, ${clock(proof.at, tz, now)}`,
            )
          : '',
        d.failure ? fact('Why', h('span', { class: 'error' }, d.failure)) : '',
      ),
      h('p', { class: 'muted' }, `Times are on the store’s clock (${zoneWords(tz, now)}).`),
      // head office only (customer service): a link shows the exact door and the PIN
      ENDED.includes(d.status) || me?.role !== 'ADMIN' ? '' : h('div', { class: 'actions' }, linkButton),
      linkArea,
    );
    const offers = [...detail.offers].sort((x, y) => x.rank - y.rank);
    offersArea.replaceChildren(
      table('Offers, best score first', ['Rank', 'Carrier', 'Score and why', 'Answer'], offers, (o) => [
        String(o.rank),
        o.carrier ? carrierLabel(o.carrier) : '—',
        h(
          'div',
          {},
          h('span', { class: 'points' }, `${o.score.total.toFixed(1)} points`),
          h(
            'ul',
            { class: 'terms', 'aria-label': `Score of ${o.carrier?.code ?? 'the carrier'}` },
            o.score.terms.map(termLine),
          ),
        ),
        answerText(o, tz, now),
      ]),
    );
    timelineArea.replaceChildren(
      h('h2', {}, 'Timeline'),
      h(
        'ol',
        { class: 'timeline', 'aria-label': 'Delivery timeline' },
        detail.timeline.map((e) => h('li', {}, h('span', { class: 'num' }, clock(e.at, tz, now)), ' — ', eventText(e))),
      ),
    );
  };

  let busy = false;
  const refresh = async () => {
    if (busy || document.querySelector('dialog[open]')) return; // never redraw under an open question
    busy = true;
    const hadFocus = document.activeElement === linkButton;
    try {
      draw(await api('GET', `/api/delivery/deliveries/${encodeURIComponent(id)}`));
      showError(errors);
      if (hadFocus) linkButton?.focus();
    } catch (err) {
      showError(errors, err);
    } finally {
      busy = false;
    }
  };
  await refresh();
  const timer = setInterval(refresh, POLL_MS);
  return () => clearInterval(timer);
}
