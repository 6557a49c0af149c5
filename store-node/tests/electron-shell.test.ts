import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs module of the Electron shell, without type declarations
import { navigationAllowed, permissionAllowed, screenCookie, shortcutBlocked, windowPlan } from '../electron/window-plan.mjs';

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
  it('is set for a kiosk page’s window (httpOnly, sameSite strict, path /) and cleared for any other page', () => {
    expect(screenCookie(windowPlan(['electron', '.', '--page=kiosk'], {}), NODE)).toEqual({
      set: { url: `${NODE}/`, name: 'sf_screen', value: 'kiosk', path: '/', httpOnly: true, sameSite: 'strict' },
    });
    expect(screenCookie(windowPlan(['electron', '.', '--page=pos', '--kiosk'], {}), NODE)).toEqual({ remove: { url: `${NODE}/`, name: 'sf_screen' } });
  });
});
