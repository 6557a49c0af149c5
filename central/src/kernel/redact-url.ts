/**
 * URLs as they may appear in errors and logs: without what could be a secret. A URL's user and password, and its
 * query (tokens often travel there), are replaced by `***`; the scheme, host, port and path stay, so an operator still
 * sees which endpoint was meant. Used for the external parties' URLs (NOTIFICATIONS_SENDER_URL, PAYMENT_PROVIDER_URL)
 * in configuration errors and in what their adapters record.
 */

/** Scheme, then userinfo (up to the last `@` before the first `/`, `?` or `#`, as a URL parser reads it). */
const USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#]*@/gi;
/** The query of a URL inside some text: from `?` up to a fragment or whitespace. */
const QUERY = /(\b[a-z][a-z0-9+.-]*:\/\/[^\s?#]*)\?[^\s#]*/gi;

/** `text` with the userinfo and query of every URL in it replaced by `***`. */
export function redactUrls(text: string): string {
  return text.replace(USERINFO, '$1***@').replace(QUERY, '$1?***');
}

/** True when `url` parses and names a user or a password (`https://user:secret@host/`). */
export function urlHasCredentials(url: string): boolean {
  try {
    const u = new URL(url);
    return u.username !== '' || u.password !== '';
  } catch {
    return false;
  }
}
