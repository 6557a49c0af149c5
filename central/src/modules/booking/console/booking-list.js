// The shows list (`#/booking`): upcoming shows and service slots, each with its time on the venue's clock, what is
// left and its status; a form for a new show, and for head office one for a new venue with a seat count as it is
// typed. Head office sees every store or picks one (or its own venues); a store's manager sees their store's only.
import { h, showError, storeLabel, table } from '/console/lib.js';
import { storesFor, venuePlace, venuesFor, venueZone } from './booking-places.js';
import { newShowForm } from './booking-show-form.js';
import { newVenueForm } from './booking-venue-form.js';
import { leftText, showBadge, showSpan } from './booking-words.js';

const LIMIT = 100;
/** The filter value (and the shows list's `storeId`) for head office's own venues: the hub filters, so a page is full. */
const HEAD_OFFICE = 'head-office';

export async function renderList({ el, api, me, params, navigate }) {
  const manager = me?.role === 'STORE_MANAGER';
  const [stores, venues] = await Promise.all([storesFor(api, me), venuesFor(api, me)]);
  const storeId = manager ? me.storeId : (params.get('store') ?? '');
  const after = params.get('after') ?? '';

  const storeControl = manager
    ? h(
        'div',
        {},
        h('span', { class: 'label' }, 'Store'),
        h('span', { class: 'fixed-store' }, storeLabel(me.store ?? stores.get(me.storeId), me.storeId)),
      )
    : h(
        'div',
        {},
        h('label', { for: 'bk-store' }, 'Where'),
        h(
          'select',
          { id: 'bk-store' },
          h('option', { value: '', selected: !storeId }, 'Every store and head office'),
          h('option', { value: HEAD_OFFICE, selected: storeId === HEAD_OFFICE }, 'Head office venues'),
          [...stores.values()].map((s) => h('option', { value: s.id, selected: s.id === storeId }, storeLabel(s))),
        ),
      );
  const filter = h(
    'form',
    { class: 'filters' },
    storeControl,
    manager ? '' : h('button', { type: 'submit' }, 'Show shows'),
  );
  filter.addEventListener('submit', (e) => {
    e.preventDefault();
    const store = el.querySelector('#bk-store')?.value ?? '';
    navigate('booking', store ? { store } : undefined);
  });

  const errors = h('div');
  const message = h('div', { 'aria-live': 'polite' });
  const listArea = h('div', { class: 'card' });
  const showArea = h('div', { class: 'card' });
  const venueArea = h('div', { class: 'card' });
  el.append(
    h('search', { 'aria-label': 'Which shows' }, filter),
    errors,
    message,
    listArea,
    showArea,
    manager ? '' : venueArea,
  );

  const refresh = async () => {
    try {
      const q = new URLSearchParams({ limit: String(LIMIT), from: String(Date.now()) });
      if (storeId) q.set('storeId', storeId);
      if (after) q.set('after', after);
      const { items: shows, next } = await api('GET', `/api/booking/shows?${q}`);
      const now = Date.now();
      listArea.replaceChildren(
        table(
          storeId === HEAD_OFFICE
            ? 'Upcoming shows at head office venues'
            : storeId
              ? `Upcoming shows at ${storeLabel(stores.get(storeId), storeId)}`
              : 'Upcoming shows',
          ['Show', 'When (the venue’s clock)', 'Venue', 'Left', 'Status'],
          shows,
          (s) => {
            const v = venues.get(s.venueId);
            return [
              [
                h('a', { href: `#/booking?show=${encodeURIComponent(s.id)}`, 'data-id': s.id }, s.title),
                h('br'),
                h('span', { class: 'muted' }, s.kind === 'CAPACITY' ? 'places' : 'seated'),
              ],
              h('span', { class: 'num' }, showSpan(s, venueZone(venues, stores, s))),
              [v?.name ?? 'a venue', h('br'), h('span', { class: 'muted' }, venuePlace(stores, s.storeId))],
              h('span', { class: 'num left' }, leftText(s)),
              showBadge(s, now),
            ];
          },
        ),
        next
          ? h(
              'p',
              { class: 'actions' },
              h(
                'a',
                {
                  class: 'button-link',
                  href: `#/booking?${new URLSearchParams({ ...(storeId && !manager ? { store: storeId } : {}), after: next })}`,
                },
                `The next ${LIMIT} shows`,
              ),
            )
          : '',
        after
          ? h(
              'p',
              {},
              h(
                'a',
                { class: 'button-link', href: `#/booking${storeId && !manager ? `?store=${storeId}` : ''}` },
                'From the first',
              ),
            )
          : '',
      );
      showError(errors);
    } catch (err) {
      showError(errors, err);
    }
  };

  const showForm = () => showArea.replaceChildren(newShowForm({ api, venues, stores, message, refresh }));
  showForm();
  if (!manager)
    venueArea.replaceChildren(
      newVenueForm({
        api,
        stores,
        message,
        // the new venue is offered in the new show's form at once
        onAdded: (v) => {
          venues.set(v.id, v);
          showForm();
        },
      }),
    );
  await refresh();
}
