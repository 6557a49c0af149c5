import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { describeAxe, seriousAxeViolations } from '@storefleet/shared/testing/axe';
import { exitDoorKey, newSigningKeyPair, type PricingStorePage, signExitToken } from '@storefleet/shared';
import { pricingSink } from '../../src/pricing/index.js';
import { createStoreNode, type StoreNode } from '../../src/index.js';
import { HANDHELD, haveChromium, launchChromium, pageErrors, screenshot } from '../support/browser.js';

const WAIT = { timeout: 30_000 };
const STORE_ID = '0190a000-0000-7000-8000-00000000d001';
const OTHER_STORE = '0190a000-0000-7000-8000-00000000d002';
const keys = newSigningKeyPair('door-page');
const stranger = newSigningKeyPair('door-page'); // the same key id, another private key: a forger's

/** An exit token as the hub signs one at checkout. */
const token = (
  o: { itemCount: number; totalMinor: number; audit?: boolean; storeId?: string; ageMin?: number },
  privateKey = keys.privateKey,
) => {
  const issuedAt = Date.now() - (o.ageMin ?? 1) * 60_000;
  return signExitToken(privateKey, {
    keyId: keys.keyId,
    sessionId: randomUUID(),
    storeId: o.storeId ?? STORE_ID,
    itemCount: o.itemCount,
    totalMinor: o.totalMinor,
    issuedAt,
    validUntil: issuedAt + 30 * 60_000,
    audit: o.audit ?? false,
  });
};

/**
 * The door's Scan & Go exit page (issue #25) on a store node that holds the hub's keys in its pricing copy and has
 * no hub at all (the door works offline): an associate's scanner types each code and presses Enter.
 */
describe.skipIf(!haveChromium && !process.env.CI)('the Scan & Go exit page at the door', () => {
  let node: StoreNode;
  let browser: Browser;
  let page: Page;
  let errors: string[];
  beforeAll(async () => {
    const dbPath = join(mkdtempSync(join(tmpdir(), 'sf-scan-go-door-')), 'store.sqlite');
    // a store registered with its hub once (its id kept), now on its own
    const seed = createStoreNode({ dbPath, port: 0, logLevel: 'silent', mode: 'test' });
    seed.db
      .prepare("INSERT INTO node_meta (key, value, updated_at) VALUES ('store_id', ?, ?)")
      .run(STORE_ID, Date.now());
    await seed.stop();
    node = createStoreNode({ dbPath, port: 0, logLevel: 'silent', mode: 'test', name: 'Quay Road' });
    const rules: PricingStorePage = {
      revision: 3,
      regionId: null,
      currency: 'USD',
      prices: [],
      promotions: [],
      keys: [
        {
          keyId: keys.keyId,
          publicKey: keys.publicKey,
          createdAt: Date.now() - 86_400_000,
          retiredAt: null,
          revision: 3,
        },
      ],
      usedCoupons: [],
      // this store's door key: the door reads the audit decision sealed in each token with it
      doorKeys: [{ keyId: keys.keyId, key: exitDoorKey(keys.privateKey, STORE_ID) }],
      next: null,
    } as PricingStorePage;
    pricingSink(node.pricing)(node.db, [rules]);
    await node.start();
    browser = await launchChromium();
    page = await browser.newPage({ viewport: HANDHELD });
    errors = pageErrors(page);
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await node?.stop();
  });

  const verdict = () => page.locator('#verdict').textContent();
  /** What the scanner does: types the code into the focused field and presses Enter. */
  const scan = async (code: string) => {
    await expect.poll(() => page.evaluate<string>("document.activeElement?.id ?? ''"), WAIT).toBe('token');
    await page.keyboard.insertText(code);
    await page.keyboard.press('Enter');
  };
  const noSeriousAxe = async () => {
    const found = await seriousAxeViolations(page);
    expect(found, describeAxe(found)).toEqual([]);
  };

  it('lets a paid basket out once: green OK with the items and the total, then “already used at” in red', async () => {
    await page.goto(`${node.url}/scan-go-door.html`);
    await expect.poll(() => page.locator('#counts').textContent(), WAIT).toContain('passed 0');
    const ok = token({ itemCount: 3, totalMinor: 608 });
    await scan(ok);
    await expect.poll(verdict, WAIT).toContain('OK — 3 items, $6.08');
    expect(await page.locator('#verdict .sgd-ok').count()).toBe(1);
    await expect.poll(() => page.locator('#counts').textContent(), WAIT).toContain('passed 1');
    expect(await page.locator('#exits tbody tr').count()).toBe(1);
    await noSeriousAxe();
    await screenshot(page, 'scan-go-door-ok');

    // the same code again: refused with the time it let its customer out
    await scan(ok);
    await expect.poll(verdict, WAIT).toMatch(/Do not let out: already used at \d\d:\d\d/);
    expect(await page.locator('#verdict .sgd-bad').count()).toBe(1);
    await expect.poll(() => page.locator('#counts').textContent(), WAIT).toContain('refused 1');
    await noSeriousAxe();
    await screenshot(page, 'scan-go-door-already-used');
  }, 120_000);

  it('refuses a forged code, an expired one and one paid at another store, each in plain words', async () => {
    const cases: [string, RegExp][] = [
      [token({ itemCount: 2, totalMinor: 500 }, stranger.privateKey), /Do not let out: forged code/],
      [token({ itemCount: 2, totalMinor: 500, ageMin: 45 }), /Do not let out: expired code/],
      [token({ itemCount: 2, totalMinor: 500, storeId: OTHER_STORE }), /Do not let out: paid at another store/],
      ['not-a-code-at-all', /Do not let out: not an exit code/],
    ];
    for (const [code, words] of cases) {
      await scan(code);
      await expect.poll(verdict, WAIT).toMatch(words);
      expect(await page.locator('#verdict .sgd-bad').count()).toBe(1);
    }
    await noSeriousAxe();
    await screenshot(page, 'scan-go-door-refused');
    // none of them let anyone out
    expect(node.scanGo.today().exits).toHaveLength(1);
  }, 120_000);

  it('an audited exit says CHECK THIS BAG; the associate records the count with the keyboard alone', async () => {
    const audited = token({ itemCount: 2, totalMinor: 700, audit: true });
    await scan(audited);
    await expect.poll(verdict, WAIT).toContain('CHECK THIS BAG — 2 items');
    expect(await page.locator('#verdict .sgd-check').count()).toBe(1);
    // the count field takes focus
    await expect.poll(() => page.evaluate<string>("document.activeElement?.id ?? ''"), WAIT).toBe('counted');
    expect(await page.locator('#audit').isVisible()).toBe(true);
    await noSeriousAxe();
    await screenshot(page, 'scan-go-door-check-bag');

    // nothing chosen: the form says what is missing and records nothing
    await page.keyboard.type('2');
    await page.keyboard.press('Enter');
    await expect.poll(() => page.locator('#audit-msg').textContent(), WAIT).toContain('Say whether the bag matches');
    expect(node.scanGo.today().counts.AUDIT_DUE).toBe(1);
    await noSeriousAxe();

    // Tab to the radio group, Space picks "Yes", Enter submits
    await page.locator('#counted').focus();
    await page.keyboard.press('Tab');
    await expect.poll(() => page.evaluate<string>("document.activeElement?.id ?? ''"), WAIT).toBe('matched-yes');
    await page.keyboard.press('Space');
    await page.keyboard.press('Enter');
    await expect.poll(verdict, WAIT).toContain('Bag checked');
    expect(await verdict()).toContain('2 items counted, matches');
    expect(await page.locator('#audit').isVisible()).toBe(false);
    await expect.poll(() => page.evaluate<string>("document.activeElement?.id ?? ''"), WAIT).toBe('token');
    const exits = node.scanGo.today();
    expect(exits.counts).toMatchObject({ PASSED: 1, AUDITED: 1, AUDIT_DUE: 0 });
    expect(exits.exits.find((x) => x.outcome === 'AUDITED')).toMatchObject({ counted: 2, matched: true });
    await expect.poll(() => page.locator('#counts').textContent(), WAIT).toContain('bags checked 1');
    await noSeriousAxe();
    await screenshot(page, 'scan-go-door-checked');
    expect(errors).toEqual([]);
  }, 120_000);

  it('every control of the bag check is a 44 px target; Escape puts it off and the exit waits in the list', async () => {
    await scan(token({ itemCount: 1, totalMinor: 129, audit: true }));
    await expect.poll(() => page.locator('#audit').isVisible(), WAIT).toBe(true);
    const small = await page.evaluate<string[]>(`
      [...document.querySelectorAll('main button, main input:not([type=radio]), main .sgd-choice')]
        .filter((e) => e.offsetParent !== null)
        .map((e) => ({ id: e.id || e.className, r: e.getBoundingClientRect() }))
        .filter(({ r }) => r.height < 44 || r.width < 44)
        .map(({ id, r }) => id + ' ' + r.width + 'x' + r.height)`);
    expect(await page.locator('main button:visible').count()).toBeGreaterThanOrEqual(4);
    expect(small).toEqual([]);
    await page.keyboard.press('Escape');
    await expect.poll(() => page.locator('#audit').isVisible(), WAIT).toBe(false);
    await expect.poll(() => page.evaluate<string>("document.activeElement?.id ?? ''"), WAIT).toBe('token');
    // the exit still waiting for its check offers "Record check" in the list
    await expect.poll(() => page.getByRole('button', { name: /^Record check/ }).count(), WAIT).toBe(1);
    await noSeriousAxe();
  });
});
