// Helpers for the store's pages (plain browser ES modules served by the store node; no build step).

import { callJson, h, money, say } from '/shared/dom.js';

export { h, money, say };

/**
 * Calls the store node's API; throws an Error carrying the problem+json detail on failure. A device that is not paired
 * (a handheld on the store's network) is sent to the pairing page.
 */
export async function api(method, path, body) {
  try {
    return await callJson(method, path, body, 'This screen cannot reach the store node. Check the cable or Wi-Fi.');
  } catch (err) {
    if (err.status === 401 && location.pathname !== '/pair.html') location.href = `/pair.html?then=${encodeURIComponent(location.pathname)}`;
    throw err;
  }
}

export const time = (ms) => (ms ? new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : '—');

/**
 * The bar every store page carries: the store's name, an offline banner while the hub is unreachable (the page keeps
 * working on the store node), and a sync badge — events waiting to go up, feed entries still to come down.
 */
export function statusBar(title) {
  const banner = h('div', { id: 'offline', class: 'banner', role: 'status', hidden: true });
  const badge = h('span', { id: 'sync-badge', class: 'badge', 'aria-live': 'polite' }, 'sync …');
  const name = h('span', { class: 'store-name' });
  const bar = h('header', { class: 'top' }, h('strong', {}, title), name, h('nav', { 'aria-label': 'Store pages' }, [['/pos.html', 'POS'], ['/kiosk.html', 'Kiosk'], ['/pickup.html', 'Pickups'], ['/handheld.html', 'Handheld']].map(([href, t]) => h('a', { href, 'aria-current': location.pathname === href ? 'page' : 'false' }, t))), badge);
  document.body.prepend(bar, banner);
  const refresh = async () => {
    try {
      const [health, sync] = await Promise.all([api('GET', '/healthz'), api('GET', '/api/sync/status')]);
      name.textContent = health.name ?? '';
      const online = health.hub.state === 'connected' && sync.phase === 'syncing';
      banner.hidden = online;
      banner.textContent = online ? '' : `Offline: the hub cannot be reached (${health.hub.state === 'connected' ? sync.phase : health.hub.state}). Sales, pickups and counts keep working and will sync when it is back.`;
      const down = Math.max(0, sync.feedHead - sync.feedCursor);
      badge.textContent = `↑ ${sync.pendingUp} waiting · ↓ ${down} to apply`;
      badge.className = `badge ${online ? (sync.pendingUp || down ? 'warn' : 'ok') : 'bad'}`;
      badge.title = sync.lastHubContactAt ? `last contact with the hub ${new Date(sync.lastHubContactAt).toLocaleString()}` : 'no contact with the hub yet';
    } catch (err) {
      banner.hidden = false;
      banner.textContent = err.message;
      badge.textContent = 'sync unknown';
      badge.className = 'badge bad';
    }
  };
  void refresh();
  setInterval(refresh, 2000);
}
