import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

/** A TypeScript script run as its own Node process, with line-wise stdout and a SIGKILL. */
export class Child {
  readonly lines: string[] = [];
  readonly proc: ChildProcess;
  exited = false;

  constructor(script: URL, args: string[], env: Record<string, string | undefined>) {
    this.proc = spawn(process.execPath, ['--import', 'tsx', fileURLToPath(script), ...args], {
      env: { ...process.env, ...env },
      stdio: ['pipe', 'pipe', 'inherit'],
    });
    let buf = '';
    this.proc.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        this.lines.push(buf.slice(0, i));
        buf = buf.slice(i + 1);
      }
    });
    this.proc.on('exit', () => {
      this.exited = true;
    });
  }

  async waitFor(line: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.lines.includes(line)) {
      if (this.exited) throw new Error(`child exited before printing ${line}`);
      if (Date.now() > deadline) throw new Error(`child did not print ${line} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 10));
    }
    this.lines.splice(this.lines.indexOf(line), 1);
  }

  send(line: string): void {
    if (!this.exited) this.proc.stdin!.write(`${line}\n`);
  }

  async kill(): Promise<void> {
    if (this.exited) return;
    const gone = new Promise<void>((r) => this.proc.once('exit', () => r()));
    this.proc.kill('SIGKILL');
    await gone;
  }
}
