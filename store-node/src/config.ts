import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { HubCredential } from './hub-link/hub-link.js';
import type { StoreSyncOptions } from './sync/store-sync.js';
import type { PaymentTerminal } from './pos/payment-terminal.js';
import { laneNumber, returnWindowDays } from './pos/store-profile.js';
import type { DeviceConfig, RfidCountingConfig } from './devices/config.js';
import { LABEL_TEXT } from './devices/device-labels.js';
import type { ExecutorConfig } from './tasks/store-executor.js';

export interface StoreNodeConfig {
  /** The store's SQLite file (default `./data/store/store.sqlite`). */
  readonly dbPath?: string;
  /** 0 picks a free port (tests). Default 8090. */
  readonly port?: number;
  readonly host?: string;
  readonly logLevel?: string;
  /** A display name for pages and logs. */
  readonly name?: string;
  /** Without it the node runs stand-alone (no sync). */
  readonly hub?: HubCredential | undefined;
  readonly now?: () => number;
  /** Acknowledged outbox events are kept this long for audit, then pruned (default 7). */
  readonly outboxRetentionDays?: number;
  readonly sync?: StoreSyncOptions;
  /**
   * How the node was started (`STORE_MODE`, default `production`). Only `demo` (`npm start`) and `test` run the
   * simulated card terminal when none is named; a production node with none refuses card tenders (cash still works).
   */
  readonly mode?: StoreMode;
  /** The card terminal's driver by name (`STORE_PAYMENT_TERMINAL=simulator`; a simulator in production logs a warning). */
  readonly paymentTerminalName?: PaymentTerminalName | undefined;
  /** The card terminal as an object (embedders, tests); wins over `paymentTerminalName`. */
  readonly paymentTerminal?: PaymentTerminal;
  /**
   * An open basket nobody has changed for this many minutes is voided by the hourly housekeeping, a card approved on
   * it voided at the terminal first (`STORE_BASKET_EXPIRY_MINUTES`; default 240, i.e. 4 hours; 15 to 10,080, a week).
   */
  readonly basketExpiryMinutes?: number;
  /** This till's lane number, 1–99 (`STORE_LANE`, default 1): the `03` in sale number `S001-03-00123`. */
  readonly lane?: number;
  /**
   * The store's code for sale numbers (`STORE_CODE`); by default the hub's (its store registry's locations.code),
   * `S000` until the hub has answered once.
   */
  readonly storeCode?: string;
  /** The IANA zone receipts show local time in (`STORE_TIMEZONE`); by default the hub's for this store, else the node's. */
  readonly timeZone?: string;
  /** Days to return an item with its receipt, printed on every receipt (`STORE_RETURN_DAYS`, default 30). */
  readonly returnWindowDays?: number;
  /** Tax per catalog tax class in ppm (default: STANDARD 8.875 %, REDUCED and ZERO 0). */
  readonly taxRatesPpm?: Readonly<Record<string, number>>;
  readonly currency?: string;
  /** Serial devices plugged into this node (RFID readers, scanners, scales, printers). */
  readonly devices?: readonly DeviceConfig[];
  readonly rfid?: RfidCountingConfig;
  /** The local worker pool (default: one worker per core). */
  readonly executor?: ExecutorConfig;
  /**
   * Addresses whose calls need no pairing: the node's own screens (default loopback). Devices on the store's network
   * (handhelds) pair once with a code shown on a trusted screen.
   */
  readonly trustedAddresses?: readonly string[];
  /**
   * What a caller from a trusted address is (`STORE_LOOPBACK_ROLE`, default `lane`). `lane`: a staff screen, unless its
   * browser carries the kiosk marker (`sf_screen=kiosk`, set when it opened /kiosk.html). `kiosk`: a machine that IS a
   * kiosk — every trusted caller is a kiosk whatever its cookies (a private window or a cleared cookie jar stays a
   * kiosk); such a node has no lane, so pairing codes are minted elsewhere. The Electron shell sets `kiosk` for a kiosk
   * window. `pos` / `pickup`: a machine that is only a POS lane or only the pickup desk — every trusted caller reaches
   * only that page and its API (a kiosk marker still narrows a browser to the kiosk).
   */
  readonly loopbackRole?: LoopbackRole;
  /**
   * Host names the node answers to besides IP literals and `localhost` (`STORE_HOSTNAMES`, comma-separated, e.g.
   * `store-0042.local`). A request naming any other host is refused (403): a page on another site that rebinds its
   * own name to this node's address (DNS rebinding) reaches nothing.
   */
  readonly hostnames?: readonly string[];
  /**
   * Staff sign-in at the lanes (issue #27; `STAFF_SIGN_IN`): `auto` (the default) asks for a person's PIN at the POS,
   * and a manager's PIN for voids, refunds over the limit, price overrides and no-sale drawer opens, once the store has
   * a staff roster from its hub with anyone on it; `required` asks always (no roster yet: the POS says so and sells
   * nothing); `off` asks never (a demo screen).
   */
  readonly staffSignIn?: StaffSignIn;
  /** A refund above this many minor units needs a manager's PIN (`STORE_REFUND_APPROVAL_OVER`, default 5000). */
  readonly refundApprovalOverMinor?: number;
}

export type StaffSignIn = 'auto' | 'required' | 'off';
export const STAFF_SIGN_IN_MODES: readonly StaffSignIn[] = ['auto', 'required', 'off'];
export const DEFAULT_REFUND_APPROVAL_OVER_MINOR = 5000;

export type StoreMode = 'production' | 'demo' | 'test';
export const STORE_MODES: readonly StoreMode[] = ['production', 'demo', 'test'];
export type PaymentTerminalName = 'simulator';

export type LoopbackRole = 'lane' | 'kiosk' | 'pos' | 'pickup';
export const LOOPBACK_ROLES: readonly LoopbackRole[] = ['lane', 'kiosk', 'pos', 'pickup'];

export function storeNodeConfigFromEnv(env: NodeJS.ProcessEnv = process.env): StoreNodeConfig {
  const hub =
    env.HUB_URL && env.STORE_ID && env.STORE_SECRET
      ? {
          url: env.HUB_URL,
          storeId: env.STORE_ID,
          secret: env.STORE_SECRET,
          ...hubTlsFromEnv(env),
        }
      : undefined;
  return {
    dbPath: env.STORE_DB ?? './data/store/store.sqlite',
    port:
      checked(
        'PORT',
        env.PORT,
        z.string().regex(/^\d+$/).transform(Number).pipe(z.number().max(65_535)),
        'a TCP port from 0 to 65535',
      ) ?? 8090,
    host: env.HOST ?? '127.0.0.1',
    logLevel: env.LOG_LEVEL ?? 'info',
    name: env.STORE_NAME,
    hub,
    devices: env.STORE_DEVICES ? parseDevices(env.STORE_DEVICES) : [],
    ...(env.STORE_TRUSTED_ADDRESSES !== undefined ? { trustedAddresses: list(env.STORE_TRUSTED_ADDRESSES) } : {}),
    ...(env.STORE_LOOPBACK_ROLE !== undefined ? { loopbackRole: parseLoopbackRole(env.STORE_LOOPBACK_ROLE) } : {}),
    ...(env.STORE_HOSTNAMES !== undefined ? { hostnames: list(env.STORE_HOSTNAMES) } : {}),
    mode:
      checked(
        'STORE_MODE',
        env.STORE_MODE,
        z.enum(STORE_MODES),
        `one of ${STORE_MODES.join(', ')} (production runs no simulator it was not told to)`,
      ) ?? 'production',
    paymentTerminalName: checked(
      'STORE_PAYMENT_TERMINAL',
      env.STORE_PAYMENT_TERMINAL,
      z.literal('simulator'),
      'simulator (the only terminal driver so far)',
    ),
    ...(env.STORE_LANE ? { lane: laneNumber(env.STORE_LANE) } : {}),
    ...(env.STORE_CODE?.trim() ? { storeCode: env.STORE_CODE.trim() } : {}),
    ...(env.STORE_TIMEZONE?.trim() ? { timeZone: env.STORE_TIMEZONE.trim() } : {}),
    ...(env.STORE_RETURN_DAYS ? { returnWindowDays: returnWindowDays(env.STORE_RETURN_DAYS) } : {}),
    ...(env.STORE_BASKET_EXPIRY_MINUTES !== undefined
      ? { basketExpiryMinutes: basketExpiryMinutes(env.STORE_BASKET_EXPIRY_MINUTES) }
      : {}),
    ...(env.STAFF_SIGN_IN?.trim()
      ? {
          staffSignIn: checked(
            'STAFF_SIGN_IN',
            env.STAFF_SIGN_IN.trim(),
            z.enum(STAFF_SIGN_IN_MODES),
            `one of ${STAFF_SIGN_IN_MODES.join(', ')}`,
          ),
        }
      : {}),
    ...(env.STORE_REFUND_APPROVAL_OVER?.trim()
      ? {
          refundApprovalOverMinor: checked(
            'STORE_REFUND_APPROVAL_OVER',
            env.STORE_REFUND_APPROVAL_OVER.trim(),
            z
              .string()
              .regex(/^\d{1,12}$/)
              .transform(Number),
            'a whole number of minor units (cents), e.g. 5000 for 50.00',
          ),
        }
      : {}),
  };
}

/**
 * The hub link's TLS (issue #27): `HUB_CA_FILE`, the CA the store pins (the hub's certificate must chain to it; the
 * system's CAs are not used), and `STORE_CLIENT_CERT_FILE` + `STORE_CLIENT_KEY_FILE`, the store's client certificate
 * for mutual TLS. Files are read once at start; a missing file stops the node naming it.
 */
function hubTlsFromEnv(env: NodeJS.ProcessEnv): Pick<HubCredential, 'ca' | 'clientCert'> {
  const read = (name: string): string | undefined => {
    const path = env[name]?.trim();
    if (!path) return undefined;
    try {
      return readFileSync(path, 'utf8');
    } catch (err) {
      throw new Error(`${name} names ${path}, which cannot be read: ${(err as Error).message}`);
    }
  };
  const ca = read('HUB_CA_FILE');
  const cert = read('STORE_CLIENT_CERT_FILE');
  const key = read('STORE_CLIENT_KEY_FILE');
  if (!!cert !== !!key) throw new Error('STORE_CLIENT_CERT_FILE and STORE_CLIENT_KEY_FILE are set together');
  return { ...(ca ? { ca } : {}), ...(cert && key ? { clientCert: { cert, key } } : {}) };
}

export const DEFAULT_BASKET_EXPIRY_MINUTES = 240;
const expiryMinutes = z.coerce.number().int().min(15).max(10_080);

/** The open-basket expiry, checked (from the environment's text or the config's number); stops the node if it is off. */
export function basketExpiryMinutes(value: string | number | undefined): number {
  if (value === undefined) return DEFAULT_BASKET_EXPIRY_MINUTES;
  const parsed = expiryMinutes.safeParse(typeof value === 'string' && value.trim() === '' ? NaN : value);
  if (!parsed.success)
    throw new Error(
      `STORE_BASKET_EXPIRY_MINUTES (basketExpiryMinutes) must be a whole number of minutes from 15 to 10080 (a week), not "${value}"`,
    );
  return parsed.data;
}

/** A set variable checked against `schema`; a value it refuses stops the node, naming the variable and what it may be. */
function checked<T>(name: string, raw: string | undefined, schema: z.ZodType<T>, allowed: string): T | undefined {
  if (raw === undefined || raw.trim() === '') return undefined;
  const parsed = schema.safeParse(raw.trim());
  if (!parsed.success) throw new Error(`${name} must be ${allowed}, not "${raw}"`);
  return parsed.data;
}

const list = (csv: string) =>
  csv
    .split(',')
    .map((a) => a.trim())
    .filter(Boolean);

function parseLoopbackRole(value: string): LoopbackRole {
  const role = value.trim();
  if (!(LOOPBACK_ROLES as readonly string[]).includes(role))
    throw new Error(`STORE_LOOPBACK_ROLE must be one of ${LOOPBACK_ROLES.join(', ')}, not "${value}"`);
  return role as LoopbackRole;
}

/** `STORE_DEVICES`: a JSON array of device configs, e.g. `[{"name":"rfid-1","kind":"rfid","path":"/dev/ttyUSB0"}]`. */
function parseDevices(json: string): DeviceConfig[] {
  const list = JSON.parse(json) as unknown;
  if (!Array.isArray(list)) throw new Error('STORE_DEVICES must be a JSON array of {name, kind, path}');
  for (const d of list as DeviceConfig[]) {
    if (!d?.name || !d.path || !['rfid', 'scanner', 'scale', 'printer'].includes(d.kind))
      throw new Error(`STORE_DEVICES: bad entry ${JSON.stringify(d)}`);
    if (d.label !== undefined && (typeof d.label !== 'string' || !LABEL_TEXT.test(d.label)))
      throw new Error(
        `STORE_DEVICES: the label of ${JSON.stringify(d.name)} must be text without control or invisible formatting characters (U+202E, zero-width): ${JSON.stringify(d.label)}`,
      );
  }
  return list as DeviceConfig[];
}
