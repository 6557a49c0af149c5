// Whether and where the shell looks for a new version of itself, decided from the environment alone (no Electron).
//
// The update channel is electron-builder's `generic` provider (electron-builder.yml `publish`): a folder served over
// HTTP(S) holding `latest.yml` (Windows) / `latest-linux.yml` and the installers. The hub's software registry (issue
// #23) is meant to serve it; until a store PC is given STORE_UPDATE_URL the updater is off and nothing is fetched.

/** Default time between checks: six hours (a store PC runs for days; a release is not urgent to the minute). */
export const UPDATE_INTERVAL_MS = 6 * 3600_000;
const MIN_INTERVAL_MS = 60_000;

/**
 * `{ enabled: false, reason }` unless STORE_UPDATE_URL is set; then `{ enabled: true, feed, intervalMs }`, where
 * `feed` is electron-updater's setFeedURL options. STORE_UPDATE_URL must be http(s) without credentials in it (they
 * would end up in logs); STORE_UPDATE_INTERVAL_MS, when set, a whole number of ms of at least a minute. A bad value
 * throws an Error that names it: a store PC set up wrong should say so at start, not silently never update.
 */
export function updatePlan(env = {}) {
  const raw = env.STORE_UPDATE_URL;
  if (raw === undefined || raw.trim() === '') return { enabled: false, reason: 'STORE_UPDATE_URL is not set' };
  let url;
  try {
    url = new URL(raw);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:'))
    throw new Error(`STORE_UPDATE_URL must be an http(s) URL, not "${raw}"`);
  if (url.username !== '' || url.password !== '')
    throw new Error('STORE_UPDATE_URL must not carry a user name or password');
  let intervalMs = UPDATE_INTERVAL_MS;
  const every = env.STORE_UPDATE_INTERVAL_MS;
  if (every !== undefined && every !== '') {
    intervalMs = Number(every);
    if (!Number.isSafeInteger(intervalMs) || intervalMs < MIN_INTERVAL_MS) {
      throw new Error(`STORE_UPDATE_INTERVAL_MS must be a whole number of at least ${MIN_INTERVAL_MS}, not "${every}"`);
    }
  }
  return { enabled: true, feed: { provider: 'generic', url: url.href, channel: 'latest' }, intervalMs };
}
