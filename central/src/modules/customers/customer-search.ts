import type { Queryable } from '../../db/db.js';

/** A customer as a list shows them: the name in full, the e-mail and phone masked (`a***@example.com`, `***-4567`). */
export interface CustomerListItem {
  readonly id: string;
  readonly name: string;
  readonly email: string | null;
  readonly phone: string | null;
  readonly createdAt: number;
}

/** `ada@example.com` → `a***@example.com`: enough to tell two customers apart, not enough to write to. */
export function maskEmail(email: string | null): string | null {
  if (!email) return null;
  const at = email.lastIndexOf('@');
  if (at < 1) return '***';
  return `${email[0]}***${email.slice(at)}`;
}

/** `+1 (212) 555-4567` → `***-4567`: the last four digits, as a receipt shows a card. */
export function maskPhone(phone: string | null): string | null {
  if (!phone) return null;
  const digits = phone.replace(/\D/g, '');
  return digits.length <= 4 ? '***' : `***-${digits.slice(-4)}`;
}

const likeEscape = (s: string) => s.replace(/[%_\\]/g, '\\$&');

/**
 * Head office's customer search, a page at a time: by part of the name or e-mail (any case), or by phone digits (three
 * or more; spaces, dashes and brackets ignored on both sides). Keyset paging by (name, id): `after` is the last id
 * of the previous page, so a page costs the same however deep it is.
 */
export class CustomerSearch {
  constructor(readonly db: Queryable) {}

  async find(q: { text: string; after: string | null; limit: number }): Promise<{
    items: CustomerListItem[];
    next: string | null;
  }> {
    const digits = q.text.replace(/\D/g, '');
    const { rows } = await this.db.query<{
      id: string;
      name: string;
      email: string | null;
      phone: string | null;
      created_at: number;
    }>(
      `SELECT id, name, email, phone, created_at FROM customers c
       WHERE (c.name ILIKE '%' || $1 || '%' OR c.email LIKE '%' || lower($1) || '%'
              OR ($2::text IS NOT NULL AND regexp_replace(coalesce(c.phone, ''), '[^0-9]', '', 'g') LIKE '%' || $2 || '%'))
         AND ($3::uuid IS NULL OR (lower(c.name), c.id) > (SELECT lower(a.name), a.id FROM customers a WHERE a.id = $3))
       ORDER BY lower(c.name), c.id LIMIT $4`,
      [likeEscape(q.text), digits.length >= 3 ? digits : null, q.after, q.limit],
    );
    const items = rows.map((r) => ({
      id: r.id,
      name: r.name,
      email: maskEmail(r.email),
      phone: maskPhone(r.phone),
      createdAt: Number(r.created_at),
    }));
    return { items, next: items.length === q.limit ? (items.at(-1)?.id ?? null) : null };
  }
}
