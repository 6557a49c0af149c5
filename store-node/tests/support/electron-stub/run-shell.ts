// Runs store-node/electron/main.mjs under plain Node with the Electron stand-in beside this file, for tests: collects
// its stdout as parsed JSON lines (the stand-in's `{stub: …}` reports and the shell's pino logs), lets a test emit
// Electron events into it, and waits for what a test expects with a generous bound (a loaded 2-core machine).
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const MAIN = fileURLToPath(new URL('../../../electron/main.mjs', import.meta.url));
const STUB = new URL('./register.mjs', import.meta.url).href;
const WAIT_MS = 90_000;

export interface Shell {
  readonly child: ChildProcess;
  /** Every parsed stdout line so far. */
  readonly lines: any[];
  /** The shell's exit code (null if killed by a signal). */
  readonly exited: Promise<number | null>;
  /** Polls `find` until it gives a value; throws (with what the shell said) if the shell exits first or after 90 s. */
  until<T>(what: string, find: () => T | undefined): Promise<T>;
  /** Emits an Electron event in the shell: `on` names the emitter (app, window, webContents, powerMonitor). */
  emit(on: 'app' | 'window' | 'webContents' | 'powerMonitor', event: string, ...args: unknown[]): void;
  stderr(): string;
  /** The stub's reports of one kind, in order (`stubs('loaded')` → every URL the window loaded). */
  stubs(kind: string): any[];
}

/** Shells started by runShell and the folders they made, for stopAll(). */
const running: { shell: Shell; dirs: string[] }[] = [];

/**
 * Starts the shell with `args` and an environment of its own: a fresh SQLite file, port 0, and (unless `env` names
 * one) a fresh user-data folder for the single-instance lock. `dir` is that folder (made when not given).
 */
export function runShell(
  args: string[],
  env: Record<string, string> = {},
  dir = mkdtempSync(join(tmpdir(), 'sf-shell-')),
): Shell {
  const child = spawn(process.execPath, ['--import', STUB, MAIN, ...args], {
    env: {
      ...process.env,
      PORT: '0',
      STORE_DB: join(dir, 'store.sqlite'),
      STUB_ELECTRON_USER_DATA: dir,
      LOG_LEVEL: 'info',
      STORE_LOOPBACK_ROLE: 'lane',
      ...env,
    },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const lines: any[] = [];
  let stderr = '';
  let rest = '';
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    const parts = (rest + d).split('\n');
    rest = parts.pop()!;
    for (const p of parts) lines.push(JSON.parse(p));
  });
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (stderr += d));
  child.stdin!.on('error', () => {}); // the shell may have exited before a test's last event
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const shell: Shell = {
    child,
    lines,
    exited,
    async until(what, find) {
      const deadline = Date.now() + WAIT_MS;
      for (;;) {
        const found = find();
        if (found !== undefined) return found;
        if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
          throw new Error(`no ${what}; exit ${child.exitCode}; stdout ${JSON.stringify(lines)}; stderr ${stderr}`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    emit(on, event, ...args) {
      child.stdin!.write(`${JSON.stringify({ emit: event, on, args })}\n`);
    },
    stderr: () => stderr,
    stubs: (kind) => lines.filter((l) => l.stub && kind in l.stub).map((l) => l.stub[kind]),
  };
  running.push({ shell, dirs: [dir] });
  return shell;
}

/** Ends every shell still running (SIGKILL: a test that timed out must leave no node, port or timer behind). */
export async function stopAll(): Promise<void> {
  const all = running.splice(0);
  await Promise.all(
    all.map(async ({ shell, dirs }) => {
      const { child } = shell;
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await shell.exited;
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    }),
  );
}
