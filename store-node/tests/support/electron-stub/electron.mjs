// A stand-in for the part of Electron's main-process API that electron/main.mjs uses (Electron is an external party:
// its binary is not installed for tests). It reports what the shell did as JSON lines `{"stub": …}` on stdout, and
// with STUB_ELECTRON_THROW=1 a window callback throws once the page is loaded, as a bug in the shell would.
//
// Driving it: each JSON line on stdin `{"emit": NAME, "on": "app"|"window"|"webContents"|"powerMonitor", "args": […]}`
// emits that event as Electron would (listeners get an event object first, whose preventDefault() is reported), so a
// test can crash the renderer, end a Windows session or shut the system down.
//
// The single-instance lock is real across processes, as Electron's is per user-data folder: STUB_ELECTRON_USER_DATA
// (a fresh temporary folder when unset) holds a lock file with the holder's pid; a second process that finds the
// holder alive gets `false` and leaves its argv in the folder, which the holder reports as 'second-instance'.
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, readdirSync, rmSync, watch, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

// Written synchronously: a report just before app.exit must not be lost with the process.
const report = (what) => writeSync(1, `${JSON.stringify({ stub: what })}\n`);

const userData = process.env.STUB_ELECTRON_USER_DATA || mkdtempSync(join(tmpdir(), 'sf-stub-electron-'));

/** Electron's event object: preventDefault() is reported, so a test sees that the shell asked to delay. */
const eventFor = (name) => ({
  defaultPrevented: false,
  preventDefault() {
    this.defaultPrevented = true;
    report({ prevented: name });
  },
});

class App extends EventEmitter {
  whenReady() {
    return Promise.resolve();
  }

  exit(code) {
    report({ exit: code });
    process.exit(code);
  }

  /** As Electron: 'before-quit' may be prevented; otherwise the app quits (exit code 0). */
  quit() {
    const e = eventFor('before-quit');
    this.emit('before-quit', e);
    if (e.defaultPrevented) return;
    report({ quit: true });
    process.exit(0);
  }

  requestSingleInstanceLock() {
    const lock = join(userData, 'SingletonLock');
    for (;;) {
      try {
        writeFileSync(lock, String(process.pid), { flag: 'wx' });
        break;
      } catch (err) {
        if (err.code !== 'EEXIST') throw err;
        const holder = Number(readFileSync(lock, 'utf8'));
        if (alive(holder)) {
          writeFileSync(
            join(userData, `second-${process.pid}.json`),
            JSON.stringify({ argv: process.argv, cwd: process.cwd() }),
          );
          report({ singleInstanceLock: false });
          return false;
        }
        rmSync(lock, { force: true }); // left by a process that died
      }
    }
    process.on('exit', () => rmSync(lock, { force: true }));
    const seen = new Set();
    const deliver = () => {
      for (const name of readdirSync(userData)) {
        if (!name.startsWith('second-') || seen.has(name)) continue;
        let launch;
        try {
          launch = JSON.parse(readFileSync(join(userData, name), 'utf8'));
        } catch {
          continue; // still being written: the next change event delivers it
        }
        seen.add(name);
        this.emit('second-instance', eventFor('second-instance'), launch.argv, launch.cwd, {});
      }
    };
    watch(userData, deliver).unref();
    report({ singleInstanceLock: true });
    return true;
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

export const app = new App();

export const powerMonitor = new EventEmitter();

export const dialog = {
  showErrorBox(title, content) {
    report({ errorBox: { title, content } });
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

let lastWindow;

export class BrowserWindow extends EventEmitter {
  #minimized = true; // as a window left minimised on the desktop, so a second launch must restore it

  constructor(options) {
    super();
    report({ window: options });
    const webContents = new EventEmitter();
    webContents.forcefullyCrashRenderer = () => {
      report({ forcefullyCrashRenderer: true });
      setImmediate(() =>
        webContents.emit('render-process-gone', eventFor('render-process-gone'), { reason: 'killed', exitCode: 9 }),
      );
    };
    this.webContents = webContents;
    lastWindow = this;
  }

  isDestroyed() {
    return false;
  }

  isMinimized() {
    return this.#minimized;
  }

  restore() {
    this.#minimized = false;
    report({ restored: true });
  }

  show() {
    report({ shown: true });
  }

  focus() {
    report({ focused: true });
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

createInterface({ input: process.stdin }).on('line', (line) => {
  if (line.trim() === '') return;
  const { emit, on, args = [] } = JSON.parse(line);
  const target = { app, powerMonitor, window: lastWindow, webContents: lastWindow?.webContents }[on];
  if (!target) return report({ noTarget: on });
  target.emit(emit, eventFor(emit), ...args);
});
