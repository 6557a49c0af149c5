import { afterAll, beforeAll } from 'vitest';
import type { HubConfig } from '../../src/config.js';
import type { DbTarget } from './db-targets.js';
import { TestHub } from './test-hub.js';

/** A TestHub and its admin's session cookie, as `signedInHub` gives them (set from its beforeAll on). */
export interface SignedInHub {
  readonly t: TestHub;
  readonly admin: string;
}

/**
 * The usual setup of a describe block that tests one hub: starts it on `target` (with `overrides`) and signs the admin
 * in before its tests, stops it after them. Call it inside the describe; read `t` and `admin` inside tests and hooks.
 */
export function signedInHub(target: DbTarget, overrides: Partial<HubConfig> = {}): SignedInHub {
  const state: { t?: TestHub; admin?: string } = {};
  beforeAll(async () => {
    state.t = await TestHub.start(target, overrides);
    state.admin = await state.t.login();
  });
  afterAll(() => state.t?.stop());
  return {
    get t() {
      if (!state.t) throw new Error('the hub is not started yet: use it inside a test or a later hook');
      return state.t;
    },
    get admin() {
      if (state.admin === undefined)
        throw new Error('the admin is not signed in yet: use it inside a test or a later hook');
      return state.admin;
    },
  };
}
