// The tasks of the executor benchmarks, in plain JS so both pools load them the same way.
export function add(a) {
  return a.x + a.y;
}

export default add;

/** Busy for `ms` (a task of known run time). */
export function spin(a) {
  const end = performance.now() + a.ms;
  while (performance.now() < end);
  return a.ms;
}

/** When the task started, on the shared clock (epoch ms with µs precision). */
export function startedAt() {
  return performance.timeOrigin + performance.now();
}
