export type DeviceKind = 'rfid' | 'scanner' | 'scale' | 'printer';

export interface DeviceConfig {
  /** Shown on pages and in metrics (`rfid-1`, `lane-3-scanner`). */
  readonly name: string;
  readonly kind: DeviceKind;
  /** The serial port by path (`/dev/ttyUSB0`, `/dev/serial/by-id/…`, a pty). */
  readonly path: string;
  readonly baudRate?: number;
  /** RFID: antenna number → zone name (default `zone-<antenna>`). */
  readonly zones?: Readonly<Record<number, string>>;
  /** RFID: transmit power in dBm (default 26). */
  readonly powerDbm?: number;
}

export interface RfidCountingConfig {
  /** One reconciliation cycle per this many ms (default 60 s). */
  readonly cycleMs?: number;
  /** Cycles a drift must persist before stock moves (default 3). */
  readonly cyclesToConfirm?: number;
  /** Reads weaker than this (dBm) are tags outside the zone (default −65). */
  readonly minRssi?: number;
}
