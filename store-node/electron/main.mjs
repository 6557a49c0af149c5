// The Electron shell of a store node: the node runs in this (main) process — database, sync, devices — and a window
// shows one of its pages. Kept thin on purpose: everything a person does goes through the same HTTP pages and API
// that browsers and the tests use, and every decision is in a pure module beside this file, tested without Electron:
// window-plan.mjs (flags, the window's lock), screen-recovery.mjs (a crashed or hung page), start-failure.mjs (what a
// person is told when the shell cannot start), update-plan.mjs (the update channel). Configuration is the store node's
// environment (README, "Store node").
import { app, BrowserWindow, dialog, Menu, powerMonitor, session } from 'electron';
import { NO_CRASHES, recoveryPolicy, rendererGone } from './screen-recovery.mjs';
import { startFailure } from './start-failure.mjs';
import { updatePlan } from './update-plan.mjs';
import {
  navigationAllowed,
  nodeConfig,
  permissionAllowed,
  screenCookie,
  laneCookie,
  shortcutBlocked,
  windowPlan,
} from './window-plan.mjs';

// The store node is TypeScript run as is (the same files as `npm start`): tsx compiles it on load.
const { register } = await import('tsx/esm/api');
register();
const { createLogger, exitOnFatalErrors } = await import('@storefleet/shared');
const { createStoreNode, storeNodeConfigFromEnv } = await import('../src/index.ts');

// A bug must not put Electron's error dialog (a stack trace) on a customer's screen: with these handlers installed
// Electron shows none; the error is logged and the process exits 70 for its supervisor to restart it.
const log = createLogger('electron-shell', process.env.LOG_LEVEL ?? 'info');
exitOnFatalErrors(log, (code) => app.exit(code));

let config;
/** A start-up failure (a bad flag or environment, a port in use): logged, said in plain words, and the shell exits 1. */
const cannotStart = (err) => {
  log.fatal({ err }, 'the store shell cannot start');
  log.flush?.();
  const { title, text } = startFailure(err, { port: config?.port ?? 8090 });
  dialog.showErrorBox(title, text);
  app.exit(1);
};

let plan;
let policy;
let update;
let node;
// One shell per machine: a second launch (a double-click on the icon) brings the running window to the front and ends,
// instead of failing on the taken port with no window and no message.
if (!app.requestSingleInstanceLock()) {
  log.info(
    'Storefleet Store is already running on this computer: its window is brought to the front and this copy ends',
  );
  log.flush?.();
  app.quit();
} else {
  try {
    plan = windowPlan(process.argv, process.env);
    policy = recoveryPolicy(process.env);
    update = updatePlan(process.env);
    config = nodeConfig(plan, storeNodeConfigFromEnv());
    node = createStoreNode(config);
  } catch (err) {
    cannotStart(err);
  }
}

// No webview and no pop-up in any web contents, whoever created it.
app.on('web-contents-created', (_e, contents) => {
  contents.on('will-attach-webview', (e) => e.preventDefault());
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
});

let win;
let updater;
let retryTimer;
let hangTimer;
let stopping = false;
let handedToInstaller = false;

/** Stops the node (its last step closes the SQLite file, checkpointing the WAL), then ends the process; once. */
const stopAndExit = (why) => {
  if (stopping) return;
  stopping = true;
  log.info({ why }, 'closing the store node');
  clearTimeout(retryTimer);
  clearTimeout(hangTimer);
  updater?.stop();
  node
    .stop()
    .catch((err) => log.error({ err }, 'the store node did not stop cleanly'))
    .finally(() => {
      if (!updater?.downloaded) return app.exit(0);
      handedToInstaller = true; // the installer quits the app: that quit must go through
      try {
        updater.install();
      } catch (err) {
        log.error({ err }, 'the update could not be installed; it is tried again next time');
        app.exit(0);
      }
    });
};

app.on('second-instance', () => {
  if (!win || win.isDestroyed()) return;
  log.info('Storefleet Store was launched again: bringing its window to the front');
  if (win.isMinimized()) win.restore();
  win.show();
  win.focus();
});

if (node)
  app
    .whenReady()
    .then(async () => {
      const url = await node.start();
      const page = url + plan.path;
      if (plan.kiosk) Menu.setApplicationMenu(null); // no menu: no DevTools, reload or zoom items with their shortcuts
      const ses = session.defaultSession;
      ses.setPermissionRequestHandler((_wc, permission, callback, details) =>
        callback(
          permissionAllowed(url, { permission, requestingUrl: details.requestingUrl, mediaTypes: details.mediaTypes }),
        ),
      );
      ses.setPermissionCheckHandler((_wc, permission, _origin, details) =>
        permissionAllowed(url, {
          permission,
          requestingUrl: details.requestingUrl,
          mediaTypes: details.mediaType ? [details.mediaType] : [],
        }),
      );
      for (const cookie of [screenCookie(plan, url), laneCookie(plan, url)]) {
        if (cookie.set) await ses.cookies.set(cookie.set);
        else await ses.cookies.remove(cookie.remove.url, cookie.remove.name);
      }

      win = new BrowserWindow(plan.window);
      const wc = win.webContents;
      // Every frame stays on the store node's origin, redirects included; anything else is refused, not opened.
      const keepHome = (e) => {
        if (!navigationAllowed(url, e.url)) e.preventDefault();
      };
      wc.on('will-navigate', keepHome);
      wc.on('will-frame-navigate', keepHome);
      wc.on('will-redirect', keepHome);
      if (plan.kiosk) {
        wc.on('before-input-event', (e, input) => {
          if (shortcutBlocked(input)) e.preventDefault();
        });
      }
      // A page that fails to load leaves the window showing Chromium's error page; the node keeps running.
      const show = (target, what) =>
        win.loadURL(target).catch((err) => log.error({ err, page: what }, 'the page did not load'));

      // A crashed or hung page must not leave a dead full-screen window: reload it, and if it keeps crashing show a plain
      // local page that says so and retries (screen-recovery.mjs decides).
      let recovery = NO_CRASHES;
      wc.on('render-process-gone', (_e, details) => {
        if (stopping || win.isDestroyed()) return;
        clearTimeout(hangTimer);
        const step = rendererGone(recovery, details, Date.now(), policy);
        recovery = step.state;
        if (step.effect.do === 'reload') {
          log.error({ details, page: plan.path }, 'the page crashed; reloading it');
          show(page, plan.path);
        } else if (step.effect.do === 'error-page') {
          log.error(
            { details, page: plan.path, crashes: recovery.crashes.length, retryMs: step.effect.retryMs },
            'the page keeps crashing; showing the error page',
          );
          show(step.effect.html, 'the error page');
          clearTimeout(retryTimer);
          retryTimer = setTimeout(() => show(page, plan.path), step.effect.retryMs);
        }
      });
      wc.on('unresponsive', () => {
        log.warn({ page: plan.path, hangMs: policy.hangMs }, 'the page is not responding');
        clearTimeout(hangTimer);
        hangTimer = setTimeout(() => {
          log.error({ page: plan.path, hangMs: policy.hangMs }, 'the page stayed hung; restarting it');
          wc.forcefullyCrashRenderer(); // → render-process-gone ('killed') → reload
        }, policy.hangMs);
      });
      wc.on('responsive', () => clearTimeout(hangTimer));

      // 'before-quit' does not run when Windows ends the session, nor on a system shutdown: close the node there too.
      // Windows may end the process as soon as 'session-end' returns, so the SQLite file is closed before it does.
      // ('query-session-end' is not enough: another program may still cancel the shutdown, and the lane must stay up.)
      win.on('session-end', () => {
        stopAndExit('Windows is ending the session');
        try {
          node.db.close();
        } catch (err) {
          log.error({ err }, 'the store database did not close');
        }
      });
      powerMonitor.on('shutdown', (e) => {
        e?.preventDefault?.(); // asks the system to wait until the node has closed (Linux, macOS)
        stopAndExit('the system is shutting down');
      });

      await show(page, plan.path);
      if (update.enabled) {
        startUpdater(update)
          .then((u) => {
            updater = u;
            if (stopping) u.stop();
          })
          .catch((err) => log.error({ err }, 'the updater could not start; this shell will not update itself'));
      } else log.info({ reason: update.reason }, 'updates are off');
    })
    .catch(cannotStart);

/** electron-updater is loaded only when an update channel is set. */
async function startUpdater(channel) {
  const { startUpdater: start } = await import('./updater.mjs');
  return start(channel, log);
}

app.on('before-quit', (e) => {
  if (!node || handedToInstaller) return; // no node to close, or the update installer is ending the process
  e.preventDefault(); // until the node has closed the SQLite file; stopAndExit then ends the process
  stopAndExit('quit');
});
app.on('window-all-closed', () => app.quit());
