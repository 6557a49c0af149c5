import { z } from 'zod';
import { ValidationError, type FieldIssue } from './errors.js';
import { isUuid } from './ids.js';

/** Parses `value` with `schema` or throws a ValidationError naming every bad field. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, what = 'request'): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues: FieldIssue[] = result.error.issues.map((i) => ({
    path: i.path.map(String).join('.') || '(root)',
    message: i.message,
  }));
  const first = issues[0];
  const summary = first ? `${first.path}: ${first.message}` : 'invalid';
  throw new ValidationError(
    `invalid ${what} (${summary}${issues.length > 1 ? `, +${issues.length - 1} more` : ''})`,
    issues,
  );
}

export const uuidSchema = z.string().refine(isUuid, { message: 'must be a UUID' });
/** Integer minor units; the upper bound stops absurd amounts before they reach arithmetic. */
export const minorUnitsSchema = z.number().int().min(0).max(1_000_000_000_00);
export const skuSchema = z
  .string()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, 'letters, digits, dot, dash, underscore');
/** A line quantity a real till or order could carry. */
/**
 * A whole number from a query string, `min`–`max`, in decimal digits only (`z.coerce.number()` would read `0x10`,
 * `1e1`, `' 5'` or an empty value as numbers). `what` names the things counted in the message ("products").
 */
export const decimalCountParam = (min: number, max: number, what: string) =>
  z
    .string()
    .regex(
      new RegExp(`^[0-9]{1,${String(max).length}}$`),
      `a number of ${what} from ${min} to ${max}, in decimal digits`,
    )
    .transform(Number)
    .pipe(z.number().int().min(min, `at least ${min} ${what}`).max(max, `at most ${max} ${what}`));

export const quantitySchema = z.number().int().min(1).max(10_000);
export const latSchema = z.number().min(-90).max(90);
export const lonSchema = z.number().min(-180).max(180);
