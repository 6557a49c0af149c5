/**
 * The fleet's one SQL for "how far apart are two places" (issue #26): inventory's nearby stock (REST and GraphQL) and
 * the hub's `stores(nearStoreId:)` all rank by this, so a store is the same distance away whichever way it is asked.
 * Arguments are SQL expressions (columns or `$n` parameters), never values: the callers keep their own parameters.
 */

/** The mean earth radius in km (IUGG), as delivery's geo.ts uses for the same great circle. */
export const EARTH_KM = 6371.0088;
/** Kilometres in one degree of latitude (and of longitude at the equator), rounded down so a box never cuts a circle. */
const KM_PER_DEGREE = 111.2;

/** SQL for the haversine great-circle distance in km between (lat1, lon1) and (lat2, lon2), all in degrees. */
export function distanceKmSql(lat1: string, lon1: string, lat2: string, lon2: string): string {
  return `(2 * ${EARTH_KM} * asin(sqrt(power(sin(radians((${lat2}) - (${lat1})) / 2), 2)
    + cos(radians(${lat1})) * cos(radians(${lat2})) * power(sin(radians((${lon2}) - (${lon1})) / 2), 2))))`;
}

/**
 * SQL that is true when (lat, lon) lies in the lat/lon box around (lat0, lon0) holding every point within `radiusKm`:
 * plain comparisons, so rows far away are dropped before any trigonometry runs (the exact radius is checked after,
 * with `distanceKmSql`). The cosine is held at 0.01 or more so the box stays finite (past 89.4° it would be too
 * narrow), and the box does not wrap the antimeridian: no store of a fleet sits at a pole or across ±180° from another.
 */
export function withinBoxSql(lat: string, lon: string, lat0: string, lon0: string, radiusKm: string): string {
  const dLat = `((${radiusKm})::float8 / ${KM_PER_DEGREE})`;
  const dLon = `((${radiusKm})::float8 / (${KM_PER_DEGREE} * greatest(0.01, cos(radians(${lat0})))))`;
  return `(${lat} BETWEEN (${lat0}) - ${dLat} AND (${lat0}) + ${dLat}
    AND ${lon} BETWEEN (${lon0}) - ${dLon} AND (${lon0}) + ${dLon})`;
}
