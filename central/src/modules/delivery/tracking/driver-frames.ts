/**
 * The drivers' socket (`/api/delivery/drivers`) on the wire is defined once, for the hub and any driver app, in
 * @storefleet/shared (protocol/delivery-driver.ts); tracking's files read it from here.
 */
export {
  driverFrameSchema,
  driverOfferSchema,
  PROOF_KINDS,
  type DriverFrame,
  type DriverOffer,
  type HubToDriver,
  type ProofKind,
  type RunDelivery,
} from '@storefleet/shared';
