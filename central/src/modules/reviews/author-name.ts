/** What stores and other customers see of an author whose name the customers module does not know. */
export const UNKNOWN_AUTHOR = 'A customer';

/**
 * "Ana P." from "Ana Pérez" (the first name and the last name's initial), "Cher" from "Cher", "A customer" when the
 * name is unknown or blank — never the whole name, the id or the email. At most 60 characters (the wire's limit).
 */
export function authorName(fullName: string | null | undefined): string {
  const parts = (fullName ?? '').split(/\s+/u).filter((w) => w.length > 0);
  const first = parts[0];
  if (first === undefined) return UNKNOWN_AUTHOR;
  const given = [...first].slice(0, 40).join('');
  const last = parts.length > 1 ? parts[parts.length - 1] : undefined;
  const initial = last === undefined ? '' : [...last][0]?.toLocaleUpperCase();
  return initial ? `${given} ${initial}.` : given;
}
