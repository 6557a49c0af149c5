import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs module of the Electron shell, without type declarations
import { navigationAllowed, nodeConfig, permissionAllowed, screenCookie, shortcutBlocked, windowPlan } from '../electron/window-plan.mjs';
import { KIOSK_REFUSAL } from '../src/access/screen-policy.js';

const NODE = 'http://127.0.0.1:8090';

describe('the Electron shell’s window plan', () => {
  it('opens the POS lane by default, in a normal window with Node kept out of the page', () => {
    const plan = windowPlan(['electron', '.'], {});
    expect(plan.path).toBe('/pos.html');
    expect(plan.window).toMatchObject({
      kiosk: false,
      fullscreen: false,
      webPreferences: { contextIsolation: true, nodeIntegration: false, sandbox: true, webviewTag: false, devTools: true },
    });
  });

  it('opens the kiosk full-screen in kiosk mode by a flag or the environment, without DevTools', () => {
    expect(windowPlan(['electron', '.', '--page=kiosk', '--kiosk'], {})).toMatchObject({ path: '/kiosk.html', kiosk: true, window: { kiosk: true, fullscreen: true, webPreferences: { devTools: false } } });
    expect(windowPlan(['electron', '.'], { STORE_PAGE: 'pickup', STORE_KIOSK: '1' })).toMatchObject({ path: '/pickup.html', window: { kiosk: true } });
  });

  it('always locks the kiosk page, with or without --kiosk: no DevTools, no menu, full screen', () => {
    for (const plan of [windowPlan(['electron', '.', '--page=kiosk'], {}), windowPlan(['electron', '.'], { STORE_PAGE: 'kiosk' }), windowPlan(['electron', '.', '--page=kiosk'], { STORE_KIOSK: '0' })]) {
      expect(plan).toMatchObject({ page: 'kiosk', kiosk: true, window: { kiosk: true, fullscreen: true, webPreferences: { devTools: false } } });
    }
    expect(windowPlan(['electron', '.', '--page=pos'], {})).toMatchObject({ kiosk: false, window: { webPreferences: { devTools: true } } });
  });

  it('runs the node of a kiosk page as a kiosk machine (loopbackRole kiosk), on loopback; other pages keep the configured role', () => {
    const env = { dbPath: '/tmp/x.sqlite', host: '0.0.0.0', loopbackRole: 'lane', port: 8090 };
    expect(nodeConfig(windowPlan(['electron', '.', '--page=kiosk'], {}), env)).toEqual({ dbPath: '/tmp/x.sqlite', host: '127.0.0.1', loopbackRole: 'kiosk', port: 8090 });
    expect(nodeConfig(windowPlan(['electron', '.', '--page=pos', '--kiosk'], {}), env)).toEqual({ ...env, host: '127.0.0.1' });
    expect(nodeConfig(windowPlan(['electron', '.', '--page=pickup'], {}), { port: 1 })).toEqual({ port: 1, host: '127.0.0.1' });
  });

  it('refuses an unknown page with a clear message', () => {
    expect(() => windowPlan(['electron', '.', '--page=till'], {})).toThrow('--page must be one of pos, kiosk, pickup, handheld, not "till"');
    expect(() => windowPlan(['electron', '.', '--page=constructor'], {})).toThrow('not "constructor"');
  });
});

describe('the window stays on the store node', () => {
  it('allows the node’s own pages, whatever the path or query', () => {
    for (const url of [`${NODE}/kiosk.html`, `${NODE}/`, `${NODE}/pair.html?then=%2Fhandheld.html`, `${NODE}/shared/dom.js#x`]) expect(navigationAllowed(NODE, url), url).toBe(true);
  });

  it('refuses a URL that only starts with the node’s address (the @ trick), other ports, hosts and schemes', () => {
    for (const url of [
      'http://127.0.0.1:8090@127.0.0.1:8091/', // user "127.0.0.1", password "8090", on port 8091
      'http://127.0.0.1:8090@evil.example/',
      `http://user@127.0.0.1:8090/pos.html`, // the right origin, but credentials in the URL
      'http://127.0.0.1:80900/',
      'http://127.0.0.1:8091/kiosk.html',
      'http://127.0.0.1.evil.example:8090/',
      'http://localhost:8090/', // the same machine, another origin
      'https://127.0.0.1:8090/',
      'ws://127.0.0.1:8090/',
      'javascript:alert(1)',
      'file:///etc/passwd',
      'data:text/html,<script>alert(1)</script>',
      `blob:${NODE}/4f1c`,
      'about:blank',
      'not a url',
      '',
    ]) {
      expect(navigationAllowed(NODE, url), url).toBe(false);
    }
  });
});

describe('permissions', () => {
  const ask = (permission: string, requestingUrl: string | undefined, mediaTypes?: string[]) => permissionAllowed(NODE, { permission, requestingUrl, mediaTypes });

  it('grants the camera (video only) to the node’s handheld page, for barcode scanning', () => {
    expect(ask('media', `${NODE}/handheld.html`, ['video'])).toBe(true);
  });

  it('refuses the microphone, other pages, other origins and every other permission', () => {
    expect(ask('media', `${NODE}/handheld.html`, ['video', 'audio'])).toBe(false);
    expect(ask('media', `${NODE}/handheld.html`, ['audio'])).toBe(false);
    expect(ask('media', `${NODE}/handheld.html`, ['unknown'])).toBe(false);
    expect(ask('media', `${NODE}/handheld.html`, [])).toBe(false);
    expect(ask('media', `${NODE}/kiosk.html`, ['video'])).toBe(false);
    expect(ask('media', 'http://127.0.0.1:8091/handheld.html', ['video'])).toBe(false);
    expect(ask('media', 'http://127.0.0.1:8090@127.0.0.1:8091/handheld.html', ['video'])).toBe(false);
    expect(ask('media', undefined, ['video'])).toBe(false);
    for (const p of ['display-capture', 'notifications', 'geolocation', 'clipboard-read', 'serial', 'usb', 'hid', 'openExternal', 'fullscreen', 'pointerLock']) {
      expect(ask(p, `${NODE}/handheld.html`, ['video']), p).toBe(false);
    }
  });
});

describe('kiosk mode shortcuts', () => {
  const key = (k: string, mods: Partial<Record<'control' | 'meta' | 'shift' | 'alt', boolean>> = {}) => shortcutBlocked({ key: k, control: false, meta: false, shift: false, alt: false, ...mods });

  it('swallows DevTools, reload, full screen, close, quit and zoom', () => {
    expect(key('F12')).toBe(true);
    expect(key('I', { control: true, shift: true })).toBe(true);
    expect(key('j', { control: true, shift: true })).toBe(true);
    expect(key('C', { control: true, shift: true })).toBe(true);
    expect(key('i', { meta: true, alt: true })).toBe(true);
    expect(key('F5')).toBe(true);
    expect(key('r', { control: true })).toBe(true);
    expect(key('R', { meta: true, shift: true })).toBe(true);
    expect(key('F11')).toBe(true);
    expect(key('w', { control: true })).toBe(true);
    expect(key('q', { meta: true })).toBe(true);
    expect(key('+', { control: true })).toBe(true);
    expect(key('0', { control: true })).toBe(true);
  });

  it('lets through what the pages use: typing, the POS keys, copy and paste', () => {
    for (const k of ['a', 'I', 'Enter', 'F2', 'F4', 'F8', 'Backspace', '4']) expect(key(k), k).toBe(false);
    expect(key('c', { control: true })).toBe(false);
    expect(key('v', { control: true })).toBe(false);
    expect(key('i', { shift: true })).toBe(false);
  });
});

describe('the kiosk marker cookie', () => {
  it('is a session cookie: gone when the shell closes', () => {
    expect(screenCookie(windowPlan(['electron', '.', '--page=kiosk'], {}), NODE).set).not.toHaveProperty('expirationDate');
  });

  it('is set for a kiosk page’s window (httpOnly, sameSite strict, path /) and cleared for any other page', () => {
    expect(screenCookie(windowPlan(['electron', '.', '--page=kiosk'], {}), NODE)).toEqual({
      set: { url: `${NODE}/`, name: 'sf_screen', value: 'kiosk', path: '/', httpOnly: true, sameSite: 'strict' },
    });
    expect(screenCookie(windowPlan(['electron', '.', '--page=pos', '--kiosk'], {}), NODE)).toEqual({ remove: { url: `${NODE}/`, name: 'sf_screen' } });
  });
});

// electron/main.mjs itself, run under plain Node with a stand-in for Electron's API (tests/support/electron-stub).
describe('the Electron shell’s main process', () => {
  const main = fileURLToPath(new URL('../electron/main.mjs', import.meta.url));
  const stub = new URL('./support/electron-stub/register.mjs', import.meta.url).href;
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    child = undefined;
  });

  /** Starts the shell; `lines` collects its stdout as parsed JSON lines (the stub's reports and the shell's logs). */
  const shell = (args: string[], env: Record<string, string> = {}) => {
    const dir = mkdtempSync(join(tmpdir(), 'sf-shell-'));
    child = spawn(process.execPath, ['--import', stub, main, ...args], {
      env: { ...process.env, PORT: '0', STORE_DB: join(dir, 'store.sqlite'), LOG_LEVEL: 'info', STORE_LOOPBACK_ROLE: 'lane', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const lines: any[] = [];
    let stderr = '';
    let rest = '';
    child.stdout!.setEncoding('utf8').on('data', (d: string) => {
      const parts = (rest + d).split('\n');
      rest = parts.pop()!;
      for (const p of parts) lines.push(JSON.parse(p));
    });
    child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const exited = new Promise<number | null>((resolve) => child!.once('exit', (code) => resolve(code)));
    const until = async <T>(what: string, find: () => T | undefined): Promise<T> => {
      const deadline = Date.now() + 90_000;
      for (;;) {
        const found = find();
        if (found !== undefined) return found;
        if (child!.exitCode !== null || Date.now() > deadline) throw new Error(`no ${what}; exit ${child!.exitCode}; stdout ${JSON.stringify(lines)}; stderr ${stderr}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    return { lines, exited, until, stderr: () => stderr };
  };

  it('runs a kiosk page’s node as a kiosk machine: its window is a kiosk without any cookie', async () => {
    const s = shell(['--page=kiosk']);
    const loaded: string = await s.until('page load', () => s.lines.find((l) => l.stub?.loaded)?.stub.loaded);
    const base = new URL(loaded).origin;
    expect(new URL(loaded).pathname).toBe('/kiosk.html');
    expect(s.lines.find((l) => 'menu' in (l.stub ?? {}))).toEqual({ stub: { menu: null } }); // kiosk mode without --kiosk
    const sale = await fetch(`${base}/api/pos/sales`, { method: 'POST' }); // no cookie, from the machine itself
    expect(sale.status).toBe(403);
    expect(((await sale.json()) as { detail: string }).detail).toBe(KIOSK_REFUSAL);
    expect((await fetch(`${base}/api/catalog/products`)).status).toBe(200);
  }, 120_000);

  it('a POS page’s node stays a lane', async () => {
    const s = shell(['--page=pos']);
    const loaded: string = await s.until('page load', () => s.lines.find((l) => l.stub?.loaded)?.stub.loaded);
    expect((await fetch(`${new URL(loaded).origin}/api/pos/sales`, { method: 'POST' })).status).toBe(201);
  }, 120_000);

  it('a bug (an uncaught exception) is logged and the shell exits 70 for its supervisor, with no error dialog', async () => {
    const s = shell(['--page=kiosk'], { STORE_LOOPBACK_ROLE: 'kiosk', STUB_ELECTRON_THROW: '1' });
    expect(await s.exited).toBe(70);
    const fatal = s.lines.find((l) => l.level === 60);
    expect(fatal).toMatchObject({ name: 'electron-shell', msg: 'uncaught exception; exiting for the supervisor to restart this process', err: { message: 'a bug in a window callback' } });
    expect(s.lines).toContainEqual({ stub: { exit: 70 } }); // through app.exit
    expect(s.stderr()).toBe('');
  }, 120_000);

  it('a start-up failure (an unknown page) is logged and the shell exits 1', async () => {
    const s = shell(['--page=till']);
    expect(await s.exited).toBe(1);
    expect(s.lines.find((l) => l.level === 60)).toMatchObject({ msg: 'the store shell cannot start', err: { message: '--page must be one of pos, kiosk, pickup, handheld, not "till"' } });
    expect(s.stderr()).toBe('');
  }, 120_000);
});
