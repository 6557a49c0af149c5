import { describe, expect, it } from 'vitest';
import { fullRefundUntil, refundFor, refundRule } from '../refunds.js';

const HOUR = 3_600_000;
const startsAt = Date.UTC(2026, 11, 5, 19, 30);

describe('booking refund rules', () => {
  it('refunds in full up to exactly the cutoff before the show, and nothing a millisecond later', () => {
    const base = { amountMinor: 4500, startsAt, cutoffHours: 24 };
    expect(refundFor({ ...base, now: startsAt - 48 * HOUR }).refundMinor).toBe(4500);
    expect(refundFor({ ...base, now: startsAt - 24 * HOUR }).refundMinor).toBe(4500);
    expect(refundFor({ ...base, now: startsAt - 24 * HOUR + 1 }).refundMinor).toBe(0);
    expect(refundFor({ ...base, now: startsAt - HOUR }).refundMinor).toBe(0);
    expect(refundFor({ ...base, now: startsAt - 24 * HOUR }).rule).toBe(
      'full refund up to 24 h before the show, none after',
    );
  });

  it('a show the venue cancelled refunds in full, even after the cutoff and after it started', () => {
    const c = { amountMinor: 4500, startsAt, cutoffHours: 24, showCancelled: true };
    expect(refundFor({ ...c, now: startsAt - HOUR })).toEqual({
      refundMinor: 4500,
      rule: 'the show was cancelled: a full refund',
    });
    expect(refundFor({ ...c, now: startsAt + HOUR }).refundMinor).toBe(4500);
  });

  it('follows the configured cutoff: 48 h, and 0 (up to the start)', () => {
    expect(fullRefundUntil(startsAt, 48)).toBe(startsAt - 48 * HOUR);
    expect(refundFor({ amountMinor: 900, startsAt, cutoffHours: 48, now: startsAt - 30 * HOUR }).refundMinor).toBe(0);
    expect(refundFor({ amountMinor: 900, startsAt, cutoffHours: 48, now: startsAt - 48 * HOUR }).refundMinor).toBe(900);
    expect(refundFor({ amountMinor: 900, startsAt, cutoffHours: 0, now: startsAt }).refundMinor).toBe(900);
    expect(refundFor({ amountMinor: 900, startsAt, cutoffHours: 0, now: startsAt + 1 }).refundMinor).toBe(0);
    expect(refundRule(0)).toBe('full refund up to the start of the show, none after');
  });

  it('a free booking refunds nothing either way', () => {
    expect(refundFor({ amountMinor: 0, startsAt, cutoffHours: 24, now: startsAt - 48 * HOUR }).refundMinor).toBe(0);
  });
});
