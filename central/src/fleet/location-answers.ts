import { z } from 'zod';

/**
 * A store or distribution centre as `/api/locations` answers it (`Location`), as the OpenAPI document promises it
 * (issue #26); `central/tests/openapi-responses.test.ts` validates real answers against it.
 */
export const locationAnswer = z.strictObject({
  id: z.string(),
  code: z.string(),
  name: z.string(),
  kind: z.enum(['STORE', 'DC']),
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  /** An IANA time zone (`America/New_York`). */
  timezone: z.string(),
  /** Epoch milliseconds. */
  createdAt: z.number().int(),
  updatedAt: z.number().int(),
});
