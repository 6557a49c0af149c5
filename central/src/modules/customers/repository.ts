import { ConflictError, isUuid, uuidv7 } from '@storefleet/shared';
import type { Queryable } from '../../db/db.js';
import { refusalWaitSeconds, STORE_EMAIL_REFUSALS } from './email-refusals.js';
import { LOOKUP_BUDGETS, newLoyaltyCard, type LookupBudget } from './loyalty-card.js';
import type { CustomerInput, CustomerLookup, CustomerProfile, StoreLinkVia } from './types.js';

interface Row {
  id: string;
  name: string;
  email: string | null;
  phone: string | null;
  preferred_store_id: string | null;
  loyalty_card: string | null;
  created_at: number;
  updated_at: number;
}

const toCustomer = (r: Row): CustomerProfile => ({
  id: r.id,
  name: r.name,
  email: r.email,
  phone: r.phone,
  preferredStoreId: r.preferred_store_id,
  loyaltyCard: r.loyalty_card,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

const isUniqueViolation = (err: unknown) => (err as { code?: string }).code === '23505';
const isCardClash = (err: unknown) =>
  isUniqueViolation(err) && (err as { constraint?: string }).constraint === 'customers_loyalty_card';

/** The email is another customer's (the only unique field); the route words the answer for its caller. */
export class EmailTakenError extends ConflictError {
  constructor() {
    super('a customer with that email exists');
  }
}

/** Records one refusal under a store's row, only while fewer than `max` are inside the window (one statement). */
const RECORD_REFUSAL = `
  WITH kept AS (
    INSERT INTO customer_email_refusals AS r (store_id, refusals) VALUES ($1, ARRAY[$2::bigint])
    ON CONFLICT (store_id) DO UPDATE
      SET refusals = ARRAY(SELECT t FROM unnest(r.refusals) t WHERE t > $3::bigint ORDER BY t) || $2::bigint
      WHERE (SELECT count(*) FROM unnest(r.refusals) t WHERE t > $3::bigint) < $4::int
    RETURNING 1)
  SELECT EXISTS (SELECT 1 FROM kept) AS kept`;

/** The same for a store's look-ups that found nobody: phone numbers and e-mails in `misses`, cards in `card_misses`. */
const MISS_COLUMN = { contact: 'misses', card: 'card_misses' } as const;
const recordMiss = (column: (typeof MISS_COLUMN)[LookupBudget]) => `
  WITH kept AS (
    INSERT INTO customer_lookup_misses AS m (store_id, ${column}) VALUES ($1, ARRAY[$2::bigint])
    ON CONFLICT (store_id) DO UPDATE
      SET ${column} = ARRAY(SELECT t FROM unnest(m.${column}) t WHERE t > $3::bigint ORDER BY t) || $2::bigint
      WHERE (SELECT count(*) FROM unnest(m.${column}) t WHERE t > $3::bigint) < $4::int
    RETURNING 1)
  SELECT EXISTS (SELECT 1 FROM kept) AS kept`;

/** All SQL of customer profiles. */
export class CustomerRepository {
  constructor(readonly db: Queryable) {}

  /** A new customer; signed up by a store (`byStore`), it is linked to that store in the same statement. */
  async create(input: CustomerInput, now: number, byStore: string | null = null): Promise<CustomerProfile> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.#insert(input, now, byStore);
      } catch (err) {
        // A new card number equal to another's (1 in 10^13 per customer): draw another.
        if (!isCardClash(err) || attempt === 3) throw err;
      }
    }
  }

  async #insert(input: CustomerInput, now: number, byStore: string | null): Promise<CustomerProfile> {
    try {
      const { rows } = await this.db.query<Row>(
        `WITH c AS (INSERT INTO customers (id, name, email, phone, preferred_store_id, created_at, updated_at, loyalty_card) VALUES ($1, $2, $3, $4, $5, $6, $6, $8) RETURNING *),
         l AS (INSERT INTO customer_stores (store_id, customer_id, via, linked_at) SELECT $7::uuid, id, 'sign-up', $6 FROM c WHERE $7::uuid IS NOT NULL)
         SELECT * FROM c`,
        [
          uuidv7(now),
          input.name,
          input.email ?? null,
          input.phone ?? null,
          input.preferredStoreId ?? null,
          now,
          byStore,
          newLoyaltyCard(),
        ],
      );
      return toCustomer(rows[0]!);
    } catch (err) {
      if (isUniqueViolation(err) && !isCardClash(err)) throw new EmailTakenError();
      throw err;
    }
  }

  async update(id: string, input: Partial<CustomerInput>, now: number): Promise<CustomerProfile | undefined> {
    try {
      const { rows } = await this.db.query<Row>(
        `UPDATE customers SET name = coalesce($2, name),
           email = CASE WHEN $3::boolean THEN $4 ELSE email END,
           phone = CASE WHEN $5::boolean THEN $6 ELSE phone END,
           preferred_store_id = CASE WHEN $7::boolean THEN $8::uuid ELSE preferred_store_id END,
           updated_at = $9
         WHERE id = $1 RETURNING *`,
        [
          id,
          input.name ?? null,
          'email' in input,
          input.email ?? null,
          'phone' in input,
          input.phone ?? null,
          'preferredStoreId' in input,
          input.preferredStoreId ?? null,
          now,
        ],
      );
      return rows[0] && toCustomer(rows[0]);
    } catch (err) {
      if (isUniqueViolation(err)) throw new EmailTakenError();
      throw err;
    }
  }

  async get(id: string): Promise<CustomerProfile | undefined> {
    const { rows } = await this.db.query<Row>('SELECT * FROM customers WHERE id = $1', [id]);
    return rows[0] && toCustomer(rows[0]);
  }

  async find(q: { email?: string | undefined; name?: string | undefined; limit: number }): Promise<CustomerProfile[]> {
    const { rows } = await this.db.query<Row>(
      `SELECT * FROM customers WHERE ($1::text IS NULL OR email = $1) AND ($2::text IS NULL OR name ILIKE '%' || $2 || '%')
       ORDER BY name, id LIMIT $3`,
      [q.email ?? null, q.name ?? null, q.limit],
    );
    return rows.map(toCustomer);
  }

  /**
   * Links a store to an existing customer (the first link's `via` is kept). True when the pair is linked now (just
   * made or made before); false for an unknown customer id, which links nothing.
   */
  async link(customerId: string, storeId: string, via: StoreLinkVia | 'lookup', now: number): Promise<boolean> {
    // A look-up's link is for the cart only: a later sign-up or order there upgrades it (the profile then shows); a
    // cart change does not (it follows every look-up).
    const { rows } = await this.db.query<{ linked: boolean }>(
      `WITH c AS (SELECT id FROM customers WHERE id = $1),
       l AS (INSERT INTO customer_stores AS s (store_id, customer_id, via, linked_at) SELECT $2, id, $3, $4 FROM c
             ON CONFLICT (store_id, customer_id) DO UPDATE SET via = excluded.via
             WHERE s.via = 'lookup' AND excluded.via IN ('sign-up', 'order'))
       SELECT EXISTS (SELECT 1 FROM c) AS linked`,
      [customerId, storeId, via, now],
    );
    return rows[0]!.linked;
  }

  /** Seconds the store must wait before its next sign-up or edit with an email (0: none). */
  async emailRefusalWait(storeId: string, now: number): Promise<number> {
    const { rows } = await this.db.query<{ refusals: (number | string)[] }>(
      'SELECT refusals FROM customer_email_refusals WHERE store_id = $1',
      [storeId],
    );
    return refusalWaitSeconds((rows[0]?.refusals ?? []).map(Number), now);
  }

  /** Records that the store was told an email is taken; false (nothing recorded) when its cap was already full. */
  async recordEmailRefusal(storeId: string, now: number): Promise<boolean> {
    const { rows } = await this.db.query<{ kept: boolean }>(RECORD_REFUSAL, [
      storeId,
      now,
      now - STORE_EMAIL_REFUSALS.windowMs,
      STORE_EMAIL_REFUSALS.max,
    ]);
    return rows[0]!.kept;
  }

  async isLinked(customerId: string, storeId: string): Promise<boolean> {
    // Ids from a store's events are any text: one that is not a UUID names nobody (and Postgres would refuse the cast).
    if (!isUuid(customerId) || !isUuid(storeId)) return false;
    const { rows } = await this.db.query('SELECT 1 FROM customer_stores WHERE store_id = $1 AND customer_id = $2', [
      storeId,
      customerId,
    ]);
    return rows.length > 0;
  }

  /**
   * Whether `storeId` may read and edit the customer's profile: linked by a sign-up, an order or a cart change there,
   * not by a kiosk look-up alone (that link is for the customer's cart).
   */
  async profileVisibleTo(customerId: string, storeId: string): Promise<boolean> {
    const { rows } = await this.db.query(
      "SELECT 1 FROM customer_stores WHERE store_id = $1 AND customer_id = $2 AND via <> 'lookup'",
      [storeId, customerId],
    );
    return rows.length > 0;
  }

  /**
   * Up to two customers matching what a customer showed or typed at a kiosk: the whole card number, the email, or a
   * phone number compared by its digits' end (`phoneDigits`, at least nine of them: the shorter of the typed and the
   * stored number ends the other). Two answers mean the number is not enough to tell who it is.
   */
  async lookup(by: CustomerLookup): Promise<{ id: string; name: string }[]> {
    const sql =
      'card' in by
        ? 'SELECT id, name FROM customers WHERE loyalty_card = $1 LIMIT 2'
        : 'email' in by
          ? 'SELECT id, name FROM customers WHERE email = $1 LIMIT 2'
          : `WITH near AS (
               SELECT id, name, ltrim(regexp_replace(phone, '[^0-9]', '', 'g'), '0') AS digits FROM customers
               WHERE phone IS NOT NULL AND right(regexp_replace(phone, '[^0-9]', '', 'g'), 9) = right($1, 9))
             SELECT id, name FROM near WHERE digits LIKE '%' || $1 OR $1 LIKE '%' || digits ORDER BY id LIMIT 2`;
    const value = 'card' in by ? by.card : 'email' in by ? by.email : by.phone;
    const { rows } = await this.db.query<{ id: string; name: string }>(sql, [value]);
    return rows;
  }

  /** The customers holding these loyalty cards (card → id); a card nobody holds is left out. */
  async idsByCards(cards: readonly string[]): Promise<Map<string, string>> {
    if (!cards.length) return new Map();
    const { rows } = await this.db.query<{ id: string; loyalty_card: string }>(
      'SELECT id, loyalty_card FROM customers WHERE loyalty_card = ANY($1::text[])',
      [[...new Set(cards)]],
    );
    return new Map(rows.map((r) => [r.loyalty_card, r.id]));
  }

  /** Seconds the store must wait before its next look-up (0: none). */
  /** Seconds the store must wait before its next look-up on this budget (0: none). */
  async lookupMissWait(storeId: string, now: number, budget: LookupBudget = 'contact'): Promise<number> {
    const column = MISS_COLUMN[budget];
    const { rows } = await this.db.query<{ misses: (number | string)[] }>(
      `SELECT ${column} AS misses FROM customer_lookup_misses WHERE store_id = $1`,
      [storeId],
    );
    return refusalWaitSeconds((rows[0]?.misses ?? []).map(Number), now, LOOKUP_BUDGETS[budget]);
  }

  /** Records a look-up that found nobody; false (nothing recorded) when the store's cap was already full. */
  async recordLookupMiss(storeId: string, now: number, budget: LookupBudget = 'contact'): Promise<boolean> {
    const policy = LOOKUP_BUDGETS[budget];
    const { rows } = await this.db.query<{ kept: boolean }>(recordMiss(MISS_COLUMN[budget]), [
      storeId,
      now,
      now - policy.windowMs,
      policy.max,
    ]);
    return rows[0]!.kept;
  }
}
