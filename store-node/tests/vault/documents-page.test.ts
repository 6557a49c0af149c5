import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser } from 'playwright-core';
import { describeAxe, seriousAxeViolations } from '@storefleet/shared/testing/axe';
import { createStoreNode, type StoreNode } from '../../src/index.js';
import { HANDHELD, haveChromium, launchChromium, pageErrors } from '../support/browser.js';
import { smallTargets } from '../support/targets.js';
import { sha256 } from './vault-hub-fixture.js';

const WAIT = { timeout: 30_000 };
const FIRE = '4b7f1c1e-0000-4000-8000-000000000001';
const ROTA = '4b7f1c1e-0000-4000-8000-000000000002';
const PLAN = '4b7f1c1e-0000-4000-8000-000000000003';
const FIRE_TEXT = 'Assemble in the car park by the trolley bay.';

const doc = (documentId: string, name: string, path: string[], text: string, offline = false) => ({
  seq: 1,
  type: 'vault.doc',
  createdAt: 1,
  payload: {
    documentId,
    changeSeq: 10,
    name,
    path,
    tags: [],
    mediaType: 'text/plain',
    size: Buffer.byteLength(text),
    versionId: documentId.replace(/^4b7f1c1e/, '5c8f2d2f'),
    versionNo: 1,
    sha256: sha256(Buffer.from(text)),
    offline,
    updatedAt: 1_760_000_000_000,
  },
});

/**
 * The handheld's Documents page (issue #22) on a store node with no hub: folders as sections, a search over names and
 * folders, which documents are on this device; one on the device opens in a new tab, one that is not says to open it
 * once while connected. Chromium at handheld size, axe with no serious or critical violation, 44 px targets.
 */
describe.skipIf(!haveChromium && !process.env.CI)('the handheld’s Documents page, in Chromium at 390×844', () => {
  let node: StoreNode;
  let browser: Browser;
  beforeAll(async () => {
    node = createStoreNode({
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-docs-page-')), 'store.sqlite'),
      port: 0,
      logLevel: 'silent',
    });
    node.vault.applyDoc(doc(FIRE, 'Fire plan.txt', ['Emergency'], FIRE_TEXT, true));
    node.vault.applyDoc(doc(ROTA, 'Weekend rota.txt', ['HR forms', 'Rotas'], 'Sat: Ana'));
    node.vault.applyDoc(doc(PLAN, 'Aisle 4 planogram.txt', ['Planograms'], 'shelf'));
    // the fire plan is on this device (as the prefetch leaves it)
    await node.vault.cache.keep(FIRE, new Blob([FIRE_TEXT]).stream(), {
      sha256: sha256(Buffer.from(FIRE_TEXT)),
      size: Buffer.byteLength(FIRE_TEXT),
    });
    node.vault.repo.markCached(FIRE, FIRE.replace(/^4b7f1c1e/, '5c8f2d2f'), Date.now());
    await node.start();
    browser = await launchChromium();
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await node?.stop();
  });

  it('lists folders and documents, searches, opens what is on the device, and says what is not', async () => {
    const page = await browser.newPage({ viewport: HANDHELD });
    const errors = pageErrors(page);
    await page.goto(`${node.url}/documents.html`);
    await page.getByRole('heading', { name: 'Emergency' }).waitFor(WAIT);
    expect(await page.locator('#folders h2').allTextContents()).toEqual([
      'Emergency',
      'HR forms › Rotas',
      'Planograms',
    ]);
    await expect.poll(() => page.locator('#find-status').textContent(), WAIT).toBe('3 documents.');
    const fire = page.getByRole('region', { name: 'Emergency' });
    expect(await fire.textContent()).toContain('on this device');
    // no hub: a document not on the device cannot be opened, and the page says what to do
    const rota = page.getByRole('region', { name: 'HR forms › Rotas' });
    expect(await rota.getByRole('link').count()).toBe(0);
    expect(await rota.textContent()).toContain('Open it once while the store is connected to head office.');
    const found = await seriousAxeViolations(page);
    expect(found, describeAxe(found)).toEqual([]);
    expect(await smallTargets(page)).toEqual([]);

    await page.getByLabel('Name or folder').fill('planogram');
    await expect.poll(() => page.locator('#find-status').textContent(), WAIT).toBe('1 document matching “planogram”.');
    expect(await page.locator('#folders h2').allTextContents()).toEqual(['Planograms']);
    await page.getByLabel('Name or folder').fill('');
    await page.getByRole('heading', { name: 'Emergency' }).waitFor(WAIT);

    const [tab] = await Promise.all([
      page.context().waitForEvent('page'),
      fire.getByRole('link', { name: /Fire plan\.txt/ }).click(),
    ]);
    await tab.waitForLoadState();
    expect(await tab.locator('body').textContent()).toBe(FIRE_TEXT);
    // the view waits in the outbox for the hub, marked offline
    const view = node.db
      .prepare("SELECT payload FROM sync_outbox WHERE type = 'vault.viewed' ORDER BY seq DESC LIMIT 1")
      .get() as { payload: string };
    expect(JSON.parse(view.payload)).toMatchObject({ documentId: FIRE, offline: true });
    expect(errors).toEqual([]);
  });
});
