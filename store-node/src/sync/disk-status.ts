import { isDiskFull, type StoreDisk } from '@storefleet/shared';

/**
 * Whether the store's disk is full, as the node's own writes last found it: full from a write refused for lack of
 * space (SQLITE_FULL, ENOSPC) until a write succeeds again. The HTTP error handling and the sync client call
 * `failed`; a successful write calls `succeeded`. `/healthz` reads it, and every change goes to the hub (`onChange`).
 */
export class DiskStatus {
  #disk: StoreDisk = { full: false, at: 0, reason: null };
  readonly #listeners: ((disk: StoreDisk) => void)[] = [];

  constructor(readonly now: () => number) {}

  get current(): StoreDisk {
    return this.#disk;
  }

  /** Records a failed write; returns whether it was for lack of space (anything else is ignored). */
  failed(err: unknown): boolean {
    if (!isDiskFull(err)) return false;
    if (!this.#disk.full)
      this.#set({ full: true, at: this.now(), reason: String((err as Error)?.message ?? err).slice(0, 500) });
    return true;
  }

  /** A write went through: the disk has room again. */
  succeeded(): void {
    if (this.#disk.full) this.#set({ full: false, at: this.now(), reason: null });
  }

  onChange(listener: (disk: StoreDisk) => void): void {
    this.#listeners.push(listener);
  }

  #set(disk: StoreDisk): void {
    this.#disk = disk;
    for (const l of this.#listeners) l(disk);
  }
}
