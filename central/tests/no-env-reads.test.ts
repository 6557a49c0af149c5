import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
/** Where the environment may be read: each program's config.ts (checked there), its cli.ts, the demo, and tests. */
const ALLOWED = [/(^|\/)config\.ts$/, /(^|\/)cli\.ts$/, /\/demo\//, /\/tests\//];
/** `process.env`, `process['env']`, `const { env } = process`, and `env` imported from node:process. */
const READS = [
  /\bprocess\s*(\.\s*env\b|\[\s*['"`]env['"`]\s*\])/,
  /\{[^}]*\benv\b[^}]*\}\s*=\s*(globalThis\.)?process\b/,
  /import\s*\{[^}]*\benv\b[^}]*\}\s*from\s*['"](node:)?process['"]/,
];

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' ? [] : sources(path);
    return /\.(ts|mts|js|mjs)$/.test(e.name) ? [path] : [];
  });
}

describe('domain code reads no environment variable (settings come through config.ts, checked at start)', () => {
  it.each(['central/src', 'store-node/src'])('%s', (tree) => {
    const hits = sources(join(ROOT, tree))
      .map((file) => relative(ROOT, file).split(sep).join('/'))
      .filter((file) => !ALLOWED.some((a) => a.test(file)))
      .flatMap((file) =>
        readFileSync(join(ROOT, file), 'utf8')
          .split('\n')
          .flatMap((line, i) => (READS.some((r) => r.test(line)) ? [`${file}:${i + 1}: ${line.trim()}`] : [])),
      );
    expect(hits, 'read the setting in config.ts and pass it through the module context / node config instead').toEqual(
      [],
    );
  });
});
