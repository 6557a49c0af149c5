import type { SqliteDb } from '../db/open-sqlite.js';
import type { DeviceConfig, DeviceKind } from './config.js';

const KIND_NAMES: Record<DeviceKind, string> = {
  rfid: 'RFID reader',
  scanner: 'Barcode scanner',
  scale: 'Scale',
  printer: 'Receipt printer',
};

/**
 * What a device label may hold: no control characters (`\p{Cc}`) and no invisible formatting ones (`\p{Cf}`: U+202E
 * that reverses the text after it, zero-width spaces and joiners), which would make one label read as another.
 */
export const LABEL_TEXT = /^[^\p{Cc}\p{Cf}]*$/u;

/** What a page calls a device of this kind: `RFID reader`, `Barcode scanner`. */
export const kindName = (kind: DeviceKind): string => KIND_NAMES[kind];

/**
 * The label each configured device shows before staff name it: its config's `label`, else its kind and its place
 * among the devices of that kind (`Barcode scanner 2`), so two scanners never read the same.
 */
export function defaultLabels(configs: readonly DeviceConfig[]): Map<string, string> {
  const seen = new Map<DeviceKind, number>();
  const out = new Map<string, string>();
  for (const c of configs) {
    const n = (seen.get(c.kind) ?? 0) + 1;
    seen.set(c.kind, n);
    const configured = typeof c.label === 'string' && LABEL_TEXT.test(c.label) ? c.label.trim().slice(0, 60) : '';
    out.set(c.name, configured || `${KIND_NAMES[c.kind]} ${n}`);
  }
  return out;
}

/** The names staff gave devices (SQLite, the node's own file); kept across restarts and config edits. */
export class DeviceLabels {
  readonly #all;
  readonly #put;

  constructor(
    db: SqliteDb,
    readonly now: () => number,
  ) {
    this.#all = db.prepare('SELECT name, label FROM device_labels');
    this.#put = db.prepare(
      `INSERT INTO device_labels (name, label, updated_at) VALUES (?, ?, ?)
       ON CONFLICT (name) DO UPDATE SET label = excluded.label, updated_at = excluded.updated_at`,
    );
  }

  /** Staff-given labels by device name. */
  given(): Map<string, string> {
    return new Map((this.#all.all() as { name: string; label: string }[]).map((r) => [r.name, r.label]));
  }

  set(name: string, label: string): void {
    this.#put.run(name, label, this.now());
  }
}
