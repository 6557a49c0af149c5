import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { parseMigrationFileName, type MigrationFile } from '@storefleet/shared';

export interface MigrationSource {
  readonly module: string;
  /** The module's `schema/` folder. */
  readonly dir: URL | string;
}

export function loadMigrations(sources: readonly MigrationSource[]): MigrationFile[] {
  const files: MigrationFile[] = [];
  for (const { module, dir } of sources) {
    const path = typeof dir === 'string' ? dir : fileURLToPath(dir);
    if (!existsSync(path)) throw new Error(`migrations folder of module ${module} not found: ${path}`);
    for (const fileName of readdirSync(path).sort()) {
      const parsed = parseMigrationFileName(fileName);
      if (!parsed) continue;
      const sql = readFileSync(join(path, fileName), 'utf8');
      files.push({ module, ...parsed, sql, checksum: createHash('sha256').update(sql).digest('hex') });
    }
  }
  return files;
}
