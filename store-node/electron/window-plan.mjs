// What the Electron shell opens, decided from its command line and environment alone (no Electron here), so it is
// tested without the Electron binary.

const PAGES = { pos: '/pos.html', kiosk: '/kiosk.html', pickup: '/pickup.html', handheld: '/handheld.html' };

/**
 * `--page=pos|kiosk|pickup|handheld` (or STORE_PAGE) picks the screen; `--kiosk` (or STORE_KIOSK=1) makes it
 * full-screen kiosk mode with no menu, for customer-facing kiosks and locked-down lanes.
 * Returns the page's path and the BrowserWindow options.
 */
export function windowPlan(argv, env = {}) {
  const flag = (name) => argv.find((a) => a === `--${name}` || a.startsWith(`--${name}=`));
  const value = (name) => flag(name)?.split('=')[1];
  const page = value('page') ?? env.STORE_PAGE ?? 'pos';
  if (!(page in PAGES)) throw new Error(`--page must be one of ${Object.keys(PAGES).join(', ')}, not "${page}"`);
  const kiosk = Boolean(flag('kiosk')) || env.STORE_KIOSK === '1';
  return {
    path: PAGES[page],
    window: {
      width: 1920,
      height: 1080,
      kiosk,
      fullscreen: kiosk,
      autoHideMenuBar: true,
      title: `Storefleet — ${page}`,
      webPreferences: { contextIsolation: true, nodeIntegration: false, sandbox: true },
    },
  };
}
