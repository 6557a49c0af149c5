import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { StoreExecutor, STORE_WORKER_LIMITS } from '../store-executor.js';

const executors: StoreExecutor[] = [];
const storeExecutor = (config: ConstructorParameters<typeof StoreExecutor>[0] = {}) => {
  const e = new StoreExecutor({ size: 1, ...config }, new Registry());
  executors.push(e);
  return e;
};
afterEach(async () => {
  for (const e of executors.splice(0)) await e.stop();
});

type Memory = { heapLimitMb: number; heapUsedMb: number; arrayBuffersMb: number };

describe("the store node's executor", () => {
  it('caps each worker heap at a size for a store PC by default (V8 left alone allows ~4 GB per worker)', async () => {
    const m = await storeExecutor().submit<Memory>('workerMemory', undefined);
    expect(m.heapLimitMb).toBeGreaterThanOrEqual(STORE_WORKER_LIMITS.maxOldGenerationSizeMb!);
    expect(m.heapLimitMb).toBeLessThan(512);
  });

  it('takes the limits from its config', async () => {
    const m = await storeExecutor({
      resourceLimits: { maxOldGenerationSizeMb: 64, maxYoungGenerationSizeMb: 8 },
    }).submit<Memory>('workerMemory', undefined);
    expect(m.heapLimitMb).toBeGreaterThanOrEqual(64);
    expect(m.heapLimitMb).toBeLessThan(128);
  });
});
