import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

/**
 * Test files share their worker's modules (vitest.config.ts, project `suite`): a file that replaces a module or a
 * global would replace it for every file after it on that worker. Such a file is named `*.isolated.test.ts`, which
 * runs it in a process of its own (project `isolated`).
 */
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const PACKAGES = ['shared', 'sync', 'devices', 'executor', 'store-node', 'central', 'bench'];
const REPLACES = /\bvi\.(mock|doMock|stubGlobal|stubEnv)\(/;

function testFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    if (e.name === 'node_modules' || e.name.startsWith('.')) return [];
    const path = join(dir, e.name);
    if (e.isDirectory()) return testFiles(path);
    return e.name.endsWith('.test.ts') ? [path] : [];
  });
}

describe('test files that replace a module or a global', () => {
  it('are named *.isolated.test.ts, so they run in a process of their own', () => {
    const files = PACKAGES.flatMap((p) => testFiles(join(ROOT, p)));
    expect(files.length).toBeGreaterThan(400);
    const replacing = files.filter((f) => REPLACES.test(readFileSync(f, 'utf8')));
    expect(replacing.length).toBeGreaterThan(0); // the two that do today: staff PINs (node:crypto), the blob store
    const misnamed = replacing.filter((f) => !f.endsWith('.isolated.test.ts')).map((f) => relative(ROOT, f));
    expect(misnamed).toEqual([]);
  });
});
