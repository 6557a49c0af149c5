import { describe, expect, it } from 'vitest';
// biome-ignore format: the expect-error directive below must stay on the line before the module name
// @ts-expect-error: a plain .mjs module of the Electron shell, without type declarations
import { errorPage, NO_CRASHES, RECOVERY_DEFAULTS, recoveryPolicy, rendererGone } from '../electron/screen-recovery.mjs';
// biome-ignore format: the expect-error directive below must stay on the line before the module name
// @ts-expect-error: a plain .mjs module of the Electron shell, without type declarations
import { startFailure } from '../electron/start-failure.mjs';
// biome-ignore format: the expect-error directive below must stay on the line before the module name
// @ts-expect-error: a plain .mjs module of the Electron shell, without type declarations
import { updatePlan } from '../electron/update-plan.mjs';
// biome-ignore format: the expect-error directive below must stay on the line before the module name
// @ts-expect-error: a plain .mjs module of the Electron shell, without type declarations
import { laneCookie, navigationAllowed, nodeConfig, permissionAllowed, screenCookie, shortcutBlocked, windowPlan } from '../electron/window-plan.mjs';

const NODE = 'http://127.0.0.1:8090';

describe('the Electron shell’s window plan', () => {
  it('opens the POS lane by default, in a normal window with Node kept out of the page', () => {
    const plan = windowPlan(['electron', '.'], {});
    expect(plan.path).toBe('/pos.html');
    expect(plan.window).toMatchObject({
      kiosk: false,
      fullscreen: false,
      webPreferences: {
        contextIsolation: true,
        nodeIntegration: false,
        sandbox: true,
        webviewTag: false,
        devTools: true,
      },
    });
  });

  it('opens the kiosk full-screen in kiosk mode by a flag or the environment, without DevTools', () => {
    expect(windowPlan(['electron', '.', '--page=kiosk', '--kiosk'], {})).toMatchObject({
      path: '/kiosk.html',
      kiosk: true,
      window: { kiosk: true, fullscreen: true, webPreferences: { devTools: false } },
    });
    expect(windowPlan(['electron', '.'], { STORE_PAGE: 'pickup', STORE_KIOSK: '1' })).toMatchObject({
      path: '/pickup.html',
      window: { kiosk: true },
    });
  });

  it('always locks the kiosk page, with or without --kiosk: no DevTools, no menu, full screen', () => {
    for (const plan of [
      windowPlan(['electron', '.', '--page=kiosk'], {}),
      windowPlan(['electron', '.'], { STORE_PAGE: 'kiosk' }),
      windowPlan(['electron', '.', '--page=kiosk'], { STORE_KIOSK: '0' }),
    ]) {
      expect(plan).toMatchObject({
        page: 'kiosk',
        kiosk: true,
        window: { kiosk: true, fullscreen: true, webPreferences: { devTools: false } },
      });
    }
    expect(windowPlan(['electron', '.', '--page=pos'], {})).toMatchObject({
      kiosk: false,
      window: { webPreferences: { devTools: true } },
    });
  });

  it('runs the node of a kiosk page as a kiosk machine (loopbackRole kiosk), on loopback; other pages keep the configured role', () => {
    const env = { dbPath: '/tmp/x.sqlite', host: '0.0.0.0', loopbackRole: 'lane', port: 8090 };
    expect(nodeConfig(windowPlan(['electron', '.', '--page=kiosk'], {}), env)).toEqual({
      dbPath: '/tmp/x.sqlite',
      host: '127.0.0.1',
      loopbackRole: 'kiosk',
      port: 8090,
    });
    expect(nodeConfig(windowPlan(['electron', '.', '--page=pos', '--kiosk'], {}), env)).toEqual({
      ...env,
      host: '127.0.0.1',
    });
    expect(nodeConfig(windowPlan(['electron', '.', '--page=pickup'], {}), { port: 1 })).toEqual({
      port: 1,
      host: '127.0.0.1',
    });
  });

  it('refuses an unknown page with a clear message', () => {
    expect(() => windowPlan(['electron', '.', '--page=till'], {})).toThrow(
      '--page must be one of pos, kiosk, pickup, handheld, not "till"',
    );
    expect(() => windowPlan(['electron', '.', '--page=constructor'], {})).toThrow('not "constructor"');
  });

  it('takes --page only from the page table: no inherited name, no value with more after it, once', () => {
    for (const name of ['toString', '__proto__', 'hasOwnProperty', 'valueOf', '']) {
      expect(() => windowPlan(['electron', '.', `--page=${name}`], {}), name).toThrow(
        `--page must be one of pos, kiosk, pickup, handheld, not "${name}"`,
      );
    }
    expect(() => windowPlan(['electron', '.'], { STORE_PAGE: 'toString' })).toThrow('not "toString"');
    expect(() => windowPlan(['electron', '.', '--page=pos=kiosk'], {})).toThrow('not "pos=kiosk"'); // was read as "pos"
    expect(() => windowPlan(['electron', '.', '--page'], {})).toThrow('--page needs a value: --page=…');
    expect(() => windowPlan(['electron', '.', '--page=pos', '--page=kiosk'], {})).toThrow(
      '--page is given 2 times: give it once',
    );
  });

  it('reads --kiosk strictly: --kiosk=0 and =false are off, --kiosk, =1 and =true on, anything else refused', () => {
    const kiosk = (...args: string[]) => windowPlan(['electron', '.', '--page=pos', ...args], {}).window.kiosk;
    expect(kiosk('--kiosk=0')).toBe(false); // turned kiosk mode on
    expect(kiosk('--kiosk=false')).toBe(false);
    expect(kiosk()).toBe(false);
    expect(kiosk('--kiosk')).toBe(true);
    expect(kiosk('--kiosk=1')).toBe(true);
    expect(kiosk('--kiosk=true')).toBe(true);
    for (const v of ['yes', 'on', '', '2', 'TRUE'])
      expect(() => kiosk(`--kiosk=${v}`), v).toThrow(`--kiosk must be 1, 0, true or false, not "${v}"`);
    expect(() => kiosk('--kiosk', '--kiosk=0')).toThrow('--kiosk is given 2 times: give it once');
    expect(() => windowPlan(['electron', '.', '--page=kiosk', '--kiosk=yes'], {})).toThrow(
      '--kiosk must be 1, 0, true or false, not "yes"',
    );
  });

  it('reads STORE_KIOSK the same way (empty is off), and a flag wins over it', () => {
    const kiosk = (env: Record<string, string>, ...args: string[]) => windowPlan(['electron', '.', ...args], env).kiosk;
    expect(kiosk({ STORE_KIOSK: '0' })).toBe(false);
    expect(kiosk({ STORE_KIOSK: '' })).toBe(false);
    expect(kiosk({ STORE_KIOSK: 'true' })).toBe(true);
    expect(kiosk({ STORE_KIOSK: '1' }, '--kiosk=0')).toBe(false);
    expect(() => kiosk({ STORE_KIOSK: 'on' })).toThrow('STORE_KIOSK must be 1, 0, true or false, not "on"');
  });
});

describe('the window stays on the store node', () => {
  it('allows the node’s own pages, whatever the path or query', () => {
    for (const url of [
      `${NODE}/kiosk.html`,
      `${NODE}/`,
      `${NODE}/pair.html?then=%2Fhandheld.html`,
      `${NODE}/shared/dom.js#x`,
    ])
      expect(navigationAllowed(NODE, url), url).toBe(true);
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
  const ask = (permission: string, requestingUrl: string | undefined, mediaTypes?: string[]) =>
    permissionAllowed(NODE, { permission, requestingUrl, mediaTypes });

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
    for (const p of [
      'display-capture',
      'notifications',
      'geolocation',
      'clipboard-read',
      'serial',
      'usb',
      'hid',
      'openExternal',
      'fullscreen',
      'pointerLock',
    ]) {
      expect(ask(p, `${NODE}/handheld.html`, ['video']), p).toBe(false);
    }
  });
});

describe('kiosk mode shortcuts', () => {
  const key = (k: string, mods: Partial<Record<'control' | 'meta' | 'shift' | 'alt', boolean>> = {}) =>
    shortcutBlocked({ key: k, control: false, meta: false, shift: false, alt: false, ...mods });

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

describe('the screen marker cookie', () => {
  it('is a session cookie: gone when the shell closes', () => {
    expect(screenCookie(windowPlan(['electron', '.', '--page=kiosk'], {}), NODE).set).not.toHaveProperty(
      'expirationDate',
    );
  });

  it('is set for a kiosk, POS or pickup page’s window (httpOnly, sameSite strict, path /) and cleared for the back office', () => {
    for (const page of ['kiosk', 'pos', 'pickup'])
      expect(screenCookie(windowPlan(['electron', '.', `--page=${page}`], {}), NODE), page).toEqual({
        set: { url: `${NODE}/`, name: 'sf_screen', value: page, path: '/', httpOnly: true, sameSite: 'strict' },
      });
    expect(screenCookie(windowPlan(['electron', '.', '--page=pos', '--kiosk'], {}), NODE).set?.value).toBe('pos');
    expect(screenCookie(windowPlan(['electron', '.', '--page=handheld'], {}), NODE)).toEqual({
      remove: { url: `${NODE}/`, name: 'sf_screen' },
    });
  });

  it('makes a POS window started with --lane=N that lane of the store (sf_lane, 1–99), and no other window a lane', () => {
    const plan = windowPlan(['electron', '.', '--page=pos', '--lane=12'], {});
    expect(plan.lane).toBe(12);
    expect(laneCookie(plan, NODE)).toEqual({
      set: { url: `${NODE}/`, name: 'sf_lane', value: '12', path: '/', httpOnly: true, sameSite: 'strict' },
    });
    // Without --lane the POS window is the node's lane (STORE_LANE), and a lane left by an earlier run is cleared.
    for (const args of [['--page=pos'], ['--page=kiosk'], ['--page=handheld']])
      expect(laneCookie(windowPlan(['electron', '.', ...args], {}), NODE), args[0]).toEqual({
        remove: { url: `${NODE}/`, name: 'sf_lane' },
      });
    for (const bad of ['0', '100', '07', '3.5', 'three', ''])
      expect(() => windowPlan(['electron', '.', '--page=pos', `--lane=${bad}`], {}), bad).toThrow(
        `--lane must be a whole number from 1 to 99, not "${bad}"`,
      );
    expect(() => windowPlan(['electron', '.', '--page=pos', '--lane'], {})).toThrow('--lane needs a value: --lane=…');
    expect(() => windowPlan(['electron', '.', '--page=pos', '--lane=3', '--lane=4'], {})).toThrow(
      '--lane is given 2 times: give it once',
    );
    expect(() => windowPlan(['electron', '.', '--page=kiosk', '--lane=3'], {})).toThrow(
      '--lane is for a POS window (--page=pos), not "kiosk"',
    );
  });
});

/** The text a person reads on a data: page, tags dropped. */
const pageText = (dataUrl: string) =>
  decodeURIComponent(dataUrl.replace(/^data:text\/html;charset=utf-8,/, ''))
    .replace(/<style>.*?<\/style>/s, '')
    .replace(/<[^>]+>/g, ' ');

describe('a crashed or hung page', () => {
  const crash = (reason = 'crashed') => ({ reason, exitCode: 133 });

  it('is reloaded, and after three crashes in two minutes the window shows a plain page that says so and retries', () => {
    let step = rendererGone(NO_CRASHES, crash(), 1_000);
    expect(step.effect).toEqual({ do: 'reload' });
    step = rendererGone(step.state, crash(), 20_000);
    expect(step.effect).toEqual({ do: 'reload' });
    step = rendererGone(step.state, crash('oom'), 40_000);
    expect(step.effect).toMatchObject({ do: 'error-page', retryMs: 30_000 });
    expect(step.effect.html).toMatch(/^data:text\/html;charset=utf-8,/);
    const text = pageText(step.effect.html);
    expect(text).toContain('This screen stopped working');
    expect(text).toContain('Its page stopped 3 times in 2 minutes; the last time it ran out of memory.');
    expect(text).toContain('The store node on this computer is still running');
    expect(text).toContain('Trying again in 30 seconds.');
    expect(decodeURIComponent(step.effect.html)).not.toContain('<script');
  });

  it('keeps reloading a page that crashes now and then (crashes older than the window are forgotten)', () => {
    let state = NO_CRASHES;
    for (let i = 0; i < 10; i++) {
      const step = rendererGone(state, crash(), i * 61_000);
      expect(step.effect, `crash ${i}`).toEqual({ do: 'reload' });
      state = step.state;
    }
  });

  it('shows the error page again for each crash past the limit, and ignores a clean exit', () => {
    let state = NO_CRASHES;
    for (const t of [0, 1, 2]) state = rendererGone(state, crash(), t).state;
    expect(rendererGone(state, crash('killed'), 30_003).effect).toMatchObject({ do: 'error-page' });
    expect(pageText(rendererGone(state, crash('killed'), 30_003).effect.html)).toContain(
      'it was stopped (hung, or ended by the system)',
    );
    expect(rendererGone(state, { reason: 'clean-exit', exitCode: 0 }, 30_003)).toEqual({
      state,
      effect: { do: 'nothing' },
    });
  });

  it('takes its limits from the environment, refusing values that are not positive whole numbers', () => {
    expect(recoveryPolicy({})).toEqual(RECOVERY_DEFAULTS);
    expect(recoveryPolicy({ STORE_CRASH_MAX: '5', STORE_CRASH_RETRY_MS: '1000', STORE_HANG_MS: '' })).toEqual({
      ...RECOVERY_DEFAULTS,
      maxCrashes: 5,
      retryMs: 1000,
    });
    expect(() => recoveryPolicy({ STORE_CRASH_MAX: '0' })).toThrow(
      'STORE_CRASH_MAX must be a positive whole number, not "0"',
    );
    expect(() => recoveryPolicy({ STORE_HANG_MS: '1e99' })).toThrow(
      'STORE_HANG_MS must be a positive whole number, not "1e99"',
    );
  });

  it('escapes what it shows', () => {
    expect(pageText(errorPage('<b>x</b>', ['a & <script>alert(1)</script>']))).toContain('&lt;b&gt;x&lt;/b&gt;');
    expect(decodeURIComponent(errorPage('t', ['<script>alert(1)</script>']))).not.toContain('<script>');
  });
});

describe('a shell that cannot start', () => {
  it('says in plain words that the port is taken and what to do', () => {
    const err = Object.assign(new Error('listen EADDRINUSE: address already in use 127.0.0.1:8090'), {
      code: 'EADDRINUSE',
      port: 8090,
    });
    expect(startFailure(err, { port: 8090 })).toEqual({
      title: 'Storefleet Store cannot start',
      text:
        'Port 8090 on this computer is already in use by another program, so the store node cannot open its screens. ' +
        'Close that program (or another copy of Storefleet Store started from another account), or set PORT to a free port, then start Storefleet Store again.',
    });
  });

  it('gives a configuration error’s message, without a stack', () => {
    const { text } = startFailure(new Error('--kiosk must be 1, 0, true or false, not "yes"'));
    expect(text).toBe(
      '--kiosk must be 1, 0, true or false, not "yes". The details are in the store node\'s log. Fix the setting, then start Storefleet Store again.',
    );
    expect(text).not.toContain('    at ');
  });
});

describe('the update channel', () => {
  it('is off unless STORE_UPDATE_URL is set', () => {
    expect(updatePlan({})).toEqual({ enabled: false, reason: 'STORE_UPDATE_URL is not set' });
    expect(updatePlan({ STORE_UPDATE_URL: ' ' })).toMatchObject({ enabled: false });
  });

  it('checks the generic feed at STORE_UPDATE_URL every six hours, or as configured', () => {
    expect(updatePlan({ STORE_UPDATE_URL: 'https://hub.example/registry/store-shell/' })).toEqual({
      enabled: true,
      feed: { provider: 'generic', url: 'https://hub.example/registry/store-shell/', channel: 'latest' },
      intervalMs: 6 * 3600_000,
    });
    expect(
      updatePlan({ STORE_UPDATE_URL: 'http://10.0.0.1:8080/u', STORE_UPDATE_INTERVAL_MS: '600000' }),
    ).toMatchObject({ intervalMs: 600_000 });
  });

  it('refuses a URL that is not http(s), carries credentials, or an interval under a minute', () => {
    expect(() => updatePlan({ STORE_UPDATE_URL: 'hub/updates' })).toThrow(
      'STORE_UPDATE_URL must be an http(s) URL, not "hub/updates"',
    );
    expect(() => updatePlan({ STORE_UPDATE_URL: 'file:///srv/updates' })).toThrow('must be an http(s) URL');
    expect(() => updatePlan({ STORE_UPDATE_URL: 'https://u:p@hub.example/u' })).toThrow(
      'STORE_UPDATE_URL must not carry a user name or password',
    );
    expect(() => updatePlan({ STORE_UPDATE_URL: 'https://hub.example/u', STORE_UPDATE_INTERVAL_MS: '1000' })).toThrow(
      'STORE_UPDATE_INTERVAL_MS must be a whole number of at least 60000, not "1000"',
    );
  });
});
