import { fileURLToPath } from 'node:url';
import { CliProcess } from './cli-process.js';

const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url));

/**
 * The hub as an operator runs it (`central/src/cli.ts`) in its own process, listening on a free port. Its pino lines
 * are kept (parsed) so a test can wait for one; `exit` resolves with the exit code when the process ends.
 */
export class HubProcess extends CliProcess {
  readonly lines: Record<string, unknown>[];

  constructor(env: Record<string, string | undefined>) {
    const lines: Record<string, unknown>[] = [];
    super(
      CLI,
      { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
      (line) => {
        try {
          lines.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          lines.push({ msg: line });
        }
      },
      'hub',
    );
    this.lines = lines;
  }

  /** Resolves to the hub's base URL once it listens; throws (with its last lines) if it exits first or takes too long. */
  listening(timeoutMs = 90_000): Promise<string> {
    const url = () => {
      const line = this.lines.find((l) => l.msg === 'hub listening');
      return line ? String(line.url) : undefined;
    };
    return this.waitForUrl(url, () => this.tail(), timeoutMs);
  }

  tail(n = 5): string {
    return this.lines
      .slice(-n)
      .map((l) => `${String(l.msg)}${l.err ? ` (${String((l.err as { message?: string }).message)})` : ''}`)
      .join(' | ');
  }
}
