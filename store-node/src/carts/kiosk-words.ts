import { AppError, ConflictError, RateLimitedError, type FulfilmentType } from '@storefleet/shared';

/** What a customer at the kiosk reads when a cart needs the hub and it does not answer. */
export const CART_OFFLINE =
  'Your online cart can’t be opened right now — it needs a connection to head office. Try again in a minute.';
export const PICKUP_OFFLINE = 'Choosing pickup needs a connection to head office — try again in a minute.';
export const NO_CART_OPEN =
  'No cart is open on this screen: scan your customer card, or type your phone number or e-mail.';
export const NOT_FOUND_WORDS =
  'We couldn’t find an account with that card, phone number or e-mail. Check it and try again, or ask a member of staff.';

/** The hub's refusal of a look-up (400, 404, 429), in a customer's words. */
export function lookupRefusal(status: number, detail: string): AppError {
  if (status === 404) return new AppError('not-found', NOT_FOUND_WORDS);
  if (status === 429) return new AppError('rate-limited', `${capitalise(detail)}.`, {});
  if (status === 400) return new AppError('validation', `${capitalise(detail)}.`);
  return new AppError('unavailable', CART_OFFLINE);
}

/** Every session slot holds a customer who touched their cart within the idle time: none is ended for a newcomer. */
export const TOO_MANY_CARTS = 'Too many carts are open at this store right now. Please try again in a minute.';

/** This screen's own look-ups are spent (`LookupBudget`), in a customer's words; 429 with Retry-After. */
export function screenLookupsWait(seconds: number, spent: boolean): AppError {
  return new RateLimitedError(
    spent
      ? 'This screen has had too many tries this hour. Please ask a member of staff to open your cart.'
      : `Too many tries. Please wait ${seconds} seconds and try again, or ask a member of staff.`,
    seconds,
  );
}

/** A screen's second look-up while its first is still at the hub: 429, one look-up at a time per screen. */
export const ONE_LOOKUP_AT_A_TIME = 'One look-up at a time: please wait a moment for the first to finish.';
export const oneLookupAtATime = (): AppError => new RateLimitedError(ONE_LOOKUP_AT_A_TIME, 1);

/**
 * The hub's out-of-stock refusal (409 with `outOfStock`, `sku`, `wanted`, `available`) in a customer's words, for the
 * fulfilment the cart has or is being given; any other refusal keeps the hub's words. `wanted` is the quantity the
 * change asked for (one more than the cart has, for an added one); `inCart`, when known, is what the cart still has
 * of the line after the refusal, which is what the customer is told their cart has.
 */
export function stockRefusal(
  body: Record<string, unknown>,
  name: (sku: string) => string,
  fulfilment: FulfilmentType,
  atThisStore: boolean,
  inCart?: number,
): ConflictError {
  const detail = String(body.detail ?? 'the hub refused the change');
  if (!body.outOfStock || typeof body.sku !== 'string') return new ConflictError(`${capitalise(detail)}.`);
  const what = name(body.sku);
  const wanted = Number(body.wanted);
  const available = Number(body.available ?? 0);
  const extra = { sku: body.sku, outOfStock: true, wanted, available };
  if (fulfilment === 'SHIP')
    return new ConflictError(
      `${what} can’t be shipped right now: our warehouses don’t have ${wanted} in stock.`,
      extra,
    );
  const where = atThisStore ? 'in this store' : 'at the store you chose';
  const how = fulfilment === 'CURBSIDE' ? 'curbside pickup' : fulfilment === 'DELIVERY' ? 'delivery' : 'pickup';
  if (available <= 0)
    return new ConflictError(
      `${what} is out of stock ${where}, so it can’t be added for ${how}. Remove it, or ask us about other stores.`,
      extra,
    );
  // A refused add or raise leaves the cart as it was: say what it has, not what was asked for.
  if (inCart !== undefined && inCart < wanted)
    return new ConflictError(
      inCart >= available
        ? `Only ${available} ${what} left ${where} for ${how} — your cart already has ${inCart}.`
        : inCart > 0
          ? `Only ${available} ${what} left ${where} for ${how} — your cart still has ${inCart}.`
          : `Only ${available} ${what} left ${where} for ${how} — choose ${available} or fewer.`,
      { ...extra, inCart },
    );
  return new ConflictError(
    `Only ${available} ${what} left ${where} for ${how} — your cart has ${wanted}. Lower the quantity, or remove it.`,
    extra,
  );
}

const capitalise = (s: string) => s.charAt(0).toUpperCase() + s.slice(1);
