// The shell's updater: electron-updater checking the channel that update-plan.mjs decided, now and every intervalMs.
// A downloaded update is installed when the shell next quits, after the store node has closed its SQLite file
// (main.mjs calls install() instead of exiting): the shell ends with app.exit, which skips the 'quit'
// event that electron-updater's own install-on-quit waits for. A failed check is logged and tried again next time;
// it never stops the store.

/**
 * Starts checking for updates (`plan` from updatePlan, enabled). Returns `stop()` (no further checks), `downloaded`
 * (an update is ready) and `install()`: the installer takes over, quitting the app itself (the caller must let that
 * quit through).
 */
export async function startUpdater(plan, log) {
  const mod = await import('electron-updater');
  const autoUpdater = mod.autoUpdater ?? mod.default.autoUpdater;
  autoUpdater.logger = log;
  autoUpdater.autoDownload = true;
  autoUpdater.autoInstallOnAppQuit = false;
  autoUpdater.setFeedURL(plan.feed);
  let downloaded;
  autoUpdater.on('update-downloaded', (info) => {
    downloaded = info;
    log.info({ version: info?.version }, 'an update is downloaded; it is installed when the shell next quits');
  });
  autoUpdater.on('error', (err) =>
    log.warn({ err, url: plan.feed.url }, 'the update check failed; trying again later'),
  );
  const check = () =>
    autoUpdater
      .checkForUpdates()
      .catch((err) => log.warn({ err, url: plan.feed.url }, 'the update check failed; trying again later'));
  log.info({ url: plan.feed.url, intervalMs: plan.intervalMs }, 'checking for updates');
  check();
  const timer = setInterval(check, plan.intervalMs);
  timer.unref?.();
  return {
    stop: () => clearInterval(timer),
    get downloaded() {
      return downloaded !== undefined;
    },
    install() {
      log.info({ version: downloaded?.version }, 'installing the downloaded update');
      autoUpdater.quitAndInstall(true, true); // silent, and start the new version after installing
    },
  };
}
