import type { HubCredential } from './hub-link/hub-link.js';
import type { StoreSyncOptions } from './sync/store-sync.js';
import type { PaymentTerminal } from './pos/payment-terminal.js';
import type { DeviceConfig, RfidCountingConfig } from './devices/config.js';
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
  /** The card terminal (default: the simulator). */
  readonly paymentTerminal?: PaymentTerminal;
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
}

export function storeNodeConfigFromEnv(env: NodeJS.ProcessEnv = process.env): StoreNodeConfig {
  const hub =
    env.HUB_URL && env.STORE_ID && env.STORE_SECRET ? { url: env.HUB_URL, storeId: env.STORE_ID, secret: env.STORE_SECRET } : undefined;
  return {
    dbPath: env.STORE_DB ?? './data/store/store.sqlite',
    port: env.PORT ? Number(env.PORT) : 8090,
    host: env.HOST ?? '127.0.0.1',
    logLevel: env.LOG_LEVEL ?? 'info',
    name: env.STORE_NAME,
    hub,
    devices: env.STORE_DEVICES ? parseDevices(env.STORE_DEVICES) : [],
    ...(env.STORE_TRUSTED_ADDRESSES !== undefined ? { trustedAddresses: env.STORE_TRUSTED_ADDRESSES.split(',').map((a) => a.trim()).filter(Boolean) } : {}),
  };
}

/** `STORE_DEVICES`: a JSON array of device configs, e.g. `[{"name":"rfid-1","kind":"rfid","path":"/dev/ttyUSB0"}]`. */
function parseDevices(json: string): DeviceConfig[] {
  const list = JSON.parse(json) as unknown;
  if (!Array.isArray(list)) throw new Error('STORE_DEVICES must be a JSON array of {name, kind, path}');
  for (const d of list as DeviceConfig[]) {
    if (!d?.name || !d.path || !['rfid', 'scanner', 'scale', 'printer'].includes(d.kind)) throw new Error(`STORE_DEVICES: bad entry ${JSON.stringify(d)}`);
  }
  return list as DeviceConfig[];
}
