import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { describeAxe, seriousAxeViolations } from '@storefleet/shared/testing/axe';
import { TYPED_CODE_MAX_TRIES, typedCodeHash, type FeedEntry } from '@storefleet/shared';
import { createStoreNode, type StoreNode } from '../../src/index.js';
import { DESKTOP, haveChromium, launchChromium, pageErrors, screenshot } from '../support/browser.js';

const WAIT = { timeout: 30_000 };

describe.skipIf(!haveChromium && !process.env.CI)('a pickup code typed in the desk’s search box', () => {
  let node: StoreNode;
  let browser: Browser;
  let key: string;
  beforeAll(async () => {
    node = createStoreNode({
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-code-search-')), 's.sqlite'),
      port: 0,
      logLevel: 'silent',
      mode: 'test',
    });
    node.db
      .prepare(
        `INSERT INTO catalog_products (sku, gtin, name, brand, size, category, price_minor, currency, tax_class, updated_at)
         VALUES ('TEA-GREEN', NULL, 'Green tea, 20 bags', NULL, NULL, 'Drinks', 399, 'USD', 'ZERO', 1)`,
      )
      .run();
    await node.start();
    key = randomBytes(32).toString('base64url');
    node.bopis.saveTypedCodeKey(key);
    browser = await launchChromium();
  });
  afterAll(async () => {
    await browser?.close();
    await node?.stop();
  });
  const hold = (customerRef: string, orderNumber: string, code: string) => {
    const id = randomUUID();
    const payload = {
      id,
      customerRef,
      status: 'CONFIRMED',
      lines: [{ sku: 'TEA-GREEN', qty: 1 }],
      expiresAt: Date.now() + 72 * 3_600_000,
      createdAt: Date.now(),
      updatedAt: Date.now(),
      orderNumber,
      pickupCodeHash: typedCodeHash(key, code),
    };
    node.bopis.applyFeed({ seq: 0, type: 'reservation.changed', createdAt: Date.now(), payload } as FeedEntry);
    return id;
  };

  it('opens the hold and offers Hand over only after the code is checked against it; a locked hold stays shut', async () => {
    const open = hold('Mia Lopez', 'SF-30001', 'M7K4QH');
    const locked = hold('Noor Ali', 'SF-30002', 'N7K4QH');
    for (let i = 0; i < TYPED_CODE_MAX_TRIES; i++) node.bopis.verifyTyped(locked, 'XXX-XXX');
    const page = await browser.newPage({ viewport: DESKTOP });
    const errors = pageErrors(page);
    await page.goto(`${node.url}/pickup.html`);
    await expect.poll(() => page.evaluate<string>("document.activeElement?.id ?? ''"), WAIT).toBe('find');

    // the right code of an open hold: checked against that hold, then Hand over is offered (keyboard only)
    await page.keyboard.type('m7k-4qh');
    await page.keyboard.press('Enter');
    const mia = page.getByRole('article', { name: /SF-30001/ });
    await expect.poll(() => mia.textContent(), WAIT).toContain('Pickup code verified.');
    expect(await page.getByRole('button', { name: 'Hand over' }).isDisabled()).toBe(false);
    expect(node.bopis.repo.get(open)!.typedTriesLeft).toBe(TYPED_CODE_MAX_TRIES);

    // the right code of a hold locked by wrong codes: not found, nothing to hand over
    await page.locator('#find').fill('N7K-4QH');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#find-msg').textContent(), WAIT).toMatch(/No pickup matches “N7K-4QH”/);
    expect(await page.getByRole('button', { name: 'Hand over' }).count()).toBe(0);
    const found = await seriousAxeViolations(page);
    expect(found, describeAxe(found)).toEqual([]);
    await screenshot(page, 'pickup-desk-locked-code-search-1920');
    expect(errors).toEqual([]);
  });
});
