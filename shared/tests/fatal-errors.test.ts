import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const shared = fileURLToPath(new URL('../src/index.ts', import.meta.url));

/** Runs `body` in a fresh Node process with the shared handlers installed; returns its exit code and log lines. */
function runProcess(body: string): { code: number | null; lines: any[]; stdout: string } {
  const script = `
    import { createLogger, exitOnFatalErrors } from ${JSON.stringify(shared)};
    const log = createLogger('test', 'info');
    exitOnFatalErrors(log);
    ${body}
  `;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 30_000,
  });
  const lines = r.stdout
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l));
  return { code: r.status, lines, stdout: r.stdout };
}

describe('process-level handlers of the hub and store-node CLIs', () => {
  it('log an unhandled rejection and keep running; log an uncaught exception and exit 70 for the supervisor', () => {
    const r = runProcess(`
      Promise.reject(new Error('a forgotten promise'));
      setTimeout(() => {
        console.log('still running');
        setTimeout(() => { throw new Error('a bug'); }, 10);
      }, 50);
    `);
    expect(r.code).toBe(70);
    expect(r.stdout).toContain('still running');
    const rejection = r.lines.find((l) => l.msg?.startsWith('unhandled promise rejection'));
    expect(rejection).toMatchObject({ level: 50, name: 'test', err: { message: 'a forgotten promise' } });
    const fatal = r.lines.find((l) => l.level === 60);
    expect(fatal).toMatchObject({
      msg: 'uncaught exception; exiting for the supervisor to restart this process',
      err: { message: 'a bug' },
      origin: 'uncaughtException',
    });
  });
});
