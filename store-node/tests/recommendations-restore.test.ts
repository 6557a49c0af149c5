import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RecsStoreTop } from '@storefleet/shared';
import { createStoreNode, type StoreNode } from '../src/index.js';
import { StoreRecsRepository } from '../src/recommendations/store-recs-repository.js';

const top = (modelVersion: number, generatedAt: number): RecsStoreTop => ({
  modelVersion,
  generatedAt,
  items: [{ sku: `SKU-${modelVersion}-${generatedAt}`, category: 'Dairy', score: 1, reason: 'Popular at this store' }],
  pairs: [],
});

/** A hub restored from a backup numbers its models again from the backup's: the store must follow it, not wait. */
describe("the store's recommendations copy after the hub was restored from a backup", () => {
  let node: StoreNode;
  let repo: StoreRecsRepository;
  beforeAll(() => {
    node = createStoreNode({
      dbPath: join(mkdtempSync(join(tmpdir(), 'sf-recs-restore-')), 'store.sqlite'),
      port: 0,
      logLevel: 'silent',
      mode: 'test',
      now: () => 1_700_000_000_000,
    });
    repo = new StoreRecsRepository(node.db);
  });
  afterAll(() => node?.stop());

  it('takes a lower model number made later, and still ignores an older model arriving late', () => {
    expect(repo.replaceIfNewer(top(7, 1_000), 1)).toBe(true);
    // a late entry of model 6 (made before 7): ignored; model 7 again: harmless
    expect(repo.replaceIfNewer(top(6, 900), 2)).toBe(false);
    expect(repo.replaceIfNewer(top(7, 1_000), 3)).toBe(false);
    // the restored hub's model 3, made after model 7
    expect(repo.replaceIfNewer(top(3, 2_000), 4)).toBe(true);
    expect(repo.model()).toMatchObject({ modelVersion: 3, generatedAt: 2_000 });
    // and its model 4 after that
    expect(repo.replaceIfNewer(top(4, 3_000), 5)).toBe(true);
    expect(repo.model()?.modelVersion).toBe(4);
    // a late entry of the restored hub's model 3: ignored
    expect(repo.replaceIfNewer(top(3, 2_000), 6)).toBe(false);
    expect(repo.model()?.modelVersion).toBe(4);
  });
});
