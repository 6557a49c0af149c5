import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createStoreNode, type StoreNode } from '../src/index.js';

/**
 * #17: the pickup desk shows hold times in the store's zone, resolved as the till resolves it: `STORE_TIMEZONE`
 * first, then what the hub's store registry said, then the node's own zone.
 */
describe('the pickup desk’s time zone', () => {
  const nodes: StoreNode[] = [];
  afterEach(async () => {
    for (const n of nodes.splice(0)) await n.stop();
  });
  const start = async (timeZone?: string) => {
    const node = createStoreNode({
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-desk-zone-')), 'store.sqlite'),
      port: 0,
      logLevel: 'silent',
      ...(timeZone ? { timeZone } : {}),
    });
    nodes.push(node);
    const url = await node.start();
    const desk = async () => {
      const res = await fetch(`${url}/api/bopis/pickups`);
      expect(res.status).toBe(200);
      return ((await res.json()) as { timeZone?: string }).timeZone;
    };
    return { node, desk };
  };

  it('uses STORE_TIMEZONE over the hub’s registry, as the receipts do', async () => {
    const { node, desk } = await start('Asia/Tokyo');
    node.pos.till.profile.remember({ code: 'S009', timezone: 'Europe/Berlin' }); // what the hub's registry says
    expect(await desk()).toBe('Asia/Tokyo');
    expect(await desk()).toBe(node.pos.till.profile.timeZone);
  });

  it('follows the hub’s registry when no zone is configured, as soon as it is heard', async () => {
    const { node, desk } = await start();
    node.pos.till.profile.remember({ timezone: 'America/Chicago' });
    expect(await desk()).toBe('America/Chicago');
  });

  it('falls back to the node’s own zone, never leaving the page to guess', async () => {
    const { desk } = await start();
    expect(await desk()).toBe(new Intl.DateTimeFormat().resolvedOptions().timeZone);
  });
});
