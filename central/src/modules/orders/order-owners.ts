import type { Fulfilment } from '@storefleet/shared';

/**
 * The stores an order belongs to, besides its customer and head office: the store that fulfils it (a pickup,
 * curbside or delivery from that store; SHIP is fulfilled by a distribution centre) and the store whose lane or kiosk
 * placed it. Those stores read, cancel and check it in; to any other store it is missing.
 */
export function storesOf(o: { readonly fulfilment: Fulfilment; readonly placedStoreId: string | null }): string[] {
  const owners = new Set<string>();
  if (o.fulfilment.type !== 'SHIP' && o.fulfilment.storeId) owners.add(o.fulfilment.storeId);
  if (o.placedStoreId) owners.add(o.placedStoreId);
  return [...owners];
}
