import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createPublicKey, generateKeyPairSync, randomBytes, randomUUID, sign } from 'node:crypto';
import {
  PICKUP_CODE_PREFIX,
  pickupPayload,
  TICKET_CODE_PREFIX,
  ticketPayload,
  typedCodeHash,
  type FeedEntry,
} from '@storefleet/shared';
import { createStoreNode, type StoreNode } from '../../src/index.js';
import type { StoreAccessRole } from '../../src/access-matrix.js';
import { rawCall, type RawAnswer, type RawRequest } from '../../../central/tests/support/raw-http.js';

/** The node's own screen: the test calls from this source address, which the node is told to trust. */
export const SCREEN_ADDRESS = '127.0.0.2';
/** A device on the store's network: 127.0.0.1, which this node does not trust. */
export const LAN_ADDRESS = '127.0.0.1';

/**
 * How each role reaches the node: from which address, with which headers. The kiosk comes two ways; the POS and
 * pickup screens are trusted screens with their marker.
 */
export interface StoreCaller {
  readonly role: StoreAccessRole;
  readonly label: string;
  readonly localAddress: string;
  readonly headers: Record<string, string>;
}

/**
 * A stand-alone store node that trusts only 127.0.0.2, so one node serves every role: its lane and kiosk screens
 * call from 127.0.0.2 (the kiosk with `sf_screen=kiosk`), LAN devices from 127.0.0.1 — a handheld and a kiosk
 * paired through the API with codes the lane minted, and a device that never paired. Also what every route's valid
 * call needs, each of the node's own: a product with stock, sales (an open one, and one each to tender, void and
 * return from), held pickups (one to hand over, one for a no-show) as the hub's feed brings them, a pickup code
 * signed with the key the node trusts, an unused pairing code per caller and a spare paired device for the unpair route.
 */
export async function storeAccessFixture(): Promise<StoreAccessFixture> {
  const dir = mkdtempSync(join(tmpdir(), 'sf-matrix-'));
  const node = createStoreNode({
    dbPath: join(dir, 'store.sqlite'),
    port: 0,
    logLevel: 'silent',
    mode: 'test',
    trustedAddresses: [SCREEN_ADDRESS],
    name: 'Matrix store',
    // a configured scanner (its port is absent: it stays closed), so the device routes name one the node has
    devices: [{ name: 'matrix-scanner', kind: 'scanner', path: join(dir, 'no-such-port') }],
  });
  await node.start();
  const url = node.url!;
  const json = (body: unknown) => ({ headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const must = async (what: string, p: Promise<RawAnswer>) => {
    const r = await p;
    if (r.status >= 300) throw new Error(`fixture: ${what} answered ${r.status} ${r.text}`);
    return r.json;
  };
  const pairAs = async (role: 'handheld' | 'kiosk', name: string) => {
    const { code } = await must(
      `a ${role} code`,
      rawCall(url, { method: 'POST', path: '/api/pairing/codes', localAddress: SCREEN_ADDRESS, ...json({ role }) }),
    );
    return must(
      `pairing a ${role}`,
      rawCall(url, { method: 'POST', path: '/api/pairing/pair', localAddress: LAN_ADDRESS, ...json({ code, name }) }),
    );
  };
  const handheld = await pairAs('handheld', 'Matrix handheld');
  const kiosk = await pairAs('kiosk', 'Matrix kiosk');
  const spare = await pairAs('handheld', 'Spare handheld');

  // a product, as the catalog puller writes it, and stock received at the lane
  node.db
    .prepare(
      `INSERT INTO catalog_products (sku, gtin, name, brand, size, category, price_minor, currency, tax_class, updated_at) VALUES ('MUG', '0000000000017', 'Matrix mug', NULL, NULL, 'Kitchen', 900, 'USD', 'STANDARD', 1)`,
    )
    .run();
  const lane = (method: string, path: string, body?: unknown) =>
    rawCall(url, { method, path, localAddress: SCREEN_ADDRESS, ...(body === undefined ? {} : json(body)) });
  await must('stock', lane('POST', '/api/stock/movements', { sku: 'MUG', delta: 100, kind: 'RECEIVE' }));
  const openSale = async (what: string, withLine: boolean) => {
    const s = await must(what, lane('POST', '/api/pos/sales', {}));
    if (withLine) await must(`${what}: a line`, lane('POST', `/api/pos/sales/${s.id}/lines`, { code: 'MUG', qty: 1 }));
    return s.id as string;
  };
  const sales = {
    open: await openSale('a sale', false),
    toTender: await openSale('a sale to tender', true),
    toVoid: await openSale('a sale to void', true),
    paid: await openSale('a paid sale', true),
  };
  await must(
    'paying a sale',
    lane('POST', `/api/pos/sales/${sales.paid}/tender`, { kind: 'CASH', givenMinor: 100_000 }),
  );

  // held pickups as the hub's feed brings them, and a pickup code signed with the key the node has from the hub
  const now = Date.now();
  // the store's typed-code key, as the hub gives it; the hold to verify a typed code on has the code K7M-4QH
  const typedKey = randomBytes(32).toString('base64url');
  node.bopis.saveTypedCodeKey(typedKey);
  const held = (customerRef: string, pickupCodeHash?: string) => {
    const id = randomUUID();
    const entry = {
      seq: 0,
      type: 'reservation.changed',
      createdAt: now,
      payload: {
        id,
        status: 'HELD',
        customerRef,
        lines: [{ sku: 'MUG', qty: 1 }],
        expiresAt: now + 3_600_000,
        updatedAt: now,
        ...(pickupCodeHash ? { pickupCodeHash } : {}),
      },
    };
    node.bopis.applyFeed(entry as FeedEntry);
    return id;
  };
  const pickups = {
    toHandOver: held('Matrix hand-over'),
    toMiss: held('Matrix no-show'),
    toVerify: held('Matrix typed code', typedCodeHash(typedKey, 'K7M4QH')),
  };
  // a delivery leaving from this store, assigned to a driver, with its hold: the one to hand to the driver
  const toDriver = randomUUID();
  node.delivery.applyChanged({
    seq: 0,
    type: 'delivery.changed',
    createdAt: now,
    payload: {
      id: toDriver,
      orderNumber: 'SF-90001',
      reservationId: held('Matrix delivery'),
      status: 'ASSIGNED',
      speed: 'SAME_DAY',
      window: { from: now + 3_600_000, to: now + 7_200_000 },
      customerName: 'Mat R.',
      area: '10115 Berlin',
      lines: [{ sku: 'MUG', qty: 1 }],
      carrier: { kind: 'VAN', name: 'Matrix vans' },
      driver: { name: 'Sam K.', vehicle: 'B-SF 1' },
      collectBy: now + 1_800_000,
      ageRestricted: false,
      updatedAt: now,
    },
  } as FeedEntry);
  const { privateKey } = generateKeyPairSync('ed25519');
  node.bopis.savePublicKey(createPublicKey(privateKey).export({ format: 'der', type: 'spki' }).toString('base64url'));
  const payload = pickupPayload({
    reservationId: randomUUID(),
    storeId: node.bopis.storeId,
    lines: [{ sku: 'MUG', qty: 1 }],
    expiresAt: now + 3_600_000,
  });
  const pickupCode = `${PICKUP_CODE_PREFIX}.${payload}.${sign(null, Buffer.from(payload), privateKey).toString('base64url')}`;
  // a service slot this store runs, as the hub's feed brings it, and a ticket for it signed with the key the node keeps
  const showId = randomUUID();
  node.booking.applyShow({
    seq: 0,
    type: 'booking.show',
    createdAt: now,
    payload: {
      showId,
      storeId: node.booking.storeId,
      venueName: 'Matrix room',
      title: 'Matrix workshop',
      kind: 'CAPACITY',
      startsAt: now + 3_600_000,
      endsAt: now + 7_200_000,
      capacity: 12,
      priceFromMinor: 1500,
      currency: 'USD',
      status: 'ON_SALE',
      version: 1,
    },
  } as FeedEntry);
  const ticketKey = generateKeyPairSync('ed25519').privateKey;
  node.booking.saveTicketKey(createPublicKey(ticketKey).export({ format: 'der', type: 'spki' }).toString('base64url'));
  const claim = ticketPayload({
    bookingId: randomUUID(),
    ticketNo: 1,
    showId,
    storeId: node.booking.storeId,
    startsAt: now + 3_600_000,
    endsAt: now + 7_200_000,
    seat: '',
  });
  const ticketCode = `${TICKET_CODE_PREFIX}.${claim}.${sign(null, Buffer.from(claim), ticketKey).toString('base64url')}`;
  const callers: StoreCaller[] = [
    { role: 'lane', label: 'lane', localAddress: SCREEN_ADDRESS, headers: {} },
    { role: 'kiosk', label: 'kiosk screen', localAddress: SCREEN_ADDRESS, headers: { cookie: 'sf_screen=kiosk' } },
    { role: 'pos', label: 'POS screen', localAddress: SCREEN_ADDRESS, headers: { cookie: 'sf_screen=pos' } },
    { role: 'pickup', label: 'pickup screen', localAddress: SCREEN_ADDRESS, headers: { cookie: 'sf_screen=pickup' } },
    {
      role: 'kiosk',
      label: 'paired kiosk',
      localAddress: LAN_ADDRESS,
      headers: { authorization: `Bearer ${kiosk.token}` },
    },
    {
      role: 'handheld',
      label: 'handheld',
      localAddress: LAN_ADDRESS,
      headers: { authorization: `Bearer ${handheld.token}` },
    },
    { role: 'unpaired', label: 'unpaired', localAddress: LAN_ADDRESS, headers: {} },
  ];
  // pairing uses its code up, and a used code is a wrong credential (401): each caller gets a code of its own
  const pairingCodes: Record<string, string> = {};
  for (const c of callers)
    pairingCodes[c.label] = (
      await must(
        'a code',
        rawCall(url, {
          method: 'POST',
          path: '/api/pairing/codes',
          localAddress: SCREEN_ADDRESS,
          ...json({ role: 'handheld' }),
        }),
      )
    ).code;
  const call = (c: StoreCaller, r: Omit<RawRequest, 'localAddress'>) =>
    rawCall(url, { ...r, localAddress: c.localAddress, headers: { ...c.headers, ...r.headers } });
  return {
    node,
    callers,
    sales,
    pickups,
    deliveries: { toDriver },
    pickupCode,
    booking: { showId, ticketCode },
    pairingCodes,
    spareDeviceId: spare.device.id,
    customerId: randomUUID(),
    call,
  };
}

export interface StoreAccessFixture {
  readonly node: StoreNode;
  readonly callers: StoreCaller[];
  readonly sales: { readonly open: string; readonly toTender: string; readonly toVoid: string; readonly paid: string };
  readonly pickups: { readonly toHandOver: string; readonly toMiss: string; readonly toVerify: string };
  /** A delivery assigned to a driver, its hold at this store: the hand-to-driver route's target. */
  readonly deliveries: { readonly toDriver: string };
  readonly pickupCode: string;
  /** A show this store runs and a valid ticket for it (the door lets it in once). */
  readonly booking: { readonly showId: string; readonly ticketCode: string };
  /** An unused pairing code for each caller, by its label. */
  readonly pairingCodes: Readonly<Record<string, string>>;
  readonly spareDeviceId: string;
  readonly customerId: string;
  call(c: StoreCaller, r: Omit<RawRequest, 'localAddress'>): Promise<RawAnswer>;
}
