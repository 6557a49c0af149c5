import type { Page } from 'playwright-core';

/** Every visible button, input, select, tab and link smaller than 44×44 CSS px, as "what: w×h". */
export async function smallTargets(page: Page): Promise<string[]> {
  const small: string[] = [];
  for (const el of await page.locator('button, input, select, [role="tab"], a[href]').all()) {
    const box = await el.boundingBox();
    if (!box || !(await el.isVisible())) continue;
    if (box.width < 44 || box.height < 44) {
      const what = await el.evaluate((e) => `${e.tagName.toLowerCase()}#${e.id} “${e.textContent?.trim() ?? ''}”`);
      small.push(`${what}: ${Math.round(box.width)}×${Math.round(box.height)}`);
    }
  }
  return small;
}
