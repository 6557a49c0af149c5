/** Demo stores: real city centres, so "stores near me" answers look right on a map. */
export const DEMO_CITIES: readonly [name: string, lat: number, lon: number, tz: string][] = [
  ['Manhattan', 40.758, -73.9855, 'America/New_York'],
  ['Brooklyn', 40.6782, -73.9442, 'America/New_York'],
  ['Jersey City', 40.7178, -74.0431, 'America/New_York'],
  ['Philadelphia', 39.9526, -75.1652, 'America/New_York'],
  ['Boston', 42.3601, -71.0589, 'America/New_York'],
  ['Chicago', 41.8781, -87.6298, 'America/Chicago'],
  ['Houston', 29.7604, -95.3698, 'America/Chicago'],
  ['Dallas', 32.7767, -96.797, 'America/Chicago'],
  ['Denver', 39.7392, -104.9903, 'America/Denver'],
  ['Phoenix', 33.4484, -112.074, 'America/Phoenix'],
  ['Los Angeles', 34.0522, -118.2437, 'America/Los_Angeles'],
  ['San Francisco', 37.7749, -122.4194, 'America/Los_Angeles'],
  ['Seattle', 47.6062, -122.3321, 'America/Los_Angeles'],
  ['Atlanta', 33.749, -84.388, 'America/New_York'],
  ['Miami', 25.7617, -80.1918, 'America/New_York'],
  ['Minneapolis', 44.9778, -93.265, 'America/Chicago'],
];

export interface DemoStore {
  readonly code: string;
  readonly name: string;
  readonly lat: number;
  readonly lon: number;
  readonly timezone: string;
}

/** Store i (0-based): cities in turn; past the list, further branches a few km around them. */
export function demoStore(i: number): DemoStore {
  const [city, lat, lon, timezone] = DEMO_CITIES[i % DEMO_CITIES.length]!;
  const round = Math.floor(i / DEMO_CITIES.length);
  const angle = (i * 137.5 * Math.PI) / 180;
  return {
    code: `S${String(i + 1).padStart(3, '0')}`,
    name: round === 0 ? `${city} Flagship` : `${city} #${round + 1}`,
    lat: Number((lat + round * 0.03 * Math.sin(angle)).toFixed(5)),
    lon: Number((lon + round * 0.03 * Math.cos(angle)).toFixed(5)),
    timezone,
  };
}
