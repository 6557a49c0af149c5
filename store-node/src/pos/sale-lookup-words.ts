import { AppError } from '@storefleet/shared';

const NUMBER_PARTS = /^(.+)-(\d{2})-(\d{5,9})$/;

/**
 * Why the sale a cashier typed or scanned (a receipt's number, for a return) is not at this till, in the cashier's
 * words: another store's receipt says which store it is from; anything else asks for the number on the receipt.
 * `typed` is what was asked for (a sale number already upper-cased); `ownPrefix` the store code this node's numbers
 * start with. A 404 either way.
 */
export function noSuchSale(typed: string, ownPrefix: string): AppError {
  const text = typed.trim();
  const store = NUMBER_PARTS.exec(text)?.[1];
  if (store && store !== ownPrefix)
    return new AppError(
      'not-found',
      `This receipt is from another store (${store}), not this one (${ownPrefix}): returns for it go to store ${store}.`,
      { entity: 'sale', id: text, store },
    );
  return new AppError('not-found', `No sale ${text} at this store — check the number on the receipt.`, {
    entity: 'sale',
    id: text,
  });
}
