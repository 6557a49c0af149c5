import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from '../../src/db/db.js';

/** The contract every `Db` implementation must meet; each implementation's test file runs it. */
export function runDbConformance(open: () => Promise<{ db: Db; drop(): Promise<void> }>): void {
  let db: Db;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ db, drop } = await open());
    await db.exec('CREATE TABLE ledger (id int PRIMARY KEY, amount bigint NOT NULL); CREATE TABLE notes (body text)');
  });
  afterAll(async () => {
    await db?.close();
    await drop?.();
  });

  it('runs parameterised queries and returns int8 as numbers', async () => {
    await db.query('INSERT INTO ledger (id, amount) VALUES ($1, $2)', [1, 1_700_000_000_123]);
    const { rows, rowCount } = await db.query<{ amount: number }>('SELECT amount FROM ledger WHERE id = $1', [1]);
    expect(rowCount).toBe(1);
    expect(rows[0]!.amount).toBe(1_700_000_000_123);
  });

  it('reports affected rows for writes', async () => {
    const res = await db.query('UPDATE ledger SET amount = amount + 1 WHERE id = $1', [1]);
    expect(res.rowCount).toBe(1);
    expect((await db.query('UPDATE ledger SET amount = 0 WHERE id = $1', [999])).rowCount).toBe(0);
  });

  it('commits a transaction that resolves', async () => {
    const out = await db.transaction(async (tx) => {
      await tx.query('INSERT INTO ledger (id, amount) VALUES (2, 20)');
      await tx.query('INSERT INTO ledger (id, amount) VALUES (3, 30)');
      return 'done';
    });
    expect(out).toBe('done');
    expect((await db.query('SELECT count(*)::int AS n FROM ledger WHERE id IN (2, 3)')).rows[0]).toEqual({ n: 2 });
  });

  it('rolls a transaction back when it throws and rethrows the error', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO ledger (id, amount) VALUES (4, 40)');
        throw new Error('till drawer jammed');
      }),
    ).rejects.toThrow('till drawer jammed');
    expect((await db.query('SELECT count(*)::int AS n FROM ledger WHERE id = 4')).rows[0]).toEqual({ n: 0 });
  });

  it('rolls back when a statement fails inside the transaction', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query('INSERT INTO ledger (id, amount) VALUES (5, 50)');
        await tx.query('INSERT INTO ledger (id, amount) VALUES (5, 51)'); // duplicate key
      }),
    ).rejects.toThrow(/duplicate key/);
    expect((await db.query('SELECT count(*)::int AS n FROM ledger WHERE id = 5')).rows[0]).toEqual({ n: 0 });
    // the database is still usable afterwards
    expect((await db.query('SELECT 1 AS one')).rows[0]).toEqual({ one: 1 });
  });

  it('keeps concurrent transactions whole', async () => {
    await db.query('INSERT INTO ledger (id, amount) VALUES (6, 0)');
    await Promise.all(
      Array.from({ length: 20 }, () =>
        db.transaction(async (tx) => {
          await tx.query('UPDATE ledger SET amount = amount + 1 WHERE id = 6');
        }),
      ),
    );
    expect((await db.query<{ amount: number }>('SELECT amount FROM ledger WHERE id = 6')).rows[0]!.amount).toBe(20);
  });

  it('runs after-commit hooks only when the transaction commits', async () => {
    const ran: string[] = [];
    await db.transaction(async (tx) => {
      tx.afterCommit(() => ran.push('committed'));
      expect(ran).toEqual([]); // not before the commit
      await tx.query('INSERT INTO notes VALUES ($1)', ['hook']);
    });
    await db
      .transaction(async (tx) => {
        tx.afterCommit(() => ran.push('rolled back'));
        throw new Error('void the sale');
      })
      .catch(() => undefined);
    expect(ran).toEqual(['committed']);
    await db.query("DELETE FROM notes WHERE body = 'hook'");
  });

  it('runs multi-statement scripts with exec', async () => {
    await db.exec("INSERT INTO notes VALUES ('a'); INSERT INTO notes VALUES ('b');");
    expect((await db.query('SELECT count(*)::int AS n FROM notes')).rows[0]).toEqual({ n: 2 });
  });
}
