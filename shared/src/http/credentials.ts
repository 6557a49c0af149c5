/** One cookie's value from a `Cookie` header (undefined when absent). */
export function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return decodeURIComponent(part.slice(eq + 1).trim());
  }
  return undefined;
}

/**
 * The credential a caller presents: `Authorization: Bearer …`, else the named cookie (browsers send cookies, API
 * clients and store nodes send bearer tokens). Used by both servers' credential checks.
 */
export function presentedCredential(authorization: string | undefined, cookieHeader: string | undefined, cookie: string): string | undefined {
  const bearer = authorization?.startsWith('Bearer ') ? authorization.slice(7).trim() : undefined;
  return bearer || readCookie(cookieHeader, cookie);
}
