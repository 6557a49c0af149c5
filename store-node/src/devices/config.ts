export type DeviceKind = 'rfid' | 'scanner' | 'scale' | 'printer';

export interface DeviceConfig {
  /** Shown on pages and in metrics (`rfid-1`, `lane-3-scanner`). */
  readonly name: string;
  /**
   * What pages call it ("Lane 3 scanner", "Back-room RFID reader"); default: its kind and number (`RFID reader 1`).
   * Staff can rename it on the handheld; their name wins over this one.
   */
  readonly label?: string;
  readonly kind: DeviceKind;
  /** The serial port by path (`/dev/ttyUSB0`, `/dev/serial/by-id/…`, a pty). */
  readonly path: string;
  readonly baudRate?: number;
  /** RFID: antenna number → zone name (default `zone-<antenna>`). */
  readonly zones?: Readonly<Record<number, string>>;
  /** RFID: transmit power in dBm (default 26). */
  readonly powerDbm?: number;
  /** RFID: how long the reader takes to sweep its zones once (default 500 ms); windows are judged in these sweeps. */
  readonly sweepMs?: number;
  /** RFID: open, inventorying and not a frame for this long → the reader shows as `silent` (default 10 sweeps, ≥ 2 s). */
  readonly silentAfterMs?: number;
}

export interface RfidCountingConfig {
  /** One reconciliation cycle per this many ms (default 60 s). */
  readonly cycleMs?: number;
  /** Cycles a drift must persist before stock moves (default 3). */
  readonly cyclesToConfirm?: number;
  /** Reads weaker than this (dBm) are tags outside the zone (default −65). */
  readonly minRssi?: number;
  /**
   * The fewest sweeps every reader must have heard in a cycle for it to count (default 3; at least a third of the
   * sweeps the cycle's length allows is required as well). A cycle in which a reader's link dropped or reopened, or
   * that heard fewer sweeps, is reported as incomplete and never moves stock.
   */
  readonly minSweeps?: number;
}
