import { SerialPort } from 'serialport';

/** What a driver gets to talk back to its device. */
export interface ByteSink {
  write(data: Uint8Array): void;
}

/** A device protocol: fed the bytes that arrive, told when the port (re)opens so it can (re)issue its commands. */
export interface DeviceDriver {
  readonly kind: string;
  onData(chunk: Buffer): void;
  onOpen?(sink: ByteSink): void;
  /** The port went away; writes are dropped until the next onOpen. */
  onClose?(): void;
  /** Counters for /metrics and the device API. */
  stats(): Record<string, number>;
  /**
   * The port is open but the device should have said something by now and has not (a port with nothing behind it).
   * Drivers of devices that are quiet by nature (a scanner nobody uses) leave it out.
   */
  silent?(): boolean;
}

/** The part of a serial port the link uses; `serialport`'s SerialPort (real or mock binding) fits. */
export interface PortLike {
  on(event: 'open', cb: () => void): unknown;
  on(event: 'data', cb: (chunk: Buffer) => void): unknown;
  on(event: 'close' | 'error', cb: (err?: Error | null) => void): unknown;
  write(data: Uint8Array): unknown;
  close(cb?: (err?: Error | null) => void): unknown;
  readonly isOpen: boolean;
}

export type PortOpener = (path: string, baudRate: number) => PortLike;

export const openSerialPort: PortOpener = (path, baudRate) => new SerialPort({ path, baudRate });

/** `silent`: the port is open but the driver hears nothing from the device (see `DeviceDriver.silent`). */
export type LinkState = 'opening' | 'open' | 'silent' | 'waiting' | 'closed';

export interface LinkStatus {
  readonly path: string;
  readonly kind: string;
  readonly state: LinkState;
  readonly opens: number;
  readonly lastError: string | null;
  readonly bytesIn: number;
}

const closing = new WeakMap<PortLike, Promise<void>>();

/** Closes a port once, however many parties ask; resolves when its descriptor is closed (never rejects). */
function closePort(port: PortLike): Promise<void> {
  const pending = closing.get(port);
  if (pending) return pending;
  if (!port.isOpen) return Promise.resolve();
  const done = new Promise<void>((resolve) => port.close(() => resolve()));
  closing.set(port, done);
  return done;
}

/**
 * Keeps one device's serial port open: opens it by path (SerialPort.list() needs udevadm, which store PCs may lack),
 * and when the port fails or disappears (a USB reader unplugged) reopens it with backoff (0.2 s doubling to 5 s)
 * until it is back. The driver sees a fresh `onOpen` each time, so it can restart inventory on a replugged reader.
 */
export class SerialLink {
  #port: PortLike | undefined;
  #state: LinkState = 'closed';
  #retry: NodeJS.Timeout | undefined;
  #attempt = 0;
  #opens = 0;
  #bytesIn = 0;
  #lastError: string | null = null;
  #stopped = true;
  /** Settles when the current port has opened or failed to. */
  #settled: Promise<void> | undefined;

  constructor(
    readonly path: string,
    readonly baudRate: number,
    readonly driver: DeviceDriver,
    readonly open: PortOpener = openSerialPort,
    readonly onState: (s: LinkStatus) => void = () => {},
  ) {}

  start(): void {
    this.#stopped = false;
    this.#connect();
  }

  /**
   * Closes the port and stops reopening it. Resolves once the port is closed — a port still opening is waited for (up
   * to 5 s; if it opens later still, it is closed then) so that no descriptor outlives the link.
   */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#retry);
    const port = this.#port;
    const settled = this.#settled;
    this.#port = undefined;
    this.driver.onClose?.();
    this.#set('closed');
    if (!port) return;
    if (!port.isOpen && settled) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([settled, new Promise<void>((resolve) => (timer = setTimeout(resolve, 5000)))]);
      clearTimeout(timer);
    }
    await closePort(port);
  }

  status(): LinkStatus {
    const state = this.#state === 'open' && this.driver.silent?.() ? 'silent' : this.#state;
    return {
      path: this.path,
      kind: this.driver.kind,
      state,
      opens: this.#opens,
      lastError: this.#lastError,
      bytesIn: this.#bytesIn,
    };
  }

  write(data: Uint8Array): void {
    if (this.#port?.isOpen) this.#port.write(data);
  }

  #connect(): void {
    if (this.#stopped) return;
    this.#set('opening');
    let port: PortLike;
    try {
      port = this.open(this.path, this.baudRate);
    } catch (err) {
      this.#lost(err as Error);
      return;
    }
    this.#port = port;
    this.#settled = new Promise<void>((resolve) => {
      port.on('open', () => resolve());
      port.on('error', () => resolve());
      port.on('close', () => resolve());
    });
    let done = false;
    const lost = (err?: Error | null) => {
      if (done || this.#port !== port) return;
      done = true;
      this.#port = undefined;
      void closePort(port);
      this.#lost(err ?? new Error('port closed'));
    };
    port.on('open', () => {
      if (this.#port !== port) {
        // Stopped (or replaced) while it was opening: this port is nobody's now.
        void closePort(port);
        return;
      }
      this.#attempt = 0;
      this.#opens++;
      this.#lastError = null;
      this.#set('open');
      this.driver.onOpen?.({ write: (d) => this.write(d) });
    });
    port.on('data', (chunk: Buffer) => {
      this.#bytesIn += chunk.length;
      try {
        this.driver.onData(chunk);
      } catch (err) {
        this.#lastError = `driver: ${(err as Error).message}`; // drivers should not throw; never let one kill the link
      }
    });
    port.on('error', lost);
    port.on('close', lost);
  }

  #lost(err: Error): void {
    this.driver.onClose?.();
    if (this.#stopped) return;
    this.#lastError = err.message;
    this.#set('waiting');
    const delay = Math.min(5000, 200 * 2 ** this.#attempt++);
    this.#retry = setTimeout(() => this.#connect(), delay);
    this.#retry.unref();
  }

  #set(state: LinkState): void {
    this.#state = state;
    this.onState(this.status());
  }
}
