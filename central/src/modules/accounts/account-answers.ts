import { z } from 'zod';

/**
 * What head office's account pages read, as the OpenAPI document promises it (issue #26); the customer's own routes
 * answer `accountSchema` and `signedInSchema` (routes.ts). `central/tests/openapi-responses.test.ts` validates real
 * answers against both; `AccountSummary` stays the type the repository builds.
 */
const isoTime = z.iso.datetime();

/** Accounts found by e-mail: each with its live sessions and last sign-in (ISO-8601 times). */
export const accountSearchAnswer = z.strictObject({
  items: z.array(
    z.strictObject({
      customerId: z.string(),
      email: z.string().nullable(),
      guest: z.boolean(),
      activeSessions: z.number().int().min(0),
      lastSignInAt: isoTime.nullable(),
      createdAt: isoTime,
    }),
  ),
});

const outboxStates = ['queued', 'sent', 'failed'] as const;

/** The customer e-mail outbox: how many mails are in each state, and the latest 20 (never their bodies). */
export const outboxAnswer = z.strictObject({
  counts: z.strictObject({ queued: z.number().int(), sent: z.number().int(), failed: z.number().int() }),
  recent: z.array(
    z.strictObject({
      id: z.string(),
      to: z.string(),
      subject: z.string(),
      state: z.enum(outboxStates),
      attempts: z.number().int().min(0),
      lastError: z.string().nullable(),
      createdAt: isoTime,
      sentAt: isoTime.nullable(),
    }),
  ),
});
