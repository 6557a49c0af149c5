// What the Electron shell opens and what its window may do, decided from plain data alone (no Electron here), so every
// decision is tested without the Electron binary; main.mjs only wires these into Electron's events.
//
// The lock: the window shows only the store node's own origin (parsed and compared, never by string prefix), in
// every frame and across redirects; it opens no other windows; it grants no permission except the camera (video only)
// to the node's handheld page for barcode scanning; in kiosk mode it has no menu and ignores the DevTools, reload,
// close and zoom shortcuts. The kiosk page always gets the full lock. A kiosk page's shell runs its node with
// `loopbackRole: 'kiosk'`: the machine IS a kiosk, so its window is a kiosk screen (customer-facing API only) with or
// without a cookie; the window also carries the `sf_screen=kiosk` marker (a session cookie). A POS or pickup page's
// window carries `sf_screen=pos` / `sf_screen=pickup`: that window reaches only its page and the API it calls (the
// store node's screen-policy.ts), while a browser on the same machine is still the back office. The handheld page's
// window carries no marker: it is the back office, with everything.

const PAGES = { pos: '/pos.html', kiosk: '/kiosk.html', pickup: '/pickup.html', handheld: '/handheld.html' };
export const SCREEN_COOKIE = 'sf_screen';
/** The POS window's lane (`--lane=3`), a session cookie beside the marker: the store node's LANE_COOKIE. */
export const LANE_COOKIE = 'sf_lane';

/**
 * `--page=pos|kiosk|pickup|handheld` (or STORE_PAGE) picks the screen; `--kiosk` (or STORE_KIOSK=1) makes it
 * full-screen kiosk mode with no menu and no DevTools, for locked-down lanes. The kiosk page is a customer's screen:
 * it is always in kiosk mode, with or without `--kiosk`.
 * Flags are read strictly, since a lane started wrong stays wrong all day: `--kiosk` alone or `--kiosk=1|0|true|false`
 * (STORE_KIOSK the same values, or empty for off), `--page` only a name of the page table (never `toString` or
 * `__proto__`), each given at most once. Anything else throws an Error whose message says what is allowed.
 * `--lane=3` (1–99, POS page only) makes the window that lane of the store: its own sale numbers and open basket;
 * without it the POS window is the node's lane (`STORE_LANE`).
 * Returns the page, its path, its lane (or undefined), whether the window is locked down, and the BrowserWindow options.
 */
export function windowPlan(argv, env = {}) {
  const page = flagValue(argv, 'page') ?? env.STORE_PAGE ?? 'pos';
  if (!Object.hasOwn(PAGES, page))
    throw new Error(`--page must be one of ${Object.keys(PAGES).join(', ')}, not "${page}"`);
  const kioskFlag = flagValue(argv, 'kiosk', 'true');
  const kioskAsked =
    kioskFlag !== undefined
      ? onOff('--kiosk', kioskFlag)
      : env.STORE_KIOSK !== undefined && env.STORE_KIOSK !== '' && onOff('STORE_KIOSK', env.STORE_KIOSK);
  const kiosk = page === 'kiosk' || kioskAsked;
  const laneFlag = flagValue(argv, 'lane');
  if (laneFlag !== undefined && page !== 'pos')
    throw new Error(`--lane is for a POS window (--page=pos), not "${page}"`);
  if (laneFlag !== undefined && !/^[1-9][0-9]?$/.test(laneFlag))
    throw new Error(`--lane must be a whole number from 1 to 99, not "${laneFlag}"`);
  return {
    page,
    path: PAGES[page],
    lane: laneFlag === undefined ? undefined : Number(laneFlag),
    kiosk,
    window: {
      width: 1920,
      height: 1080,
      kiosk,
      fullscreen: kiosk,
      autoHideMenuBar: true,
      title: `Storefleet — ${page}`,
      webPreferences: {
        contextIsolation: true,
        nodeIntegration: false,
        sandbox: true,
        webviewTag: false,
        navigateOnDragDrop: false,
        devTools: !kiosk,
      },
    },
  };
}

/**
 * The value of `--name=value` (everything after the first `=`), `bare` for `--name` alone, undefined when absent.
 * A flag given twice is refused: which one wins would be a guess.
 */
function flagValue(argv, name, bare) {
  const found = argv.filter((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  if (found.length > 1) throw new Error(`--${name} is given ${found.length} times: give it once`);
  if (found.length === 0) return undefined;
  const eq = found[0].indexOf('=');
  if (eq === -1) {
    if (bare === undefined) throw new Error(`--${name} needs a value: --${name}=…`);
    return bare;
  }
  return found[0].slice(eq + 1);
}

const ON_OFF = { 1: true, true: true, 0: false, false: false };

/** `1`/`true` → true, `0`/`false` → false; anything else ("yes", "on", "") is refused with what is allowed. */
function onOff(what, value) {
  if (!Object.hasOwn(ON_OFF, value)) throw new Error(`${what} must be 1, 0, true or false, not "${value}"`);
  return ON_OFF[value];
}

/**
 * Whether the window (any of its frames, or a redirect) may go to `target`: only http(s) on the store node's own
 * origin — scheme, host and port parsed and compared — and never with credentials in the URL
 * (`http://127.0.0.1:8090@evil:8091/` is a user name on another host). Anything that does not parse is refused.
 */
export function navigationAllowed(nodeUrl, target) {
  let base;
  let url;
  try {
    base = new URL(nodeUrl);
    url = new URL(target);
  } catch {
    return false;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return false;
  if (url.username !== '' || url.password !== '') return false;
  return url.origin === base.origin;
}

/**
 * Whether a permission request (or check) is granted: only `media` asking for video alone (the camera, for barcode
 * scanning), from the node's handheld page. Microphone, screen capture, notifications, geolocation, USB, serial… are
 * refused for every frame; so is anything from another origin or another page.
 */
export function permissionAllowed(nodeUrl, { permission, requestingUrl, mediaTypes }) {
  if (permission !== 'media') return false;
  if (!Array.isArray(mediaTypes) || mediaTypes.length === 0 || mediaTypes.some((t) => t !== 'video')) return false;
  if (typeof requestingUrl !== 'string' || !navigationAllowed(nodeUrl, requestingUrl)) return false;
  return new URL(requestingUrl).pathname === PAGES.handheld;
}

const DEVTOOLS_KEYS = new Set(['i', 'j', 'c']);
const ZOOM_KEYS = new Set(['+', '-', '=', '0']);

/**
 * Whether a key press is swallowed in kiosk mode (`input` is Electron's before-input-event input): DevTools (F12,
 * Ctrl/Cmd+Shift+I/J/C, Cmd+Alt+I/J/C), reload (F5, Ctrl/Cmd+R, Ctrl/Cmd+Shift+R), full screen (F11), close and quit
 * (Ctrl/Cmd+W, Ctrl/Cmd+Q) and zoom (Ctrl/Cmd with +, -, =, 0). Everything a page uses (F2, F4, F8, typing, Ctrl+C) passes.
 */
export function shortcutBlocked(input) {
  const key = String(input.key ?? '').toLowerCase();
  if (['f5', 'f11', 'f12', 'browserrefresh'].includes(key)) return true;
  const mod = Boolean(input.control || input.meta);
  if (!mod) return false;
  if (key === 'r' || key === 'w' || key === 'q' || ZOOM_KEYS.has(key)) return true;
  return DEVTOOLS_KEYS.has(key) && Boolean(input.shift || (input.meta && input.alt));
}

/** The pages whose window is marked for that one job; the handheld page's window is the back office. */
const MARKED_PAGES = new Set(['kiosk', 'pos', 'pickup']);

/**
 * The screen marker for this window, set (or cleared) in the session before the page loads: a kiosk, POS or pickup
 * page's window is that screen and nothing else; the handheld page's window must not inherit a marker left by an
 * earlier run.
 */
export function screenCookie(plan, nodeUrl) {
  const url = new URL('/', nodeUrl).href;
  return MARKED_PAGES.has(plan.page)
    ? { set: { url, name: SCREEN_COOKIE, value: plan.page, path: '/', httpOnly: true, sameSite: 'strict' } }
    : { remove: { url, name: SCREEN_COOKIE } };
}

/**
 * The lane cookie for this window, set (or cleared) with the marker: a POS window started with `--lane=N` is lane N;
 * any other window must not inherit a lane left by an earlier run.
 */
export function laneCookie(plan, nodeUrl) {
  const url = new URL('/', nodeUrl).href;
  return plan.lane !== undefined
    ? { set: { url, name: LANE_COOKIE, value: String(plan.lane), path: '/', httpOnly: true, sameSite: 'strict' } }
    : { remove: { url, name: LANE_COOKIE } };
}

/**
 * The store node's configuration for this shell, from the one the environment gives (`storeNodeConfigFromEnv()`): it
 * listens on loopback only, and for the kiosk page the machine is a kiosk (`loopbackRole: 'kiosk'`), so the window is
 * a kiosk screen whatever its cookies, and no other browser on this machine is a lane either.
 */
export function nodeConfig(plan, config) {
  return { ...config, host: '127.0.0.1', ...(plan.page === 'kiosk' ? { loopbackRole: 'kiosk' } : {}) };
}
