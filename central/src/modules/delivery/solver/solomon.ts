import type { VrptwProblem } from './types.js';

/**
 * Reads an instance in Solomon's text layout (1987): a VEHICLE block (count, capacity), then one row per node —
 * number, x, y, demand, ready, due, service — row 0 being the depot. Travel time is the Euclidean distance (speed 1),
 * in double precision. Each vehicle leaves the depot from its ready time and is back by its due time.
 */
export function parseSolomon(text: string): VrptwProblem & { readonly name: string } {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  const name = lines.find((l) => l.length > 0) ?? 'unnamed';
  const vehicleAt = lines.findIndex((l) => /^NUMBER\s+CAPACITY/i.test(l));
  if (vehicleAt < 0) throw new Error(`${name}: no VEHICLE block (NUMBER CAPACITY)`);
  const [count, capacity] = (lines[vehicleAt + 1] ?? '').split(/\s+/).map(Number);
  if (!Number.isInteger(count) || !(capacity! > 0)) throw new Error(`${name}: unreadable vehicle count or capacity`);
  const rows = lines
    .slice(vehicleAt + 2)
    .filter((l) => /^\d/.test(l))
    .map((l) => l.split(/\s+/).map(Number))
    .filter((r) => r.length >= 7 && r.every(Number.isFinite));
  if (rows.length < 2 || rows[0]![0] !== 0) throw new Error(`${name}: no depot row (customer 0)`);
  const depot = rows[0]!;
  return {
    name,
    distances: { kind: 'euclidean', x: rows.map((r) => r[1]!), y: rows.map((r) => r[2]!) },
    customers: rows.slice(1).map((r, i) => ({
      id: String(r[0]),
      location: i + 1,
      demand: r[3]!,
      ready: r[4]!,
      due: r[5]!,
      service: r[6]!,
    })),
    vehicles: Array.from({ length: count! }, (_, v) => ({
      id: `V${v + 1}`,
      capacity: capacity!,
      startLocation: 0,
      endLocation: 0,
      startTime: depot[4]!,
      latestEnd: depot[5]!,
    })),
  };
}
