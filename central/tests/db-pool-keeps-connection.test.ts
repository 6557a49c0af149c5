import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Db } from '../src/db/db.js';
import { openDb } from '../src/db/open-db.js';
import { dbTargets } from './support/db-targets.js';

const postgres = dbTargets.find((t) => t.name === 'postgres');

// node-postgres' pool.query destroys its connection after ANY error: each statement refused by a constraint (a seat
// already claimed, a duplicate key) cost a new Postgres backend on the next call — the booking benchmark's refusals.
describe.skipIf(!postgres)('Postgres pool', () => {
  let db: Db;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const place = await postgres!.open();
    drop = place.drop;
    db = await openDb({ ...place, poolSize: 1 });
    await db.exec('CREATE TABLE seat_claims (seat_no integer PRIMARY KEY)');
  });
  afterAll(async () => {
    await db?.close();
    await drop?.();
  });

  it('keeps the connection of a statement refused by a unique key', async () => {
    const pid = async () => (await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid')).rows[0]!.pid;
    await db.query('INSERT INTO seat_claims (seat_no) VALUES (1)');
    const before = await pid();
    await expect(db.query('INSERT INTO seat_claims (seat_no) VALUES (1)')).rejects.toMatchObject({ code: '23505' });
    expect(await pid()).toBe(before);
    expect((await db.query('SELECT count(*)::int AS n FROM seat_claims')).rows).toEqual([{ n: 1 }]);
  });
});
