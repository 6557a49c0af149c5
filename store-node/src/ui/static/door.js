// The door (issue #19): an associate with a handheld, or a scanner that types the ticket's code and presses Enter.
// Each code is checked by the store node, offline too (the hub's signature on the ticket, this store's show, not
// cancelled, the door open, not let in before): a big green "Let in" with the show, the seat and the ticket's number,
// or a red "Do not let in" with the node's sentence. Below, how many have been let in for that show.
//
// Keyboard: the code field keeps focus; after each check it is emptied for the next scan.
import { api, h, statusBar } from '/store.js';

statusBar('Door');
const $ = (id) => document.getElementById(id);

/** The show whose count is shown: the last ticket let in. */
let showId = null;
let showTitle = '';
let busy = false;

/** The store's time zone, as the node says with each ticket let in; the screen's own until then. */
let zone;
const when = (ms) => {
  const opts = { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit' };
  try {
    return new Intl.DateTimeFormat(undefined, { timeZone: zone, ...opts }).format(ms);
  } catch {
    return new Intl.DateTimeFormat(undefined, opts).format(ms);
  }
};
/** The node's refusals may be clauses; on the screen they read as sentences. */
const sentence = (s) => `${s.charAt(0).toUpperCase()}${s.slice(1)}${/[.!?]$/.test(s) ? '' : '.'}`;

/**
 * The show a ticket code names (`SFT1.<payload>.<signature>`, the payload base64url JSON with `sh`), read only to know
 * which count to show once the node let the ticket in; the node has checked its signature.
 */
function showOf(code) {
  try {
    const payload = code.trim().split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const sh = JSON.parse(atob(payload)).sh;
    return typeof sh === 'string' ? sh : null;
  } catch {
    return null;
  }
}

function letIn(t) {
  $('result').replaceChildren(
    h(
      'div',
      { class: 'door-ok', role: 'status' },
      h('p', { class: 'door-verdict' }, '✓ Let in'),
      h('p', { class: 'door-title' }, t.title),
      h(
        'p',
        { class: 'door-seat' },
        `${t.seat ? `Seat ${t.seat}` : 'A place'} · ticket ${t.ticketNo} · ${when(t.startsAt)}`,
      ),
    ),
  );
}

function refuse(text) {
  $('result').replaceChildren(
    h(
      'div',
      { class: 'door-bad', role: 'alert' },
      h('p', { class: 'door-verdict' }, '✗ Do not let in'),
      h('p', { class: 'door-why' }, text),
    ),
  );
}

async function count() {
  if (!showId) return;
  try {
    const c = await api('GET', `/api/booking/door/admissions?showId=${encodeURIComponent(showId)}`);
    $('count').textContent = `${c.admitted} of ${c.capacity} let in for ${showTitle}.`;
  } catch (err) {
    $('count').textContent = `The count for ${showTitle} could not be read: ${err.message}`;
  }
}

$('check-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const code = $('code').value.trim();
  if (!code || busy) return;
  busy = true;
  $('code').value = '';
  try {
    const res = await api('POST', '/api/booking/door/check', { code });
    zone = res.timeZone ?? zone;
    letIn(res.ticket);
    const sh = showOf(code);
    if (sh) {
      showId = sh;
      showTitle = res.ticket.title;
    }
    await count();
  } catch (err) {
    refuse(sentence(err.message));
  } finally {
    busy = false;
    $('code').focus();
  }
});

setInterval(count, 10_000); // other doors let people in too
