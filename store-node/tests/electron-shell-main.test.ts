// electron/main.mjs itself, run under plain Node with a stand-in for Electron's API (tests/support/electron-stub):
// what the shell does when its page crashes or hangs, on a second launch, a taken port, a Windows session end or a
// system shutdown, and with an update channel.
import { existsSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { KIOSK_REFUSAL } from '../src/access/screen-policy.js';
import { runShell, stopAll, type Shell } from './support/electron-stub/run-shell.js';

afterEach(stopAll);

const T = 180_000;
/** The first page the window loaded. */
const firstLoad = (s: Shell) => s.until('page load', () => s.stubs('loaded')[0] as string | undefined);
/** The exit code, once the shell has exited by itself. */
const exitCode = (s: Shell) => s.until('exit', () => s.child.exitCode ?? undefined);
const pageText = (dataUrl: string) =>
  decodeURIComponent(dataUrl.replace(/^data:text\/html;charset=utf-8,/, ''))
    .replace(/<style>.*?<\/style>/s, '')
    .replace(/<[^>]+>/g, ' ');

describe('the Electron shell’s main process', () => {
  it(
    'runs a kiosk page’s node as a kiosk machine: its window is a kiosk without any cookie',
    async () => {
      const s = runShell(['--page=kiosk']);
      const loaded = await firstLoad(s);
      const base = new URL(loaded).origin;
      expect(new URL(loaded).pathname).toBe('/kiosk.html');
      expect(s.lines.find((l) => 'menu' in (l.stub ?? {}))).toEqual({ stub: { menu: null } }); // kiosk mode without --kiosk
      const sale = await fetch(`${base}/api/pos/sales`, { method: 'POST' }); // no cookie, from the machine itself
      expect(sale.status).toBe(403);
      expect(((await sale.json()) as { detail: string }).detail).toBe(KIOSK_REFUSAL);
      expect((await fetch(`${base}/api/catalog/products`)).status).toBe(200);
    },
    T,
  );

  it(
    'a POS page’s node stays a lane; --lane=7 makes its window lane 7 of the store',
    async () => {
      const s = runShell(['--page=pos', '--lane=7']);
      const loaded = await firstLoad(s);
      const base = new URL(loaded).origin;
      expect((await fetch(`${base}/api/pos/sales`, { method: 'POST' })).status).toBe(201);
      const set = s.stubs('cookieSet') as { name: string; value: string }[];
      expect(set.map((c) => `${c.name}=${c.value}`)).toEqual(['sf_screen=pos', 'sf_lane=7']);
      const cookie = set.map((c) => `${c.name}=${c.value}`).join('; '); // what the window's page sends
      const sale = await fetch(`${base}/api/pos/sales`, { method: 'POST', headers: { cookie } });
      expect(((await sale.json()) as { number: string }).number).toMatch(/^S\w+-07-00001$/);
    },
    T,
  );

  it(
    'a bug (an uncaught exception) is logged and the shell exits 70 for its supervisor, with no error dialog',
    async () => {
      const s = runShell(['--page=kiosk'], { STORE_LOOPBACK_ROLE: 'kiosk', STUB_ELECTRON_THROW: '1' });
      expect(await s.exited).toBe(70);
      const fatal = s.lines.find((l) => l.level === 60);
      expect(fatal).toMatchObject({
        name: 'electron-shell',
        msg: 'uncaught exception; exiting for the supervisor to restart this process',
        err: { message: 'a bug in a window callback' },
      });
      expect(s.lines).toContainEqual({ stub: { exit: 70 } }); // through app.exit
      expect(s.stubs('errorBox')).toEqual([]);
      expect(s.stderr()).toBe('');
    },
    T,
  );

  it(
    'a start-up failure (an unknown page) is logged, said in a plain message, and the shell exits 1',
    async () => {
      const s = runShell(['--page=till']);
      expect(await s.exited).toBe(1);
      expect(s.lines.find((l) => l.level === 60)).toMatchObject({
        msg: 'the store shell cannot start',
        err: { message: '--page must be one of pos, kiosk, pickup, handheld, not "till"' },
      });
      expect(s.stubs('errorBox')).toEqual([
        {
          title: 'Storefleet Store cannot start',
          content:
            '--page must be one of pos, kiosk, pickup, handheld, not "till". The details are in the store node\'s log. Fix the setting, then start Storefleet Store again.',
        },
      ]);
      expect(s.stderr()).toBe('');
    },
    T,
  );

  it(
    '--kiosk=0 opens a normal window (it turned kiosk mode on)',
    async () => {
      const s = runShell(['--page=pos', '--kiosk=0']);
      await firstLoad(s);
      expect(s.stubs('window')[0]).toMatchObject({
        kiosk: false,
        fullscreen: false,
        webPreferences: { devTools: true },
      });
      expect(s.stubs('menu')).toEqual([]);
    },
    T,
  );
});

describe('a crashed or hung page in the shell', () => {
  it(
    'is reloaded; after three crashes the window shows a plain page that says so, then the page is tried again',
    async () => {
      const s = runShell(['--page=pos', '--kiosk'], { STORE_CRASH_RETRY_MS: '500' });
      const page = await firstLoad(s);
      s.emit('webContents', 'render-process-gone', { reason: 'crashed', exitCode: 133 });
      await s.until('a reload after the crash', () => (s.stubs('loaded').length >= 2 ? true : undefined));
      expect(s.stubs('loaded')).toEqual([page, page]);
      expect(s.lines.find((l) => l.msg === 'the page crashed; reloading it')).toMatchObject({
        level: 50,
        details: { reason: 'crashed' },
      });

      s.emit('webContents', 'render-process-gone', { reason: 'crashed', exitCode: 133 });
      s.emit('webContents', 'render-process-gone', { reason: 'oom', exitCode: 133 });
      const errorPage = await s.until(
        'the error page',
        () => s.stubs('loaded').find((u: string) => u.startsWith('data:')) as string | undefined,
      );
      expect(pageText(errorPage)).toContain('This screen stopped working');
      expect(pageText(errorPage)).toContain(
        'Its page stopped 3 times in 2 minutes; the last time it ran out of memory.',
      );
      // then the real page again, with no one touching the machine
      await s.until('a retry after the error page', () =>
        s.stubs('loaded').at(-1) === page && s.stubs('loaded').length >= 5 ? true : undefined,
      );
      expect(s.stubs('loaded').slice(0, 5)).toEqual([page, page, page, errorPage, page]);
      expect(s.child.exitCode).toBe(null); // the node kept running all along
      expect((await fetch(`${new URL(page).origin}/healthz`)).status).toBe(200);
    },
    T,
  );

  it(
    'a page that stays hung is restarted and reloaded',
    async () => {
      const s = runShell(['--page=pos'], { STORE_HANG_MS: '200' });
      const page = await firstLoad(s);
      s.emit('webContents', 'unresponsive');
      await s.until('a reload after the hang', () => (s.stubs('loaded').length >= 2 ? true : undefined));
      expect(s.stubs('forcefullyCrashRenderer')).toEqual([true]);
      expect(s.stubs('loaded')).toEqual([page, page]);
      // the log line comes over the shell's stdout, the stubs' reports by another way: it may arrive after them
      const said = await s.until('the hang in the log', () =>
        s.lines.find((l) => l.msg === 'the page stayed hung; restarting it'),
      );
      expect(said).toMatchObject({ hangMs: 200 });
    },
    T,
  );
});

describe('one shell per machine', () => {
  it(
    'a second launch brings the first window to the front and ends, with a log line, opening nothing',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'sf-shell-'));
      const first = runShell(['--page=pos'], {}, dir);
      await firstLoad(first);
      const second = runShell(['--page=pos'], {}, dir);
      expect(await exitCode(second)).toBe(0);
      expect(second.stubs('singleInstanceLock')).toEqual([false]);
      expect(second.stubs('window')).toEqual([]);
      expect(
        second.lines.find((l) => l.msg?.startsWith('Storefleet Store is already running on this computer')),
      ).toBeDefined();
      await first.until('focus', () => (first.stubs('focused').length > 0 ? true : undefined));
      expect(first.stubs('restored')).toEqual([true]); // it was minimised
      expect(first.child.exitCode).toBe(null);
    },
    T,
  );

  it(
    'a taken port is logged and said in plain words, and the shell exits 1',
    async () => {
      const blocker = createServer();
      await new Promise<void>((resolve) => blocker.listen(0, '127.0.0.1', resolve));
      const port = (blocker.address() as AddressInfo).port;
      try {
        const s = runShell(['--page=pos'], { PORT: String(port) });
        expect(await exitCode(s)).toBe(1);
        expect(s.lines.find((l) => l.level === 60)).toMatchObject({
          msg: 'the store shell cannot start',
          err: { code: 'EADDRINUSE' },
        });
        expect(s.stubs('errorBox')).toEqual([
          {
            title: 'Storefleet Store cannot start',
            content: expect.stringContaining(
              `Port ${port} on this computer is already in use by another program, so the store node cannot open its screens.`,
            ),
          },
        ]);
      } finally {
        blocker.close();
      }
    },
    T,
  );
});

describe('the end of a session', () => {
  it(
    'a Windows shutdown or log-off (session-end) closes the store database and ends the shell',
    async () => {
      const s = runShell(['--page=pos']);
      const page = await firstLoad(s);
      expect((await fetch(`${new URL(page).origin}/api/pos/sales`, { method: 'POST' })).status).toBe(201);
      const db = (
        await s.until('the node’s listening line', () => s.lines.find((l) => l.msg === 'store node listening'))
      ).dbPath as string;
      expect(existsSync(`${db}-wal`)).toBe(true);
      s.emit('window', 'session-end', { reasons: ['shutdown'] });
      expect(await exitCode(s)).toBe(0);
      expect(s.lines.find((l) => l.msg === 'closing the store node')).toMatchObject({
        why: 'Windows is ending the session',
      });
      expect(existsSync(`${db}-wal`)).toBe(false); // closed: the WAL checkpointed into the file
    },
    T,
  );

  it(
    'a system shutdown (powerMonitor) delays it, closes the store database and ends the shell',
    async () => {
      const s = runShell(['--page=pos']);
      await firstLoad(s);
      const db = (
        await s.until('the node’s listening line', () => s.lines.find((l) => l.msg === 'store node listening'))
      ).dbPath as string;
      s.emit('powerMonitor', 'shutdown');
      expect(await exitCode(s)).toBe(0);
      expect(s.stubs('prevented')).toContain('shutdown');
      expect(s.lines.find((l) => l.msg === 'closing the store node')).toMatchObject({
        why: 'the system is shutting down',
      });
      expect(existsSync(`${db}-wal`)).toBe(false);
    },
    T,
  );
});

describe('the updater', () => {
  it(
    'is off without STORE_UPDATE_URL: nothing is checked',
    async () => {
      const s = runShell(['--page=pos']);
      await firstLoad(s);
      await s.until('the updater’s word', () => s.lines.find((l) => l.msg === 'updates are off'));
      expect(s.stubs('updater')).toEqual([]);
    },
    T,
  );

  it(
    'with STORE_UPDATE_URL checks that generic feed, and installs a downloaded update after the node has closed',
    async () => {
      const s = runShell(['--page=pos'], {
        STORE_UPDATE_URL: 'http://127.0.0.1:9/registry/store-shell/',
        STUB_UPDATE_DOWNLOADED: '1',
      });
      await firstLoad(s);
      await s.until('an update check', () => s.stubs('updater').find((u) => u.check));
      expect(s.stubs('updater')[0]).toEqual({
        feed: { provider: 'generic', url: 'http://127.0.0.1:9/registry/store-shell/', channel: 'latest' },
        autoDownload: true,
        autoInstallOnAppQuit: false,
      });
      await s.until('the download', () =>
        s.lines.find((l) => l.msg === 'an update is downloaded; it is installed when the shell next quits'),
      );
      s.emit('app', 'before-quit');
      expect(await exitCode(s)).toBe(0);
      const closed = s.lines.findIndex((l) => l.msg === 'closing the store node');
      const installed = s.lines.findIndex((l) => l.stub?.updater?.quitAndInstall);
      expect(closed).toBeGreaterThan(-1);
      expect(installed).toBeGreaterThan(closed);
      expect(s.lines[installed].stub.updater.quitAndInstall).toEqual({ isSilent: true, isForceRunAfter: true });
    },
    T,
  );
});
