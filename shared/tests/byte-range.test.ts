import { describe, expect, it } from 'vitest';
import { byteRange } from '../src/index.js';

describe('byteRange (a GET Range header within a size)', () => {
  it('reads a-b, a- and the last n bytes, clipped to the size', () => {
    expect(byteRange('bytes=0-9', 100)).toEqual({ start: 0, end: 9 });
    expect(byteRange('bytes=90-', 100)).toEqual({ start: 90, end: 99 });
    expect(byteRange('bytes=90-500', 100)).toEqual({ start: 90, end: 99 });
    expect(byteRange('bytes=-10', 100)).toEqual({ start: 90, end: 99 });
    expect(byteRange('bytes=-500', 100)).toEqual({ start: 0, end: 99 });
  });
  it('is null for what cannot be satisfied or read', () => {
    for (const h of ['bytes=100-', 'bytes=5-4', 'bytes=-', 'items=0-1', 'bytes=0-1,3-4', 'bytes=1e3-', 'bytes=-0'])
      expect(byteRange(h, 100), h).toBeNull();
    expect(byteRange('bytes=0-0', 0)).toBeNull();
  });
});
