// A stand-in for electron-updater's autoUpdater (it drives Electron's binary and a real download): it reports the feed
// the shell sets and each check as `{"stub": {"updater": …}}` lines, and answers every check with "no update" — or,
// with STUB_UPDATE_DOWNLOADED=1, with an update 9.9.9 already downloaded, whose installer quits the app as the real one.
import { EventEmitter } from 'node:events';
import { writeSync } from 'node:fs';
import { app } from './electron.mjs';

const report = (what) => writeSync(1, `${JSON.stringify({ stub: { updater: what } })}\n`);

class AutoUpdater extends EventEmitter {
  autoDownload = true;
  autoInstallOnAppQuit = true;
  logger = null;

  setFeedURL(options) {
    report({ feed: options, autoDownload: this.autoDownload, autoInstallOnAppQuit: this.autoInstallOnAppQuit });
  }

  async checkForUpdates() {
    report({ check: true });
    if (process.env.STUB_UPDATE_DOWNLOADED === '1') this.emit('update-downloaded', { version: '9.9.9' });
    else this.emit('update-not-available', { version: '0.1.0' });
    return null;
  }

  quitAndInstall(isSilent, isForceRunAfter) {
    report({ quitAndInstall: { isSilent, isForceRunAfter } });
    setImmediate(() => app.quit()); // as electron-updater does once the installer is started
  }
}

export const autoUpdater = new AutoUpdater();
export default { autoUpdater };
