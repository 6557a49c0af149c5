import { describe, expect, it } from 'vitest';
// @ts-expect-error: a plain .mjs module of the Electron shell, without type declarations
import { windowPlan } from '../electron/window-plan.mjs';

describe('the Electron shell’s window plan', () => {
  it('opens the POS lane by default, in a normal window with Node kept out of the page', () => {
    const plan = windowPlan(['electron', '.'], {});
    expect(plan.path).toBe('/pos.html');
    expect(plan.window).toMatchObject({ kiosk: false, fullscreen: false, webPreferences: { contextIsolation: true, nodeIntegration: false, sandbox: true } });
  });

  it('opens the kiosk full-screen in kiosk mode by a flag or the environment', () => {
    expect(windowPlan(['electron', '.', '--page=kiosk', '--kiosk'], {})).toMatchObject({ path: '/kiosk.html', window: { kiosk: true, fullscreen: true } });
    expect(windowPlan(['electron', '.'], { STORE_PAGE: 'pickup', STORE_KIOSK: '1' })).toMatchObject({ path: '/pickup.html', window: { kiosk: true } });
  });

  it('refuses an unknown page with a clear message', () => {
    expect(() => windowPlan(['electron', '.', '--page=till'], {})).toThrow('--page must be one of pos, kiosk, pickup, handheld, not "till"');
  });
});
