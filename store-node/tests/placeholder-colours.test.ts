import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const css = readFileSync(new URL('../src/ui/static/store.css', import.meta.url), 'utf8');

/** WCAG 2 relative luminance and contrast ratio of two #rrggbb colours. */
const luminance = (hex: string) => {
  const [r, g, b] = [1, 3, 5].map((i) => {
    const c = Number.parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  }) as [number, number, number];
  return 0.2126 * r + 0.7152 * g + 0.0722 * b;
};
const contrast = (a: string, b: string) => {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x) as [number, number];
  return (hi + 0.05) / (lo + 0.05);
};

describe('the category placeholders (store.js placeholder(), store.css .ph-0 … .ph-7)', () => {
  it('has eight colours, each ink readable on its tint (7:1 or more), all of them different', () => {
    const pairs = [...css.matchAll(/\.ph-(\d) \{\s*--ph-tint: (#[0-9a-f]{6});\s*--ph-ink: (#[0-9a-f]{6});/g)].map(
      ([, n, tint, ink]) => ({ n: Number(n), tint: tint!, ink: ink!, ratio: contrast(tint!, ink!) }),
    );
    expect(pairs.map((p) => p.n)).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    for (const p of pairs) expect(p.ratio, `.ph-${p.n}`).toBeGreaterThanOrEqual(7);
    expect(new Set(pairs.map((p) => p.tint)).size).toBe(8);
    // One placeholder block: no page keeps a palette of its own.
    expect(css).not.toMatch(/\.tile\.c\d|\.kiosk-page \.ph-\d/);
  });
});
