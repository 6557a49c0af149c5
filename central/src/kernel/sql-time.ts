/**
 * SQL for "the epoch milliseconds in parameter $n as a timestamptz": the hub passes times as numbers from its clock
 * (`ctx.now()`), and tables keep timestamptz. `msParam(3)` → `to_timestamp($3::double precision / 1000)`.
 */
export const msParam = (n: number): string => `to_timestamp($${n}::double precision / 1000)`;
