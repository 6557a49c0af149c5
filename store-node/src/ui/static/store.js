// Helpers for the store's pages (plain browser ES modules served by the store node; no build step).

import { callJson, h, money, say } from '/shared/dom.js';

export { h, money, say };

const UNREACHABLE = 'This screen cannot reach the store node. Check the cable or Wi-Fi.';

/** Random, and available on a handheld's plain-http page too (crypto.randomUUID needs a secure context). */
const newKey = () =>
  Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * The Idempotency-Key of each write that got no answer (the node could not be reached, failed, or was still working
 * on it), by what it asked: doing the same write again reuses the key, so the node answers with the first result
 * instead of doing it twice (a tender retried after a timeout is one sale). A write that got its answer forgets its
 * key; two identical writes in flight (the same item scanned twice) have keys of their own.
 */
const unanswered = new Map();
const noAnswer = (err) =>
  err.status === undefined || err.status >= 500 || (err.status === 409 && err.retryAfter !== undefined);

/**
 * Calls the store node's API; throws an Error carrying the problem+json detail on failure. Every write carries an
 * Idempotency-Key (see above), unless `{ keyed: false }`: a write that is harmless to repeat and whose answer is a
 * one-time secret (minting a pairing code), where a retry must get a fresh answer, not "shown once". An error on a
 * retried write says so (`err.retried`). A device that is not paired (a handheld on the store's network) is sent to the
 * pairing page.
 */
export async function api(method, path, body, { keyed = true } = {}) {
  const write = method !== 'GET' && method !== 'HEAD' && keyed;
  const what = `${method} ${path} ${JSON.stringify(body ?? null)}`;
  const retried = write && unanswered.has(what);
  const key = write ? (unanswered.get(what) ?? newKey()) : undefined;
  if (write) unanswered.delete(what);
  try {
    return await callJson(method, path, body, UNREACHABLE, key ? { 'Idempotency-Key': key } : {});
  } catch (err) {
    err.retried = retried;
    if (write && noAnswer(err)) unanswered.set(what, key);
    // a lane asking for a person's PIN (issue #27) is not an unpaired device: the PIN pad comes back, no pairing page
    if (err.status === 401 && err.problem?.staffSignIn) window.storefleetStaff?.refresh?.();
    else if (err.status === 401 && location.pathname !== '/pair.html')
      location.href = `/pair.html?then=${encodeURIComponent(location.pathname)}`;
    throw err;
  }
}

/**
 * A product's placeholder where the catalog has no picture: its category's colour (one of eight, `ph-0`…`ph-7` in
 * store.css, each a pale tint with a deep ink of the same hue, at least 7:1) and the category's initials. The same
 * category looks the same on every page (kiosk, pickup desk, handheld, POS); the demo's aisles have colours of their
 * own, any other category one from its name. `size`: '' (a product card), 'big' (a product's page), 'small' (a list).
 */
export function placeholder(category, size = '') {
  const name = String(category ?? '').trim();
  let n = AISLE_COLOUR[name] ?? 7;
  if (!(name in AISLE_COLOUR)) for (const c of name) n = (n * 31 + c.codePointAt(0)) >>> 0;
  const initials = name
    .split(/[^\p{L}\p{N}]+/u)
    .filter(Boolean)
    .slice(0, 2)
    .map((w) => w[0].toUpperCase())
    .join('');
  return h('span', { class: `ph ph-${n % 8}${size ? ` ${size}` : ''}`, 'aria-hidden': 'true' }, initials || '?');
}

const AISLE_COLOUR = {
  Beverages: 0,
  Snacks: 2,
  Dairy: 5,
  Frozen: 0,
  Bakery: 6,
  Pantry: 6,
  Produce: 1,
  'Meat & Deli': 4,
  'Health & Beauty': 3,
  Household: 7,
  Baby: 3,
  Pet: 2,
  Books: 4,
  Stationery: 5,
  Kitchen: 1,
  Grocery: 6,
  'General Merchandise': 7,
};

/**
 * A record's short label when it has no number of its own: the last 6 characters of its id. A UUIDv7 starts with its
 * timestamp, so two ids made the same minute share their head; their tails differ.
 */
export const idTail = (id) => `…${String(id).slice(-6)}`;

export const time = (ms) => (ms ? new Date(ms).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : '—');

/** The staff pages. The kiosk is not among them: opening it makes the browser a kiosk screen (staff pages closed). */
const STAFF_PAGES = [
  ['/pos.html', 'POS'],
  ['/pickup.html', 'Pickups'],
  ['/delivery.html', 'Deliveries'],
  ['/handheld.html', 'Handheld'],
  ['/door.html', 'Door'],
  ['/scan-go-door.html', 'Scan & Go exit'],
  ['/documents.html', 'Documents'],
];

/**
 * The bar every store page carries: the store's name, an offline banner while the hub is unreachable (the page keeps
 * working on the store node), and, on staff pages, links to the others and a sync badge — events waiting to go up,
 * feed entries still to come down. A kiosk (`{ kiosk: true }`) gets neither: it links nowhere and reads only /healthz.
 */
export function statusBar(title, { kiosk = false } = {}) {
  const banner = h('div', { id: 'offline', class: 'banner', role: 'status', hidden: true });
  const badge = kiosk ? null : h('span', { id: 'sync-badge', class: 'badge', 'aria-live': 'polite' }, 'sync …');
  const name = h('span', { class: 'store-name' });
  const nav = kiosk
    ? null
    : h(
        'nav',
        { 'aria-label': 'Store pages' },
        STAFF_PAGES.map(([href, t]) =>
          h('a', { href, 'aria-current': location.pathname === href ? 'page' : 'false' }, t),
        ),
      );
  const bar = h('header', { class: 'top' }, h('strong', {}, title), name, nav, badge);
  document.body.prepend(bar, banner);
  const refresh = kiosk ? refreshKiosk : refreshStaff;
  const show = () =>
    refresh({ banner, badge, name, nav }).catch((err) => {
      banner.hidden = false;
      banner.textContent = err.message;
      if (badge) {
        badge.textContent = 'sync unknown';
        badge.className = 'badge bad';
      }
    });
  void show();
  setInterval(show, 2000);
}

async function refreshStaff({ banner, badge, name, nav }) {
  const [health, sync] = await Promise.all([api('GET', '/healthz'), api('GET', '/api/sync/status')]);
  name.textContent = health.name ?? '';
  keepOwnPage(nav, health.screen);
  const online = health.online && sync.phase === 'syncing';
  banner.hidden = online;
  banner.textContent = online
    ? ''
    : `Offline: the hub cannot be reached (${health.hub.state === 'connected' ? sync.phase : health.hub.state}). Sales, pickups, deliveries and counts keep working and will sync when it is back.`;
  const down = Math.max(0, sync.feedHead - sync.feedCursor);
  badge.textContent = `↑ ${sync.pendingUp} waiting · ↓ ${down} to apply`;
  badge.className = `badge ${online ? (sync.pendingUp || down ? 'warn' : 'ok') : 'bad'}`;
  badge.title = sync.lastHubContactAt
    ? `last contact with the hub ${new Date(sync.lastHubContactAt).toLocaleString()}`
    : 'no contact with the hub yet';
}

/** The pages a screen set to one job opens: the pickup desk's counter is also where delivery bags leave from. */
const SCREEN_PAGES = { pos: ['/pos.html'], pickup: ['/pickup.html', '/delivery.html'] };

/**
 * A screen set to one job (a POS lane, the pickup desk: `screen` from /healthz) links only to its own pages: the
 * others would be refused on it.
 */
function keepOwnPage(nav, screen) {
  const own = Object.hasOwn(SCREEN_PAGES, screen ?? '') ? SCREEN_PAGES[screen] : undefined;
  if (!nav || !own) return;
  for (const a of nav.querySelectorAll('a')) if (!own.includes(a.getAttribute('href'))) a.remove();
}

async function refreshKiosk({ banner, name }) {
  const health = await api('GET', '/healthz');
  name.textContent = health.name ?? '';
  const online = health.online; // a kiosk gets only {status, name, online}
  banner.hidden = online;
  banner.textContent = online
    ? ''
    : 'Offline: prices and stock in this store are shown as usual; stock at other stores cannot be checked right now.';
}

/** The barcodes a shelf or a delivery carries: retail EAN/UPC and the Code 128 of cartons and receipts. */
const CAMERA_FORMATS = ['ean_13', 'ean_8', 'upc_a', 'upc_e', 'code_128'];

/**
 * Whether this browser can read barcodes with the camera: it offers `BarcodeDetector` (Chromium on Android, Safari
 * on iOS 17+) and camera access (a secure context: https, or the node's own screen). Elsewhere pages offer typed or
 * scanner entry only, and hide their camera buttons.
 */
export const canScanWithCamera = () =>
  typeof globalThis.BarcodeDetector === 'function' && typeof navigator.mediaDevices?.getUserMedia === 'function';

let cameraDialog;

/**
 * Opens the camera in a dialog and resolves with the first barcode it reads (its text), or null when the user
 * cancelled (Cancel, Escape) or the camera could not be opened (the dialog says why; the user cancels it). The camera
 * is released whichever way the dialog closes.
 */
export function scanWithCamera() {
  cameraDialog ??= buildCameraDialog();
  const { dialog, video, msg } = cameraDialog;
  msg.replaceChildren();
  return new Promise((resolve) => {
    let stream;
    let done = false;
    const finish = (code) => {
      if (done) return;
      done = true;
      for (const t of stream?.getTracks() ?? []) t.stop();
      video.srcObject = null;
      dialog.removeEventListener('close', onClose);
      if (dialog.open) dialog.close();
      resolve(code);
    };
    const onClose = () => finish(null);
    dialog.addEventListener('close', onClose);
    dialog.showModal();
    (async () => {
      const supported = (await globalThis.BarcodeDetector.getSupportedFormats?.()) ?? CAMERA_FORMATS;
      const formats = CAMERA_FORMATS.filter((f) => supported.includes(f));
      const detector = new globalThis.BarcodeDetector(formats.length ? { formats } : undefined);
      stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' }, audio: false });
      if (done) return finish(null);
      video.srcObject = stream;
      await video.play();
      while (!done) {
        const [found] = await detector.detect(video);
        if (found?.rawValue) return finish(found.rawValue.trim());
        await new Promise((r) => setTimeout(r, 200));
      }
    })().catch((err) => {
      if (done) return;
      const why = err?.name === 'NotAllowedError' ? 'the camera was not allowed' : (err?.message ?? String(err));
      say(msg, new Error(`The camera could not be used (${why}). Type or scan the code instead.`));
    });
  });
}

function buildCameraDialog() {
  const video = h('video', { muted: true, playsinline: true, class: 'camera-view', 'aria-hidden': 'true' });
  video.muted = true; // plays without a gesture of its own
  const msg = h('div', { 'aria-live': 'polite' });
  const dialog = h(
    'dialog',
    { class: 'camera', 'aria-labelledby': 'camera-title' },
    h('h2', { id: 'camera-title' }, 'Scan a barcode'),
    h('p', { class: 'muted' }, 'Hold the barcode inside the frame; it is read as soon as it is sharp.'),
    video,
    msg,
    h(
      'div',
      { class: 'actions' },
      h('button', { type: 'button', class: 'secondary', onclick: () => dialog.close() }, 'Cancel'),
    ),
  );
  document.body.append(dialog);
  return { dialog, video, msg };
}
