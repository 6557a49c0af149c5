// Pairs a handheld with the store node: the code from a trusted screen buys a device token (a cookie).
import { api, say } from '/store.js';

const $ = (id) => document.getElementById(id);

/** The node's pages a paired device may be sent back to; anything else in `?then=` goes to the handheld page. */
const RETURN_PAGES = new Set(['/handheld.html', '/pickup.html', '/pos.html', '/index.html', '/']);

/**
 * Where `?then=` asks to go after pairing, when it is one of this node's own pages (resolved against this origin,
 * so `//evil`, `/\evil`, `https://evil/` and encoded tricks resolve elsewhere and are refused); else the handheld page.
 */
function pageToReturnTo() {
  const then = new URLSearchParams(location.search).get('then');
  if (!then?.startsWith('/')) return '/handheld.html';
  try {
    const url = new URL(then, location.origin);
    if (url.origin === location.origin && RETURN_PAGES.has(url.pathname)) return url.pathname;
  } catch {
    /* not a URL at all */
  }
  return '/handheld.html';
}
$('pair-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  try {
    const { device } = await api('POST', '/api/pairing/pair', {
      code: $('pair-code').value.trim(),
      name: $('pair-name').value.trim(),
    });
    say($('pair-msg'), null, 'Paired. Opening your page…');
    // A kiosk reaches only the kiosk page, whatever page sent it here.
    location.href = device.role === 'kiosk' ? '/kiosk.html' : pageToReturnTo();
  } catch (err) {
    // A retry of a pairing whose answer was lost: the node paired the device the first time and shows a token once.
    const lostAnswer = err.retried && err.status === 409 && err.retryAfter === undefined;
    say(
      $('pair-msg'),
      lostAnswer ? new Error('This device may already be paired: reload the page, or ask for a new code.') : err,
    );
    if (!lostAnswer && err.status !== undefined && err.status < 500) $('pair-code').select(); // type the new code over it
  }
});
