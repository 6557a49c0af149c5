import { ValidationError } from '../errors.js';

/**
 * One cookie's value from a `Cookie` header (undefined when absent). A value that is not valid percent-encoding
 * (`sf_session=%E0%A4%A`) is the caller's mistake, not ours: it throws a ValidationError ("malformed cookie", a 400),
 * never the URIError `decodeURIComponent` would raise.
 */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      const raw = part.slice(eq + 1).trim();
      try {
        return decodeURIComponent(raw);
      } catch {
        throw new ValidationError(`malformed cookie ${name}: its value is not valid percent-encoding`);
      }
    }
  }
  return undefined;
}

/**
 * The credential a caller presents: `Authorization: Bearer …`, else the named cookie (browsers send cookies, API
 * clients and store nodes send bearer tokens). Used by both servers' credential checks and the hub's WebSocket
 * upgrades; throws a ValidationError for a malformed cookie (see `readCookie`).
 */
export function presentedCredential(
  authorization: string | undefined,
  cookieHeader: string | undefined,
  cookie: string,
): string | undefined {
  const bearer = authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : undefined;
  return bearer || readCookie(cookieHeader, cookie);
}
