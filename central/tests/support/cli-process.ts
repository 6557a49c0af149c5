import { spawn, type ChildProcess } from 'node:child_process';

/**
 * A command-line entry point (`node --import tsx <cli>`) in its own process, as an operator runs it: every line it
 * writes to stdout or stderr goes to `onLine` whole (one buffer per stream, so two streams never splice a line), `exit`
 * resolves with its exit code, `stop()` ends it. The hub's and the store node's test processes are these.
 */
export class CliProcess {
  readonly proc: ChildProcess;
  readonly exit: Promise<number | null>;
  exitCode: number | null | undefined;

  constructor(
    cli: string,
    env: Record<string, string | undefined>,
    onLine: (line: string) => void,
    private readonly what: string,
  ) {
    this.proc = spawn(process.execPath, ['--import', 'tsx', cli], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const reader = () => {
      let buf = '';
      return (d: Buffer) => {
        buf += d.toString();
        for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
          onLine(buf.slice(0, i));
          buf = buf.slice(i + 1);
        }
      };
    };
    this.proc.stdout!.on('data', reader());
    this.proc.stderr!.on('data', reader());
    this.exit = new Promise((resolve) =>
      this.proc.once('exit', (code) => {
        this.exitCode = code;
        resolve(code);
      }),
    );
  }

  /** Polls `url()` until it gives the process's URL; throws with `tail` if the process exits first or takes too long. */
  protected async waitForUrl(url: () => string | undefined, tail: () => string, timeoutMs: number): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = url();
      if (found) return found;
      if (this.exitCode !== undefined) throw new Error(`${this.what} exited with ${this.exitCode}: ${tail()}`);
      if (Date.now() > deadline) throw new Error(`${this.what} did not listen within ${timeoutMs} ms: ${tail()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  /** Ends the process (SIGTERM, then SIGKILL if it lingers) and waits for it, so its last lines are read. */
  async stop(): Promise<void> {
    if (this.exitCode !== undefined) return;
    this.proc.kill('SIGTERM');
    const killer = setTimeout(() => this.proc.kill('SIGKILL'), 10_000);
    await this.exit;
    clearTimeout(killer);
  }
}
