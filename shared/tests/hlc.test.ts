import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { HybridClock, hlcCompare, hlcDecode, hlcEncode, hlcReceive, hlcTick, hlcZero, type Hlc } from '../src/hlc.js';

const hlcArb = fc.record({
  wallMs: fc.integer({ min: 0, max: 2 ** 44 }),
  counter: fc.integer({ min: 0, max: 0xffff }),
  node: fc.constantFrom('storeA', 'storeB', 'hub'),
});
const physical = fc.integer({ min: 0, max: 2 ** 44 });

describe('hybrid logical clock', () => {
  it('ticks strictly upwards whatever the physical clock does', () => {
    fc.assert(
      fc.property(fc.array(physical, { minLength: 1, maxLength: 200 }), (times) => {
        let t = hlcZero('storeA');
        for (const p of times) {
          const next = hlcTick(t, p);
          expect(hlcCompare(next, t)).toBe(1);
          t = next;
        }
      }),
    );
  });

  it('orders a receive after both the local clock and the message', () => {
    fc.assert(
      fc.property(hlcArb, hlcArb, physical, (local, remote, p) => {
        const merged = hlcReceive({ ...local, node: 'storeA' }, { ...remote, node: 'hub' }, p);
        expect(hlcCompare(merged, { ...local, node: 'storeA' })).toBe(1);
        expect(hlcCompare(merged, { ...remote, node: 'hub' })).toBe(1);
        expect(merged.wallMs).toBeGreaterThanOrEqual(p);
      }),
    );
  });

  it('keeps causality across nodes whose clocks are 24 h apart', () => {
    const day = 86_400_000;
    const base = 1_800_000_000_000;
    const storeA = new HybridClock('storeA', () => base + day); // a day ahead
    const hub = new HybridClock('hub', () => base);
    const storeB = new HybridClock('storeB', () => base - day); // a day behind
    const sent = storeA.tick();
    const atHub = hub.receive(sent);
    const forwarded = hub.tick();
    const atB = storeB.receive(forwarded);
    const bLocal = storeB.tick();
    expect(hlcCompare(sent, atHub)).toBe(-1);
    expect(hlcCompare(atHub, forwarded)).toBe(-1);
    expect(hlcCompare(forwarded, atB)).toBe(-1);
    expect(hlcCompare(atB, bLocal)).toBe(-1);
  });

  it('borrows a millisecond when the counter would overflow', () => {
    const t: Hlc = { wallMs: 10, counter: 0xffff, node: 'n' };
    expect(hlcTick(t, 5)).toEqual({ wallMs: 11, counter: 0, node: 'n' });
  });

  it('encodes to strings that sort like the clocks', () => {
    fc.assert(
      fc.property(hlcArb, hlcArb, (a, b) => {
        const byString = hlcEncode(a) < hlcEncode(b) ? -1 : hlcEncode(a) > hlcEncode(b) ? 1 : 0;
        expect(byString).toBe(hlcCompare(a, b));
        expect(hlcDecode(hlcEncode(a))).toEqual(a);
      }),
    );
  });

  it('refuses to decode garbage', () => {
    expect(() => hlcDecode('yesterday')).toThrow('not an HLC timestamp: yesterday');
  });
});
