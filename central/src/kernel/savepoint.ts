import type { Queryable } from '../db/db.js';

/**
 * Runs `fn` in a savepoint of the caller's transaction, for work that must never refuse the transaction it rides in
 * (recommendations' purchases in an order's confirmation or a sale's apply): when `fn` throws, its writes are rolled
 * back to the savepoint, `onError` is told why, and the transaction goes on as if `fn` had done nothing. A savepoint
 * name may be reused by nested callers (Postgres and PGlite address the newest of that name). A failure of the
 * savepoint statements themselves (a lost connection) is thrown: the transaction is lost anyway.
 */
export async function inSavepoint(
  tx: Queryable,
  name: string,
  fn: () => Promise<void>,
  onError: (err: unknown) => void,
): Promise<void> {
  await tx.query(`SAVEPOINT ${name}`);
  try {
    await fn();
  } catch (err) {
    await tx.query(`ROLLBACK TO SAVEPOINT ${name}`);
    await tx.query(`RELEASE SAVEPOINT ${name}`);
    onError(err);
    return;
  }
  await tx.query(`RELEASE SAVEPOINT ${name}`);
}
