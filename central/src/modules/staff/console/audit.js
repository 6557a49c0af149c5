// The audit (issue #27): what people did at the stores' lanes — sign-ins, wrong PINs, and the actions a manager's PIN
// approved (voids, refunds over the limit, price overrides, no-sale drawer opens) — read as sentences, newest first.
// Head office sees every store and a second tab, the admin actions (writes people made through the hub's API); a
// store's manager sees their own store's lanes only.
import { h, idTail, money, showError, storeLabel, storeScope, table, time } from '/console/lib.js';

/** Targets people tap at least 44 px high (the console's buttons are smaller by default). */
const TARGET = 'min-height: 44px';

const ACTIONS = [
  ['', 'Every action'],
  ['SIGN_IN', 'Signed in'],
  ['SIGN_OUT', 'Signed out'],
  ['SIGN_IN_FAILED', 'Wrong PIN'],
  ['LANE_LOCKED', 'Lane locked'],
  ['VOID', 'Void'],
  ['REFUND_OVER_LIMIT', 'Refund over the limit'],
  ['PRICE_OVERRIDE', 'Price override'],
  ['NO_SALE', 'No-sale drawer open'],
];

const who = (p) => (p ? (p.name ?? `someone the hub does not know (${idTail(p.userId)})`) : 'Nobody signed in');

/** One audit row as a sentence: "Jo Bloggs voided sale 0042-3-000123 at lane 3, approved by Sam Manager". */
export function sentence(r) {
  const amount = r.amountMinor === null ? '' : ` of ${money(r.amountMinor)}`;
  const sale = r.saleId ? ` sale ${r.saleId}` : ' a sale';
  const what = {
    SIGN_IN: 'signed in',
    SIGN_OUT: 'signed out',
    SIGN_IN_FAILED: 'typed a wrong PIN',
    LANE_LOCKED: 'locked the lane after wrong PINs',
    VOID: `voided${sale}${amount}`,
    REFUND_OVER_LIMIT: `refunded${amount} on${sale}`,
    PRICE_OVERRIDE: `overrode the price of ${r.sku ?? 'an item'}${r.amountMinor === null ? '' : ` to ${money(r.amountMinor)}`}${r.saleId ? ` on sale ${r.saleId}` : ''}`,
    NO_SALE: 'opened the drawer with no sale',
  }[r.action];
  const actor = r.actor
    ? who(r.actor)
    : r.action === 'SIGN_IN_FAILED' || r.action === 'LANE_LOCKED'
      ? 'Someone'
      : who(null);
  const lane = r.lane === null ? ' in the back office' : ` at lane ${r.lane}`;
  const approved = r.approver ? `, approved by ${who(r.approver)}` : '';
  return `${actor} ${what ?? r.action}${lane}${approved}`;
}

/** A date input's day as epoch ms at the viewer's midnight (`end`: the next midnight), or undefined. */
const dayMs = (value, end = false) => {
  if (!value) return undefined;
  const d = new Date(`${value}T00:00:00`);
  if (end) d.setDate(d.getDate() + 1);
  return Number.isNaN(d.getTime()) ? undefined : String(d.getTime());
};

async function laneAudit(ctx, area, scope) {
  const { api, params, navigate, me } = ctx;
  const stores = scope.fixed ? scope.stores : (await api('GET', '/api/sync/stores')).items;
  const names = new Map(stores.map((s) => [s.storeId, storeLabel(s)]));
  const storeId = scope.fixed ? scope.storeId : (params.get('store') ?? '');
  const storeSelect = scope.fixed
    ? undefined
    : h(
        'select',
        { id: 'audit-store' },
        h('option', { value: '' }, 'Every store'),
        stores.map((s) => h('option', { value: s.storeId, selected: s.storeId === storeId }, storeLabel(s))),
      );
  const action = h(
    'select',
    { id: 'audit-action' },
    ACTIONS.map(([v, label]) => h('option', { value: v, selected: v === (params.get('action') ?? '') }, label)),
  );
  const from = h('input', { id: 'audit-from', type: 'date', value: params.get('from') ?? '' });
  const to = h('input', { id: 'audit-to', type: 'date', value: params.get('to') ?? '' });
  const form = h(
    'form',
    { class: 'filters', role: 'search', 'aria-label': 'Filter the audit' },
    scope.fixed ? scope.control : h('div', {}, h('label', { for: 'audit-store' }, 'Store'), storeSelect),
    h('div', {}, h('label', { for: 'audit-action' }, 'Action'), action),
    h('div', {}, h('label', { for: 'audit-from' }, 'From'), from),
    h('div', {}, h('label', { for: 'audit-to' }, 'To'), to),
    h('button', { type: 'submit', style: TARGET }, 'Show'),
  );
  const filters = () => ({
    ...(storeSelect?.value ? { store: storeSelect.value } : {}),
    ...(action.value ? { action: action.value } : {}),
    ...(from.value ? { from: from.value } : {}),
    ...(to.value ? { to: to.value } : {}),
  });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    navigate('staff-audit', filters());
  });
  const q = new URLSearchParams({ limit: '50' });
  const sid = scope.fixed ? me.storeId : storeId;
  if (sid) q.set('storeId', sid);
  if (params.get('action')) q.set('action', params.get('action'));
  const fromMs = dayMs(params.get('from'));
  const toMs = dayMs(params.get('to'), true);
  if (fromMs) q.set('from', fromMs);
  if (toMs) q.set('to', toMs);
  if (params.get('before')) q.set('before', params.get('before'));
  const page = await api('GET', `/api/staff/audit?${q}`);
  const headers = scope.fixed ? ['When', 'What happened', 'Detail'] : ['When', 'Store', 'What happened', 'Detail'];
  const rows = table('What people did at the lanes, newest first', headers, page.items, (r) => [
    time(r.at),
    ...(scope.fixed ? [] : [names.get(r.storeId) ?? r.storeId]),
    sentence(r),
    r.detail || '—',
  ]);
  const paging = pager(ctx, page, filters());
  area.replaceChildren(form, h('div', { class: 'card' }, rows, paging));
}

/** "Newest" and "Older" under a page of either tab: `base` is the tab's query without its `before`. */
function pager({ params, navigate }, page, base) {
  const button = (label, to) =>
    h(
      'button',
      { type: 'button', style: TARGET, class: 'secondary', onclick: () => navigate('staff-audit', to) },
      label,
    );
  return h(
    'div',
    { class: 'actions' },
    params.get('before') ? button('Newest', base) : '',
    page.next ? button('Older', { ...base, before: page.next }) : '',
  );
}

async function adminActions(ctx, area) {
  const { api, params } = ctx;
  const q = new URLSearchParams({ limit: '50' });
  if (params.get('before')) q.set('before', params.get('before'));
  const page = await api('GET', `/api/staff/admin-actions?${q}`);
  const rows = table(
    'Writes people made through the hub, newest first',
    ['When', 'Who', 'Role', 'Route', 'Path', 'Answer', 'From'],
    page.items,
    (a) => [time(a.at), a.user.name ?? idTail(a.user.userId), a.role, a.route, a.path, String(a.status), a.address],
  );
  const paging = pager(ctx, page, { tab: 'admin' });
  area.replaceChildren(h('div', { class: 'card' }, rows, paging));
}

export default {
  async render(ctx) {
    const { el, me, params, navigate } = ctx;
    const admin = me?.role === 'ADMIN';
    const tab = admin && params.get('tab') === 'admin' ? 'admin' : 'lanes';
    const area = h('div', { 'aria-live': 'polite' });
    const message = h('div');
    if (admin)
      el.append(
        h(
          'nav',
          { class: 'actions', 'aria-label': 'Audit views' },
          h(
            'a',
            { href: '#/staff-audit', 'aria-current': tab === 'lanes' ? 'page' : undefined, class: 'button secondary' },
            'Lanes',
          ),
          h(
            'a',
            {
              href: '#/staff-audit?tab=admin',
              'aria-current': tab === 'admin' ? 'page' : undefined,
              class: 'button secondary',
            },
            'Admin actions',
          ),
        ),
      );
    el.append(message, area);
    try {
      if (tab === 'admin') await adminActions(ctx, area);
      else {
        const scope = admin ? { fixed: false } : await storeScope(ctx, 'audit-store');
        await laneAudit({ ...ctx, navigate }, area, scope);
      }
    } catch (err) {
      showError(message, err);
    }
  },
};
