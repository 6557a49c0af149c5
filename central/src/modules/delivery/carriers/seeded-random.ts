import { createHash } from 'node:crypto';

/**
 * A deterministic stream of numbers in [0, 1) from a text seed (sha-256 of it, then mulberry32): a simulated carrier
 * seeds it with its code and the order's number, so the same order offered to the same carrier gets the same answer
 * on every run and on every hub.
 */
export function seededRandom(seed: string): () => number {
  let a = createHash('sha256').update(seed).digest().readUInt32LE(0);
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}
