// The live board (`#/delivery`): the deliveries still moving (or of one status), who carries them and where the
// drivers are, as a map drawn to scale and as lists, re-read every few seconds and whenever a store's feed changes.
// Head office sees every store or picks one; a store's manager sees their own store only.
import { ago, h, showError, storeLabel, table } from '/console/lib.js';
import { deliveryMap } from './delivery-map.js';
import { placeLabel, placesFor, zoneOf } from './delivery-places.js';
import {
  carrierLabel,
  clock,
  etaText,
  isLate,
  OPEN_STATUSES,
  STATUS_WORDS,
  STATUSES,
  windowText,
  zoneWords,
} from './delivery-words.js';

/** How often the board re-reads (positions move without a feed entry, so the live socket alone is not enough). */
const POLL_MS = 5000;
/** A driver not heard from for this long is drawn grey and said to be quiet. */
const STALE_MS = 5 * 60_000;
const LIMIT = 200;

/** The order the board lists statuses in: what needs a look first. */
const BOARD_ORDER = ['REQUESTED', 'ARRIVING', 'OUT_FOR_DELIVERY', 'ASSIGNED', 'RETURNING', ...STATUSES];

export async function renderBoard({ el, api, live, me, params, navigate }) {
  const manager = me?.role === 'STORE_MANAGER';
  const places = await placesFor(api, me);
  const stores = [...places.values()].filter((p) => p.kind === 'STORE').sort((a, b) => (a.code < b.code ? -1 : 1));
  const storeId = manager ? me.storeId : (params.get('store') ?? '');
  const status = params.get('status') ?? 'open';

  const storeControl = manager
    ? h(
        'div',
        {},
        h('span', { class: 'label' }, 'Store'),
        h('span', { class: 'fixed-store' }, storeLabel(me.store ?? places.get(me.storeId), me.storeId)),
      )
    : h(
        'div',
        {},
        h('label', { for: 'dlv-store' }, 'Store'),
        h(
          'select',
          { id: 'dlv-store' },
          h('option', { value: '', selected: !storeId }, 'All stores'),
          stores.map((s) => h('option', { value: s.id, selected: s.id === storeId }, storeLabel(s))),
        ),
      );
  const statusSelect = h(
    'select',
    { id: 'dlv-status' },
    h('option', { value: 'open', selected: status === 'open' }, 'still moving'),
    STATUSES.map((s) => h('option', { value: s, selected: s === status }, STATUS_WORDS[s])),
    h('option', { value: 'all', selected: status === 'all' }, 'any status'),
  );
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Show deliveries' },
    storeControl,
    h('div', {}, h('label', { for: 'dlv-status' }, 'Status'), statusSelect),
    h('button', { type: 'submit' }, 'Show deliveries'),
  );
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    const store = manager ? '' : el.querySelector('#dlv-store').value;
    navigate('delivery', {
      ...(store ? { store } : {}),
      ...(statusSelect.value !== 'open' ? { status: statusSelect.value } : {}),
    });
  });

  const errors = h('div');
  const tiles = h('section', { class: 'stats', 'aria-label': 'Deliveries by status' });
  const mapArea = h('div', { class: 'card' });
  const driversArea = h('div', { class: 'card' });
  const listArea = h('div', { class: 'card' });
  const zones = new Set(storeId ? [zoneOf(places, storeId)] : stores.map((s) => s.timezone));
  const note = h(
    'p',
    { class: 'muted' },
    zones.size === 1
      ? `Times are on the store’s clock (${zoneWords([...zones][0])}).`
      : 'Times are on each delivery’s store clock.',
  );
  el.append(form, errors, tiles, note, h('div', { class: 'board' }, h('div', {}, mapArea, driversArea), listArea));

  const statuses = status === 'open' ? OPEN_STATUSES : status === 'all' ? null : [status];
  const read = async () => {
    const q = new URLSearchParams({ limit: String(LIMIT) });
    if (storeId) q.set('storeId', storeId);
    if (statuses) q.set('status', statuses.join(','));
    const [page, positions] = await Promise.all([
      api('GET', `/api/delivery/deliveries?${q}`),
      api('GET', `/api/delivery/positions${storeId ? `?storeId=${encodeURIComponent(storeId)}` : ''}`),
    ]);
    return { items: page.items, more: !!page.next, positions: positions.items };
  };

  const draw = ({ items, more, positions }) => {
    const now = Date.now();
    const open = (d) => navigate('delivery', { id: d.id });
    drawTiles(tiles, items);
    // the drivers: each carrier heard from, with what it carries from here
    const carrying = new Map();
    for (const d of items) {
      if (!d.carrierId || !OPEN_STATUSES.includes(d.status)) continue;
      const list = carrying.get(d.carrierId) ?? [];
      list.push(d);
      carrying.set(d.carrierId, list);
    }
    const byCarrier = new Map(positions.map((p) => [p.carrierId, p]));
    for (const [carrierId, list] of carrying) {
      list.sort((a, b) => (a.eta ?? a.window.to) - (b.eta ?? b.window.to));
      if (!byCarrier.has(carrierId)) byCarrier.set(carrierId, { carrierId, ...list[0].carrier, unheard: true });
    }
    const drivers = [...byCarrier.values()].sort((a, b) => (a.code < b.code ? -1 : 1));
    const mapStores = new Set(items.map((d) => d.storeId));
    if (storeId) mapStores.add(storeId);
    const doors = items.filter((d) => Number.isFinite(d.request?.address?.lat));
    mapArea.replaceChildren(
      h('h2', {}, 'Map'),
      deliveryMap(
        {
          stores: [...mapStores].flatMap((id) => {
            const p = places.get(id);
            return p ? [{ lat: p.lat, lon: p.lon, label: p.code, title: storeLabel(p) }] : [];
          }),
          doors: doors.map((d) => ({
            lat: d.request.address.lat,
            lon: d.request.address.lon,
            tone: d.status === 'DELIVERED' ? 'done' : isLate(d) ? 'late' : '',
            title: `${d.orderNumber}: ${STATUS_WORDS[d.status]}, window ${windowText(d.window, zoneOf(places, d.storeId), now)}`,
          })),
          drivers: drivers
            .filter((v) => !v.unheard)
            .map((v) => ({
              lat: v.lat,
              lon: v.lon,
              label: v.code,
              stale: now - v.receivedAt > STALE_MS,
              title: `${carrierLabel(v)}, heard ${ago(v.receivedAt, now)}`,
            })),
          routes: drivers.flatMap((v) => {
            const stops = (carrying.get(v.carrierId) ?? []).filter((d) => Number.isFinite(d.request?.address?.lat));
            const out = [];
            if (v.trail?.length > 1) out.push({ trail: true, points: v.trail, title: `${v.code}: where it has been` });
            if (!v.unheard && stops.length)
              out.push({
                points: [v, ...stops.map((d) => d.request.address)],
                title: `${v.code}: ${stops.map((d) => d.orderNumber).join(', ')}`,
              });
            return out;
          }),
        },
        mapSummary(items, drivers, doors.length),
      ),
      doors.length < items.length
        ? h('p', { class: 'muted' }, 'Doors are drawn for head office only: a store sees the area, not the address.')
        : '',
    );
    driversArea.replaceChildren(
      table('Routes and drivers', ['Carrier', 'Last heard', 'Stops, next first'], drivers, (v) => [
        h('strong', {}, carrierLabel(v)),
        v.unheard ? 'not yet' : `${ago(v.receivedAt, now)}${now - v.receivedAt > STALE_MS ? ' (quiet)' : ''}`,
        (carrying.get(v.carrierId) ?? []).length
          ? h(
              'ol',
              { class: 'stops', 'aria-label': `Stops of ${v.code}` },
              carrying
                .get(v.carrierId)
                .map((d) =>
                  h(
                    'li',
                    {},
                    h('a', { href: `#/delivery?id=${encodeURIComponent(d.id)}` }, d.orderNumber),
                    ' ',
                    h(
                      'span',
                      { class: 'stop-what' },
                      `${STATUS_WORDS[d.status]}, ETA ${etaText(d.eta, d.window, zoneOf(places, d.storeId), now)}`,
                    ),
                  ),
                ),
            )
          : h('span', { class: 'muted' }, 'nothing from here'),
      ]),
    );
    listArea.replaceChildren(
      h('h2', {}, status === 'open' ? 'Deliveries still moving' : 'Deliveries'),
      more ? h('p', { class: 'muted' }, `The first ${LIMIT} are shown; pick a store or a status to see fewer.`) : '',
      ...(items.length
        ? BOARD_ORDER.filter((s, i, all) => all.indexOf(s) === i)
            .map((s) => [s, items.filter((d) => d.status === s)])
            .filter(([, list]) => list.length)
            .map(([s, list]) =>
              table(
                `${STATUS_WORDS[s][0].toUpperCase()}${STATUS_WORDS[s].slice(1)} (${list.length})`,
                ['Order', 'Window', 'ETA', 'Carrier', ...(storeId ? [] : ['Store']), 'Area'],
                list.sort((a, b) => a.window.to - b.window.to),
                (d) => {
                  const tz = zoneOf(places, d.storeId);
                  return [
                    h('strong', { class: 'nowrap', 'data-id': d.id }, d.orderNumber),
                    h('span', { class: 'num' }, windowText(d.window, tz, now)),
                    h('span', { class: `num${isLate(d) ? ' neg' : ''}` }, etaText(d.eta, d.window, tz, now)),
                    d.carrier ? carrierLabel(d.carrier) : h('span', { class: 'muted' }, 'none yet'),
                    ...(storeId ? [] : [placeLabel(places, d.storeId)]),
                    `${d.request.address.postcode} ${d.request.address.city}`,
                  ];
                },
                open,
              ),
            )
        : [
            h(
              'p',
              { class: 'muted' },
              status === 'open' ? 'No deliveries are on their way.' : 'No deliveries to show.',
            ),
          ]),
      h('p', { class: 'muted' }, `Updated ${clock(now, zoneOf(places, storeId || stores[0]?.id), now)}.`),
    );
  };

  /** Re-reads and redraws, keeping a focused row focused (a keyboard user must not be thrown back to the top). */
  let busy = false;
  const refresh = async () => {
    if (busy) return;
    busy = true;
    const focusedId = document.activeElement?.closest?.('tr')?.querySelector('[data-id]')?.dataset.id;
    try {
      draw(await read());
      showError(errors);
      if (focusedId)
        el.querySelector(`[data-id="${CSS.escape(focusedId)}"]`)
          ?.closest('tr')
          ?.focus();
    } catch (err) {
      showError(errors, err);
    } finally {
      busy = false;
    }
  };
  await refresh();
  const timer = setInterval(refresh, POLL_MS);
  // A busy fleet changes some store's feed many times a second: one re-read per burst, half a second after it starts.
  let soon;
  const off = live.on((m) => {
    if (m.type !== 'store-changed' || (storeId && m.storeId !== storeId) || soon) return;
    soon = setTimeout(() => {
      soon = undefined;
      void refresh();
    }, 500);
  });
  return () => {
    clearInterval(timer);
    clearTimeout(soon);
    off();
  };
}

/** The headline counts: how many of each status are listed, and how many will be late. */
function drawTiles(area, items) {
  const count = (s) => items.filter((d) => d.status === s).length;
  const tile = (name, value, tone) =>
    h(
      'div',
      { class: 'stat' },
      h('span', { class: 'stat-name' }, name),
      h('strong', { class: value && tone ? tone : '' }, String(value)),
    );
  area.replaceChildren(
    tile('Finding a carrier', count('REQUESTED')),
    tile('Waiting at the store', count('ASSIGNED')),
    tile('Out for delivery', count('OUT_FOR_DELIVERY') + count('ARRIVING')),
    tile('Late by their ETA', items.filter((d) => OPEN_STATUSES.includes(d.status) && isLate(d)).length, 'neg'),
    tile('Coming back', count('RETURNING')),
  );
}

/** What the map shows, in words (its label for screen readers). */
function mapSummary(items, drivers, doors) {
  const heard = drivers.filter((v) => !v.unheard).length;
  return `Map of ${doors} door${doors === 1 ? '' : 's'} and ${heard} driver${heard === 1 ? '' : 's'} heard from; ${items.length} deliver${items.length === 1 ? 'y' : 'ies'} listed beside it.`;
}
