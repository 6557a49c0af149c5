// The Electron shell of a store node: the node runs in this (main) process — database, sync, devices — and a window
// shows one of its pages. Kept thin on purpose: everything a person does goes through the same HTTP pages and API
// that browsers and the tests use, and every decision of the window's lock is in window-plan.mjs (tested without
// Electron). Configuration is the store node's environment (README, "Store node").
import { app, BrowserWindow, Menu, session } from 'electron';
import { navigationAllowed, nodeConfig, permissionAllowed, screenCookie, shortcutBlocked, windowPlan } from './window-plan.mjs';

// The store node is TypeScript run as is (the same files as `npm start`): tsx compiles it on load.
const { register } = await import('tsx/esm/api');
register();
const { createLogger, exitOnFatalErrors } = await import('@storefleet/shared');
const { createStoreNode, storeNodeConfigFromEnv } = await import('../src/index.ts');

// A bug must not put Electron's error dialog (a stack trace) on a customer's screen: with these handlers installed
// Electron shows none; the error is logged and the process exits 70 for its supervisor to restart it.
const log = createLogger('electron-shell', process.env.LOG_LEVEL ?? 'info');
exitOnFatalErrors(log, (code) => app.exit(code));
/** A start-up failure (a bad --page, a bad environment, a port in use): logged, and the shell exits 1. */
const cannotStart = (err) => {
  log.fatal({ err }, 'the store shell cannot start');
  log.flush?.();
  app.exit(1);
};

let plan;
let node;
try {
  plan = windowPlan(process.argv, process.env);
  node = createStoreNode(nodeConfig(plan, storeNodeConfigFromEnv()));
} catch (err) {
  cannotStart(err);
}

// No webview and no pop-up in any web contents, whoever created it.
app.on('web-contents-created', (_e, contents) => {
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

if (node) app.whenReady().then(async () => {
  const url = await node.start();
  if (plan.kiosk) Menu.setApplicationMenu(null); // no menu: no DevTools, reload or zoom items with their shortcuts
  const ses = session.defaultSession;
  ses.setPermissionRequestHandler((_wc, permission, callback, details) =>
    callback(permissionAllowed(url, { permission, requestingUrl: details.requestingUrl, mediaTypes: details.mediaTypes })),
  );
  ses.setPermissionCheckHandler((_wc, permission, _origin, details) =>
    permissionAllowed(url, { permission, requestingUrl: details.requestingUrl, mediaTypes: details.mediaType ? [details.mediaType] : [] }),
  );
  const cookie = screenCookie(plan, url);
  if (cookie.set) await ses.cookies.set(cookie.set);
  else await ses.cookies.remove(cookie.remove.url, cookie.remove.name);

  const win = new BrowserWindow(plan.window);
  // Every frame stays on the store node's origin, redirects included; anything else is refused, not opened.
  const keepHome = (e) => {
    if (!navigationAllowed(url, e.url)) e.preventDefault();
  };
  win.webContents.on('will-navigate', keepHome);
  win.webContents.on('will-frame-navigate', keepHome);
  win.webContents.on('will-redirect', keepHome);
  if (plan.kiosk) {
    win.webContents.on('before-input-event', (e, input) => {
      if (shortcutBlocked(input)) e.preventDefault();
    });
  }
  // A page that fails to load leaves the window showing Chromium's error page; the node keeps running.
  await win.loadURL(url + plan.path).catch((err) => log.error({ err, page: plan.path }, 'the page did not load'));
}).catch(cannotStart);

let stopping = false;
app.on('before-quit', (e) => {
  if (stopping || !node) return;
  e.preventDefault();
  stopping = true;
  node.stop().finally(() => app.exit(0)); // close the SQLite file cleanly before the process ends
});
app.on('window-all-closed', () => app.quit());
