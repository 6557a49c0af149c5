import { fileURLToPath } from 'node:url';
import { CliProcess } from './cli-process.js';
import type { LogCapture } from './log-capture.js';

const CLI = fileURLToPath(new URL('../../../store-node/src/cli.ts', import.meta.url));

/**
 * A store node as an operator runs it (`store-node/src/cli.ts`) in its own process, so its pino output (stdout and
 * stderr: the node has no log destination of its own) reaches `capture` line by line under the source `store-node`.
 */
export class StoreNodeProcess extends CliProcess {
  constructor(
    private readonly capture: LogCapture,
    env: Record<string, string | undefined>,
  ) {
    super(
      CLI,
      { ...process.env, PORT: '0', HOST: '127.0.0.1', STORE_MODE: 'test', ...env },
      (line) => capture.add('store-node', line),
      'store node',
    );
  }

  /** The node's base URL once it logs `store node listening`; throws with its last lines if it exits or takes too long. */
  listening(timeoutMs = 90_000): Promise<string> {
    const url = () => {
      for (const l of this.capture.lines) {
        if (l.source !== 'store-node' || !l.text.includes('store node listening')) continue;
        const found = (JSON.parse(l.text) as { url?: string }).url;
        if (found) return found;
      }
      return undefined;
    };
    return this.waitForUrl(url, () => this.tail(), timeoutMs);
  }

  tail(n = 5): string {
    return this.capture.lines
      .filter((l) => l.source === 'store-node')
      .slice(-n)
      .map((l) => l.text.slice(0, 300))
      .join(' | ');
  }
}
