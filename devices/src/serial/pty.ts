import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * A pair of connected pseudo-terminals made by socat: the driver opens `devicePath` as if a reader were plugged in,
 * the emulator opens `hostPath` and plays the device. `unplug()` kills socat (both paths vanish, like pulling the
 * USB cable); `plug()` makes them again under the same names.
 */
export class PtyPair {
  #socat: ChildProcess | undefined;

  constructor(
    readonly devicePath: string,
    readonly hostPath: string,
  ) {}

  static async create(devicePath: string, hostPath: string): Promise<PtyPair> {
    const pair = new PtyPair(devicePath, hostPath);
    await pair.plug();
    return pair;
  }

  async plug(): Promise<void> {
    if (this.#socat) return;
    const socat = spawn('socat', [`pty,raw,echo=0,link=${this.devicePath}`, `pty,raw,echo=0,link=${this.hostPath}`], {
      stdio: 'ignore',
    });
    this.#socat = socat;
    const failed = new Promise<never>((_, reject) =>
      socat.once('error', (err) => reject(new Error(`socat could not start (is it installed?): ${err.message}`))),
    );
    const ready = (async () => {
      for (let i = 0; i < 200; i++) {
        if (existsSync(this.devicePath) && existsSync(this.hostPath)) return;
        await new Promise((r) => setTimeout(r, 10));
      }
      throw new Error(`socat did not create ${this.devicePath} within 2 s`);
    })();
    await Promise.race([ready, failed]);
  }

  async unplug(): Promise<void> {
    const socat = this.#socat;
    this.#socat = undefined;
    if (!socat || socat.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      socat.once('exit', () => resolve());
      socat.kill('SIGTERM');
    });
  }
}
