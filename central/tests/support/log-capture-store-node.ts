import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { LogCapture } from './log-capture.js';

const CLI = fileURLToPath(new URL('../../../store-node/src/cli.ts', import.meta.url));

/**
 * A store node as an operator runs it (`store-node/src/cli.ts`) in its own process, so its pino output (stdout and
 * stderr: the node has no log destination of its own) reaches `capture` line by line under the source `store-node`.
 */
export class StoreNodeProcess {
  readonly proc: ChildProcess;
  readonly exit: Promise<number | null>;
  exitCode: number | null | undefined;

  constructor(
    private readonly capture: LogCapture,
    env: Record<string, string | undefined>,
  ) {
    this.proc = spawn(process.execPath, ['--import', 'tsx', CLI], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', STORE_MODE: 'test', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const reader = () => {
      let buf = '';
      return (d: Buffer) => {
        buf += d.toString();
        const end = buf.lastIndexOf('\n');
        if (end < 0) return;
        capture.add('store-node', buf.slice(0, end));
        buf = buf.slice(end + 1);
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

  /** The node's base URL once it logs `store node listening`; throws with its last lines if it exits or takes too long. */
  async listening(timeoutMs = 90_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const l of this.capture.lines) {
        if (l.source !== 'store-node' || !l.text.includes('store node listening')) continue;
        const url = (JSON.parse(l.text) as { url?: string }).url;
        if (url) return url;
      }
      if (this.exitCode !== undefined) throw new Error(`store node exited with ${this.exitCode}: ${this.tail()}`);
      if (Date.now() > deadline) throw new Error(`store node did not listen within ${timeoutMs} ms: ${this.tail()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  tail(n = 5): string {
    return this.capture.lines
      .filter((l) => l.source === 'store-node')
      .slice(-n)
      .map((l) => l.text.slice(0, 300))
      .join(' | ');
  }

  /** Ends the process (SIGTERM, then SIGKILL if it lingers) and waits for it, so its last lines are captured. */
  async stop(): Promise<void> {
    if (this.exitCode !== undefined) return;
    this.proc.kill('SIGTERM');
    const killer = setTimeout(() => this.proc.kill('SIGKILL'), 10_000);
    await this.exit;
    clearTimeout(killer);
  }
}
