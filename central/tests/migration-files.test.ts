import { describe, expect, it } from 'vitest';
import { migrationsOf } from '@storefleet/shared';
import { splitStatements } from '../src/migrations/split-statements.js';

describe('a no-transaction migration file, statement by statement', () => {
  it('splits at semicolons outside quoted text, dollar-quoted bodies and comments, and drops the comments', () => {
    const script = [
      '-- migrate: no-transaction',
      '-- a comment; with a semicolon',
      "CREATE INDEX CONCURRENTLY IF NOT EXISTS a_note ON a (note) WHERE note <> 'x;y''z';",
      '/* block; comment */ CREATE INDEX CONCURRENTLY IF NOT EXISTS "b;c" ON b (id);',
      'DO $body$ BEGIN PERFORM 1; END $body$;',
      'SELECT $$;$$, $1::text',
    ].join('\n');
    expect(splitStatements(script)).toEqual([
      "CREATE INDEX CONCURRENTLY IF NOT EXISTS a_note ON a (note) WHERE note <> 'x;y''z'",
      'CREATE INDEX CONCURRENTLY IF NOT EXISTS "b;c" ON b (id)',
      'DO $body$ BEGIN PERFORM 1; END $body$',
      'SELECT $$;$$, $1::text',
    ]);
  });

  it('reads directives from the leading lines only, and refuses one it does not know', () => {
    const [file] = migrationsOf('m', [
      {
        fileName: '001_a.sql',
        sql: '-- migrate: no-transaction\n-- migrate: amends 0123456789abcdef\nSELECT 1;\n-- migrate: later',
      },
    ]);
    expect(file).toMatchObject({ noTransaction: true, amends: ['0123456789abcdef'] });
    expect(
      migrationsOf('m', [{ fileName: '001_a.sql', sql: 'SELECT 1;\n-- migrate: no-transaction' }])[0]!.noTransaction,
    ).toBe(false);
    expect(() => migrationsOf('m', [{ fileName: '001_a.sql', sql: '-- migrate: no-transactions\nSELECT 1;' }])).toThrow(
      "migration m/001_a.sql: unknown directive 'no-transactions' (expected 'no-transaction' or 'amends <16 hex digits>')",
    );
  });
});
