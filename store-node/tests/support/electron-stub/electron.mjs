// A stand-in for the part of Electron's main-process API that electron/main.mjs uses (Electron is an external party:
// its binary is not installed for tests). It reports what the shell did as JSON lines `{"stub": …}` on stdout, and
// with STUB_ELECTRON_THROW=1 a window callback throws once the page is loaded, as a bug in the shell would.
import { writeSync } from 'node:fs';

// Written synchronously: a report just before app.exit must not be lost with the process.
const report = (what) => writeSync(1, `${JSON.stringify({ stub: what })}\n`);

export const app = {
  on() {},
  quit() {},
  whenReady: () => Promise.resolve(),
  exit(code) {
    report({ exit: code });
    process.exit(code);
  },
};

export const Menu = {
  setApplicationMenu(menu) {
    report({ menu });
  },
};

export const session = {
  defaultSession: {
    setPermissionRequestHandler() {},
    setPermissionCheckHandler() {},
    cookies: {
      async set(cookie) {
        report({ cookieSet: cookie });
      },
      async remove(url, name) {
        report({ cookieRemoved: { url, name } });
      },
    },
  },
};

export class BrowserWindow {
  constructor(options) {
    report({ window: options });
    this.webContents = { on() {} };
  }

  async loadURL(url) {
    report({ loaded: url });
    if (process.env.STUB_ELECTRON_THROW === '1') {
      setTimeout(() => {
        throw new Error('a bug in a window callback');
      });
    }
  }
}
