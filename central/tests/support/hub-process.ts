import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

/**
 * The hub as an operator runs it (`central/src/cli.ts`) in its own process, listening on a free port. Its pino lines
 * are kept (parsed) so a test can wait for one; `exit` resolves with the exit code when the process ends.
 */
export class HubProcess {
  readonly lines: Record<string, unknown>[] = [];
  readonly proc: ChildProcess;
  readonly exit: Promise<number | null>;
  exitCode: number | null | undefined;

  constructor(env: Record<string, string | undefined>) {
    this.proc = spawn(process.execPath, ['--import', 'tsx', CLI], {
      env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buf = '';
    const take = (d: Buffer) => {
      buf += d.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          this.lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          this.lines.push({ msg: line });
        }
      }
    };
    this.proc.stdout!.on('data', take);
    this.proc.stderr!.on('data', take);
    this.exit = new Promise((resolve) =>
      this.proc.once('exit', (code) => {
        this.exitCode = code;
        resolve(code);
      }),
    );
  }

  /** Resolves to the hub's base URL once it listens; throws (with its last lines) if it exits first or takes too long. */
  async listening(timeoutMs = 90_000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const line = this.lines.find((l) => l.msg === 'hub listening');
      if (line) return String(line.url);
      if (this.exitCode !== undefined) throw new Error(`hub exited with ${this.exitCode}: ${this.tail()}`);
      if (Date.now() > deadline) throw new Error(`hub did not listen within ${timeoutMs} ms: ${this.tail()}`);
      await new Promise((r) => setTimeout(r, 25));
    }
  }

  tail(n = 5): string {
    return this.lines
      .slice(-n)
      .map((l) => `${String(l.msg)}${l.err ? ` (${String((l.err as { message?: string }).message)})` : ''}`)
      .join(' | ');
  }

  /** Ends the process (SIGTERM, then SIGKILL if it lingers) and waits for it. */
  async stop(): Promise<void> {
    if (this.exitCode !== undefined) return;
    this.proc.kill('SIGTERM');
    const killer = setTimeout(() => this.proc.kill('SIGKILL'), 10_000);
    await this.exit;
    clearTimeout(killer);
  }
}
