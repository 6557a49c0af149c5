/**
 * A GET's `Range` header (RFC 9110, one range of bytes): `bytes=a-b`, `bytes=a-` or the last n bytes `bytes=-n`,
 * clipped to `size`. Returns the inclusive range, or null when the header is malformed or asks for nothing inside
 * the `size` bytes (answer 416 with `Content-Range: bytes *\/size`). The registry's blob GETs at the hub and at the
 * store node's pull-through cache both read ranges with it.
 */
export function byteRange(header: string, size: number): { start: number; end: number } | null {
  const m = /^bytes=(\d{0,15})-(\d{0,15})$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  const start = m[1] === '' ? Math.max(size - Number(m[2]), 0) : Number(m[1]);
  const end = m[1] === '' || m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  return start >= 0 && start <= end && start < size ? { start, end } : null;
}
