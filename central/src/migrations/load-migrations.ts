import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { migrationsOf, type MigrationFile } from '@storefleet/shared';

export interface MigrationSource {
  readonly module: string;
  /** The module's `schema/` folder. */
  readonly dir: URL | string;
}

export function loadMigrations(sources: readonly MigrationSource[]): MigrationFile[] {
  return sources.flatMap(({ module, dir }) => {
    const path = typeof dir === 'string' ? dir : fileURLToPath(dir);
    if (!existsSync(path)) throw new Error(`migrations folder of module ${module} not found: ${path}`);
    return migrationsOf(
      module,
      readdirSync(path).map((fileName) => ({ fileName, sql: readFileSync(join(path, fileName), 'utf8') })),
    );
  });
}
