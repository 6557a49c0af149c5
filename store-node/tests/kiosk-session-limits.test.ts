import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { AppError, RateLimitedError, type CartView } from '@storefleet/shared';
import { KIOSK_CART_IDLE_MS, KioskCartSessions, MAX_SESSIONS } from '../src/carts/kiosk-sessions.js';
import { LOOKUP_BUDGET } from '../src/carts/lookup-budget.js';
import type { HubCall } from '../src/carts/hub-call.js';
import { NOT_FOUND_WORDS, ONE_LOOKUP_AT_A_TIME, TOO_MANY_CARTS } from '../src/carts/kiosk-words.js';

const STORE = '0190a4b2-0000-7000-8000-000000000001';
const ANA = '0190a4b2-0000-7000-8000-0000000000aa';
const empty: CartView = { lines: [], itemCount: 0, subtotalMinor: 0, fulfilment: { type: 'SHIP', storeId: null } };

/** A hub that knows Ana by e-mail; counts the look-ups it is asked. */
function fakeHub() {
  const lookups: string[] = [];
  const call: HubCall = async (_method, path, body) => {
    if (path === '/api/customers/lookup') {
      lookups.push(JSON.stringify(body));
      return (body as { email?: string }).email === 'ana@example.test'
        ? { status: 200, body: { customerId: ANA, firstName: 'Ana' } }
        : { status: 404, body: { detail: 'no customer account matches that card, phone number or email' } };
    }
    return { status: 200, body: empty as never };
  };
  return { call, lookups };
}
const sessions = (hub: HubCall, now: () => number) =>
  new KioskCartSessions(hub, { view: () => empty, priced: () => null } as never, STORE, (sku) => sku, now);

describe('one kiosk screen cannot spend the store’s look-ups', () => {
  it('a screen that keeps missing waits longer each time, then stops; another screen still opens carts', async () => {
    let now = 0;
    const hub = fakeHub();
    const s = sessions(hub.call, () => now);
    const miss = (screen: string, i: number) => s.open(`555 010 ${String(1000 + i)}`, screen);
    for (let i = 0; i < LOOKUP_BUDGET.FREE_MISSES; i++)
      await expect(miss('device:kiosk-a', i)).rejects.toThrow(NOT_FOUND_WORDS);
    // the next try from A must wait, and the wait grows with each miss
    const waits: number[] = [];
    for (let i = LOOKUP_BUDGET.FREE_MISSES; i < LOOKUP_BUDGET.MISSES_PER_HOUR; i++) {
      const refused = await miss('device:kiosk-a', i).catch((e: unknown) => e);
      expect(refused).toBeInstanceOf(RateLimitedError);
      waits.push((refused as RateLimitedError).retryAfterSeconds);
      now += (refused as RateLimitedError).retryAfterSeconds * 1000;
      await expect(miss('device:kiosk-a', i)).rejects.toThrow(NOT_FOUND_WORDS);
    }
    expect(waits).toEqual([...waits].sort((a, b) => a - b));
    expect(waits.at(-1)!).toBeGreaterThan(waits[0]!);
    // A's hour is spent: refused without asking the hub, even for a real customer
    const asked = hub.lookups.length;
    const spent = await s.open('ana@example.test', 'device:kiosk-a').catch((e: unknown) => e);
    expect(spent).toBeInstanceOf(RateLimitedError);
    expect((spent as Error).message).toMatch(/too many tries this hour. Please ask a member of staff/);
    expect(hub.lookups.length).toBe(asked);
    expect(hub.lookups.length).toBe(LOOKUP_BUDGET.MISSES_PER_HOUR);
    // screen B is untouched by A's misses
    expect((await s.open('ana@example.test', 'device:kiosk-b')).view.firstName).toBe('Ana');
    // an hour after A's misses, A looks up again
    now += LOOKUP_BUDGET.WINDOW_MS;
    expect((await s.open('ana@example.test', 'device:kiosk-a')).view.firstName).toBe('Ana');
  });

  it('a look-up that finds someone costs the screen nothing', async () => {
    const s = sessions(fakeHub().call, () => 0);
    for (let i = 0; i < LOOKUP_BUDGET.MISSES_PER_HOUR + 5; i++)
      expect((await s.open('ana@example.test', 'kiosk')).view.firstName).toBe('Ana');
  });
});

describe('parallel look-ups from one screen', () => {
  it('go to the hub one at a time: the others are refused (429), so they cannot all slip past the budget', async () => {
    const hub = fakeHub();
    // a hub that answers only when told to: every open is in flight at once
    const answers: Array<() => void> = [];
    const slow: HubCall = async (method, path, body) => {
      if (path === '/api/customers/lookup') await new Promise<void>((go) => answers.push(go));
      return hub.call(method, path, body);
    };
    const s = sessions(slow, () => 0);
    const tries = LOOKUP_BUDGET.MISSES_PER_HOUR * 2;
    const opens = Array.from({ length: tries }, (_, i) =>
      s.open(`555 010 ${String(2000 + i)}`, 'device:kiosk-a').catch((e: unknown) => e),
    );
    const other = s.open('ana@example.test', 'device:kiosk-b');
    await expect.poll(() => answers.length, { timeout: 30_000 }).toBe(2); // one per screen reached the hub
    for (const go of answers.splice(0)) go();
    const results = await Promise.all(opens);
    const refused = results.filter((r) => r instanceof RateLimitedError && r.message === ONE_LOOKUP_AT_A_TIME);
    expect(refused.length).toBe(tries - 1);
    expect((refused[0] as RateLimitedError).retryAfterSeconds).toBe(1);
    expect(hub.lookups.filter((l) => l.includes('555 010')).length).toBe(1);
    expect((await other).view.firstName).toBe('Ana'); // screen B was not held up by A
    // the first look-up is done: the screen looks up again (its one miss is among the free ones)
    const next = s.open('ana@example.test', 'device:kiosk-a');
    await expect.poll(() => answers.length, { timeout: 30_000 }).toBe(1);
    answers.splice(0)[0]!();
    expect((await next).view.firstName).toBe('Ana');
  });
});

describe('open kiosk carts at their limit', () => {
  it('ends the least recently used idle session for a newcomer, never one a customer touched within the idle time', async () => {
    let now = 0;
    const s = sessions(fakeHub().call, () => now);
    const tokens: string[] = [];
    for (let i = 0; i < MAX_SESSIONS; i++) tokens.push((await s.open('ana@example.test', `device:k${i}`)).token);
    now = 100_000;
    await s.view(tokens[0]!, 'device:k0'); // the first customer is still at it
    now = KIOSK_CART_IDLE_MS + 50_000; // everyone else has gone quiet
    const newcomer = await s.open('ana@example.test', 'device:new');
    expect(newcomer.view.firstName).toBe('Ana');
    expect((await s.view(tokens[0]!, 'device:k0')).firstName).toBe('Ana');
  });

  it('refuses a newcomer (503, in plain words) rather than end a live customer’s cart', async () => {
    const s = sessions(fakeHub().call, () => 0);
    const tokens: string[] = [];
    for (let i = 0; i < MAX_SESSIONS; i++) tokens.push((await s.open('ana@example.test', `device:k${i}`)).token);
    const refused = await s.open('ana@example.test', 'device:new').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(AppError);
    expect((refused as AppError).type).toBe('unavailable');
    expect((refused as AppError).message).toBe(TOO_MANY_CARTS);
    for (const i of [0, MAX_SESSIONS - 1]) expect((await s.view(tokens[i]!, `device:k${i}`)).firstName).toBe('Ana');
  });

  it('the kiosk page never waits longer than the node keeps a session', () => {
    const page = readFileSync(new URL('../src/ui/static/kiosk.js', import.meta.url), 'utf8');
    const max = /const IDLE_MS = Math\.min\((\d+),/.exec(page)?.[1];
    expect(Number(max) * 1000).toBeLessThanOrEqual(KIOSK_CART_IDLE_MS);
  });
});
