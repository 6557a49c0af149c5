import { describe, expect, it } from 'vitest';
import { type DepotSnapshot, onlyThePlanChanged } from '../planning/route-repository.js';

/**
 * Whether a plan may remember a depot's inputs as its own transaction read them after its writes (planning/replan.ts):
 * only when nothing but its own writes changed since it read the depot under the lock. Otherwise the sweep would take
 * another caller's change as planned and pass the depot by.
 */
const snap = (o: { vans?: string; open: Record<string, number>; closed?: Record<string, number> }): DepotSnapshot =>
  ({
    vansKey: o.vans ?? '[["van-1",1,true]]',
    before: new Map(Object.keys(o.open).map((id) => [id, { carrierId: 'van-1', collectBy: null }])),
    versions: new Map(Object.entries({ ...o.open, ...(o.closed ?? {}) })),
  }) as unknown as DepotSnapshot;

describe('what a re-plan may take as its own doing', () => {
  const locked = snap({ open: { a: 1, b: 4 }, closed: { done: 7 } });

  it('its own writes: the deliveries it planned moved on a version', () => {
    expect(onlyThePlanChanged(locked, snap({ open: { a: 2, b: 5 }, closed: { done: 7 } }), new Set(['a', 'b']))).toBe(
      true,
    );
  });

  it('nothing at all, and a finished delivery it took off a route', () => {
    expect(onlyThePlanChanged(locked, snap({ open: { a: 1, b: 4 }, closed: { done: 7 } }), new Set())).toBe(true);
    expect(onlyThePlanChanged(locked, snap({ open: { a: 1, b: 4 } }), new Set())).toBe(true);
  });

  it('not a delivery another caller added meanwhile, open or on a route', () => {
    expect(onlyThePlanChanged(locked, snap({ open: { a: 1, b: 4, c: 1 }, closed: { done: 7 } }), new Set())).toBe(
      false,
    );
    expect(onlyThePlanChanged(locked, snap({ open: { a: 1, b: 4 }, closed: { done: 7, x: 1 } }), new Set())).toBe(
      false,
    );
  });

  it('not a delivery changed by someone else — one the plan only reported as unfit included', () => {
    expect(onlyThePlanChanged(locked, snap({ open: { a: 2, b: 4 }, closed: { done: 7 } }), new Set(['b']))).toBe(false);
    expect(onlyThePlanChanged(locked, snap({ open: { a: 1, b: 4 }, closed: { done: 8 } }), new Set(['a', 'b']))).toBe(
      false,
    );
  });

  it('not an open delivery gone (cancelled, handed to a driver) or a van changed', () => {
    expect(onlyThePlanChanged(locked, snap({ open: { a: 1 }, closed: { b: 5, done: 7 } }), new Set())).toBe(false);
    expect(
      onlyThePlanChanged(
        locked,
        snap({ vans: '[["van-1",2,false]]', open: { a: 1, b: 4 }, closed: { done: 7 } }),
        new Set(),
      ),
    ).toBe(false);
  });
});
