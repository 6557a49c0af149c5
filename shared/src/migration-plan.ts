/**
 * Which migrations to run, decided without I/O; the hub (Postgres) and the store node (SQLite) both use it.
 * A migration is `schema/NNN_name.sql` of one module; it runs once, in version order within its module, modules in
 * the order given. An applied migration whose text changed since is an error, never silently re-run or skipped.
 *
 * A file may begin with directive lines (the hub reads them; the store node's SQLite runner ignores them):
 * - `-- migrate: no-transaction` — run outside a transaction, one statement at a time (for Postgres's
 *   `CREATE INDEX CONCURRENTLY IF NOT EXISTS`). Every statement must be safe to run again: a crash halfway re-runs
 *   the whole file.
 * - `-- migrate: amends <checksum>` — an earlier text of this file, applied by a build that never left testing and
 *   demo data folders, whose effects the new text and the files after it keep; an applied record with that
 *   checksum counts as this file applied. Never for a released file: add a new migration instead.
 */
export interface MigrationFile {
  readonly module: string;
  readonly version: number;
  readonly name: string;
  readonly sql: string;
  readonly checksum: string;
  /** `-- migrate: no-transaction`: the hub runs it outside a transaction, statement by statement. */
  readonly noTransaction?: boolean;
  /** Checksums of earlier texts of this file (`-- migrate: amends …`) accepted as this file applied. */
  readonly amends?: readonly string[];
}

export interface AppliedMigration {
  readonly module: string;
  readonly version: number;
  readonly checksum: string;
}

const FILE_RE = /^(\d{3})_([a-z0-9_-]+)\.sql$/;

/** `001_init.sql` → { version: 1, name: 'init' }; other names (README, .bak…) → undefined. */
export function parseMigrationFileName(fileName: string): { version: number; name: string } | undefined {
  const m = FILE_RE.exec(fileName);
  return m ? { version: Number(m[1]), name: m[2]! } : undefined;
}

/** FNV-1a 64-bit of the text: enough to notice an edited migration, and pure (no crypto module needed). */
export function migrationChecksum(sql: string): string {
  let h = 0xcbf29ce484222325n;
  for (let i = 0; i < sql.length; i++) {
    h ^= BigInt(sql.charCodeAt(i));
    h = (h * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return h.toString(16).padStart(16, '0');
}

const DIRECTIVE_RE = /^--\s*migrate:\s*(.*?)\s*$/;

/** The directives of a file's leading `-- migrate: …` lines; an unknown one is an error, never ignored. */
export function migrationDirectives(fileName: string, sql: string): { noTransaction: boolean; amends: string[] } {
  const found = { noTransaction: false, amends: [] as string[] };
  for (const line of sql.split('\n')) {
    const m = DIRECTIVE_RE.exec(line.trim());
    if (!m) break;
    const [word, arg, ...rest] = m[1]!.split(/\s+/);
    if (word === 'no-transaction' && arg === undefined) found.noTransaction = true;
    else if (word === 'amends' && arg !== undefined && /^[0-9a-f]{16}$/.test(arg) && !rest.length)
      found.amends.push(arg);
    else
      throw new Error(
        `migration ${fileName}: unknown directive '${m[1]}' (expected 'no-transaction' or 'amends <16 hex digits>')`,
      );
  }
  return found;
}

/** The migrations among one module's schema folder listing, in version order. */
export function migrationsOf(module: string, listing: readonly { fileName: string; sql: string }[]): MigrationFile[] {
  return listing
    .flatMap(({ fileName, sql }) => {
      const parsed = parseMigrationFileName(fileName);
      return parsed
        ? [
            {
              module,
              ...parsed,
              sql,
              checksum: migrationChecksum(sql),
              ...migrationDirectives(`${module}/${fileName}`, sql),
            },
          ]
        : [];
    })
    .sort((a, b) => a.version - b.version);
}

export function planMigrations(
  available: readonly MigrationFile[],
  applied: readonly AppliedMigration[],
): MigrationFile[] {
  const done = new Map(applied.map((a) => [`${a.module}/${a.version}`, a]));
  const seen = new Set<string>();
  const pending: MigrationFile[] = [];
  for (const file of available) {
    const key = `${file.module}/${file.version}`;
    if (seen.has(key)) throw new Error(`migration ${key} is defined twice (${file.name})`);
    seen.add(key);
    const prior = done.get(key);
    if (!prior) pending.push(file);
    else if (prior.checksum !== file.checksum && !file.amends?.includes(prior.checksum)) {
      throw new Error(`migration ${key}_${file.name} was changed after it was applied; add a new migration instead`);
    }
  }
  const order = new Map<string, number>();
  for (const f of available) if (!order.has(f.module)) order.set(f.module, order.size);
  return pending.sort((a, b) => order.get(a.module)! - order.get(b.module)! || a.version - b.version);
}
