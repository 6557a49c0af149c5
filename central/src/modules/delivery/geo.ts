/** A point on the map, WGS84 degrees. */
export interface Point {
  readonly lat: number;
  readonly lon: number;
}

const EARTH_KM = 6371.0088;
const rad = (deg: number) => (deg * Math.PI) / 180;

/** The great-circle distance between two points, in km (haversine). */
export function distanceKm(a: Point, b: Point): number {
  const dLat = rad(b.lat - a.lat);
  const dLon = rad(b.lon - a.lon);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.lat)) * Math.cos(rad(b.lat)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/**
 * Roads are longer than the straight line: 1.3 × the great-circle distance is the usual urban detour factor, and
 * what the promise uses until a road network is wired in. A drone flies the straight line.
 */
export const ROAD_FACTOR = 1.3;

/** "6.2 km", "850 m": a distance as a person reads it. */
export function formatKm(km: number): string {
  if (km < 1) return `${Math.max(10, Math.round((km * 1000) / 10) * 10)} m`;
  return `${km < 10 ? km.toFixed(1) : Math.round(km)} km`;
}
