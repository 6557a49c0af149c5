import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { waitFor } from '../../../../tests/support/wait-for.js';
import { type BulkHub, bulkHub } from './support-bulk.js';

const finished = (j: { state: string }) => ['DONE', 'CANCELLED', 'FAILED'].includes(j.state);

describe.each(dbTargets)('tag bulk jobs by query ($name)', (target) => {
  let h: BulkHub;
  let skus: string[];
  const tag = async (slug: string, parentId: number | null = null): Promise<number> => {
    const r = await h.call('POST', '/api/tags', { slug, name: slug, kind: 'ATTRIBUTE', parentId });
    if (r.status !== 201) throw new Error(`tag ${slug}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body.id;
  };
  const run = async (body: unknown) => {
    const made = await h.call('POST', '/api/tags/bulk-jobs', body);
    if (made.status !== 202) throw new Error(`job: ${made.status} ${JSON.stringify(made.body)}`);
    return h.until(made.body.id, 'the job to finish', finished);
  };

  beforeAll(async () => {
    h = await bulkHub(target, 40);
    skus = await h.products('QRY', 600);
    await waitFor('the tag index ready', () => h.parts.index.status().state === 'READY', 60_000);
  }, 300_000);
  afterAll(async () => {
    await h?.stop();
  });

  it('changes exactly the products the query matched when the job was made', { timeout: 120_000 }, async () => {
    const colour = await tag('colour');
    const red = await tag('red', colour);
    const big = await tag('big');
    const picked = await tag('picked');
    expect(await run({ action: 'ADD', tagIds: [red], skus: skus.slice(0, 300) })).toMatchObject({ state: 'DONE' });
    expect(await run({ action: 'ADD', tagIds: [big], skus: skus.slice(200) })).toMatchObject({ state: 'DONE' });

    // path:colour matches red's products (a child implies its ancestors); NOT big leaves 1..200
    const job = await run({ action: 'ADD', tagIds: [picked], query: 'path:colour AND NOT tag:big' });
    expect(job).toMatchObject({
      state: 'DONE',
      selection: { query: expect.stringContaining('colour') },
      total: 200,
      done: 200,
      failed: 0,
    });
    const tags = await h.tagsOf(skus);
    expect(skus.filter((s) => tags.get(s)?.includes(picked))).toEqual(skus.slice(0, 200));
    // the products kept their other tags (ADD), and a REPLACE by query leaves only the tags asked
    expect(tags.get(skus[0]!)).toEqual([red, picked].sort((a, b) => a - b));
    const replaced = await run({ action: 'REPLACE', tagIds: [big], query: 'tag:picked' });
    expect(replaced).toMatchObject({ state: 'DONE', total: 200, done: 200 });
    const after = await h.tagsOf(skus);
    expect(skus.slice(0, 200).every((s) => after.get(s)?.join() === String(big))).toBe(true);
    expect(after.get(skus[250]!)).toEqual([red, big].sort((a, b) => a - b));
  });

  it('refuses a query naming an unknown tag with where it is written, and makes no job', async () => {
    const before = await h.call('GET', '/api/tags/bulk-jobs');
    const r = await h.call('POST', '/api/tags/bulk-jobs', {
      action: 'ADD',
      tagIds: [],
      query: 'tag:red AND tag:nosuch',
    });
    expect(r.status).toBe(422);
    expect(r.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(r.body).toMatchObject({ position: 12 });
    expect(r.body.detail).toMatch(/nosuch/);
    const after = await h.call('GET', '/api/tags/bulk-jobs');
    expect(after.body.items.length).toBe(before.body.items.length);
  });
});
