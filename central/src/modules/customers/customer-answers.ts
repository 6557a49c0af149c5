import { z } from 'zod';

/**
 * A customer as `/api/customers` answers one, as the OpenAPI document promises it (issue #26):
 * `central/tests/openapi-responses.test.ts` validates real answers against it, so the `CustomerProfile` type (the
 * kernel's `Customer` and the card) and this schema cannot drift apart unnoticed. To head office the loyalty card is
 * the whole number; to a store only its last four digits behind dots (`••••••••••••1234`), hence a plain string.
 */
export const customerAnswer = z.strictObject({
  id: z.string(),
  name: z.string(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
  preferredStoreId: z.string().nullable(),
  loyaltyCard: z.string().nullable(),
  /** Epoch milliseconds. */
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
});
