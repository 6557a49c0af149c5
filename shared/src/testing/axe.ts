import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import type { Page } from 'playwright-core';

/** One accessibility failure as axe-core reports it, cut down to what a test message needs. */
export interface AxeFinding {
  readonly id: string;
  readonly impact: string;
  readonly help: string;
  /** CSS selectors of the offending elements (at most five). */
  readonly targets: readonly string[];
}

let source: string | undefined;
const axeSource = () => {
  source ??= readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');
  return source;
};

/**
 * Runs axe-core (WCAG 2.x A and AA rules plus best practices) on the page as it is now and returns the violations
 * of impact `serious` or `critical`: the issues a test asserts to be none. Pass `within` to check one part of the page.
 */
export async function seriousAxeViolations(page: Page, within?: string): Promise<AxeFinding[]> {
  const loaded = await page.evaluate(() => typeof (globalThis as { axe?: unknown }).axe !== 'undefined');
  // Evaluated, not added as a <script>: the pages' Content-Security-Policy (script-src 'self') refuses inline scripts.
  if (!loaded) await page.evaluate(axeSource());
  const found = await page.evaluate(async (context) => {
    interface Violation {
      id: string;
      impact: string | null;
      help: string;
      nodes: { target: unknown }[];
    }
    type Axe = { run: (c: unknown, o: unknown) => Promise<{ violations: Violation[] }> };
    const axe = (globalThis as unknown as { axe: Axe }).axe;
    const result = await axe.run(context ?? (globalThis as unknown as { document: unknown }).document, {
      resultTypes: ['violations'],
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: String(v.impact),
      help: v.help,
      targets: v.nodes.slice(0, 5).map((n) => String(n.target)),
    }));
  }, within ?? null);
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}

/** The findings as lines a failing assertion shows: `color-contrast (serious): … at .badge.warn`. */
export function describeAxe(findings: readonly AxeFinding[]): string {
  return findings.map((f) => `${f.id} (${f.impact}): ${f.help} at ${f.targets.join(', ')}`).join('\n');
}
