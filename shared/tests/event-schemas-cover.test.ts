import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { eventPayloadSchemas } from '../src/index.js';

/**
 * Every event type a store emits and every feed entry type the hub appends (or a store handles) must have its one
 * schema in `eventPayloadSchemas`: the type strings are read out of the store's and the hub's source, so a new
 * `emit('x.y', …)` or `feedEntry('x.y', …)` without a schema fails here.
 */
const root = fileURLToPath(new URL('../../', import.meta.url));
const sources = (dir: string): string[] =>
  readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'tests' || e.name === 'node_modules' ? [] : sources(path);
    return e.name.endsWith('.ts') ? [path] : [];
  });

/**
 * Where a wire type appears as a literal: emitted, built as an event or feed item, handled, or named as a constant —
 * but not a job's name (`TAGS_BULK_JOB = 'tags.bulk'`): jobs run in the hub and never cross the wire; nor an image
 * label's (`SIMULATOR_LABEL = 'org.storefleet.test.vulnerabilities'`, read from an image's config by the registry).
 */
const WIRE_TYPE =
  /(?:emit\(\s*|type:\s*|feedEntry\(\s*|\.register\(\s*|export const (?![A-Z_]*_(?:JOB|LABEL) )[A-Z_]+ = )'([a-z]+(?:\.[a-z-]+)+)'/g;

function wireTypes(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of ['store-node/src', 'central/src', 'sync/src'].flatMap(sources)) {
    for (const m of readFileSync(join(root, file), 'utf8').matchAll(WIRE_TYPE))
      found.set(m[1]!, [...(found.get(m[1]!) ?? []), file]);
  }
  return found;
}

describe('wire events defined once', () => {
  it('has a shared schema for every event type the store emits and every feed entry type the hub appends', () => {
    const found = wireTypes();
    // The scan sees what it must: the store's stock and pickup events, the hub's feed entries.
    for (const t of [
      'stock.moved',
      'reservation.picked-up',
      'reservation.no-show',
      'reservation.changed',
      'reservation.snapshot',
      'catalog.changed',
      'order.checked-in',
      'inventory.low-stock',
      'inventory.restocked',
    ]) {
      expect(found.has(t), `${t} found in the source`).toBe(true);
    }
    const missing = [...found]
      .filter(([t]) => !(t in eventPayloadSchemas))
      .map(([t, files]) => `${t} (${[...new Set(files)].join(', ')})`);
    expect(missing).toEqual([]);
  });
});
