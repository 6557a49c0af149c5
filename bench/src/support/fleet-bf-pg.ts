// The fleet trial's own Postgres cluster (bench fleet-black-friday): made with initdb in a temporary folder, started on
// a free port with its socket in that folder, restarted in the middle of the trial (`pg_ctl restart -m fast`) and
// removed at the end. The machine's Postgres on 5432 is never touched: a restart there would take down every other
// test running on the machine.
import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { freePort } from './fleet.js';

const BIN = process.env.BENCH_PG_BIN ?? '/usr/lib/postgresql/15/bin';

function run(cmd: string, args: readonly string[], timeoutMs: number): Promise<string> {
  // initdb and the server refuse to run as root: as root (this machine's sessions and CI), they run as `postgres`.
  const asRoot = process.getuid?.() === 0;
  const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, [...args]];
  return new Promise((resolve, reject) => {
    execFile(file, argv, { timeout: timeoutMs, maxBuffer: 8 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err) reject(new Error(`${cmd} ${args.join(' ')} failed: ${err.message}\n${stderr}`));
      else resolve(stdout);
    });
  });
}

/** A throwaway Postgres cluster on 127.0.0.1:<port> with trust auth, for one benchmark run. */
export class TrialPostgres {
  readonly dir = mkdtempSync(join(tmpdir(), 'sf-fleet-bf-pg-'));
  readonly data = join(this.dir, 'data');
  port = 0;
  /** Stops the cluster if the bench process ends without `stop()` (a signal, process.exit). */
  readonly #onExit = () => {
    try {
      const args = ['-D', this.data, 'stop', '-m', 'immediate', '-w', '-t', '30'];
      const asRoot = process.getuid?.() === 0;
      execFileSync(
        asRoot ? 'runuser' : join(BIN, 'pg_ctl'),
        asRoot ? ['-u', 'postgres', '--', join(BIN, 'pg_ctl'), ...args] : args,
        {
          stdio: 'ignore',
        },
      );
    } catch {
      // not running
    }
    rmSync(this.dir, { recursive: true, force: true });
  };

  private constructor() {
    process.once('exit', this.#onExit);
  }

  static async start(): Promise<TrialPostgres> {
    if (!existsSync(join(BIN, 'initdb')))
      throw new Error(`fleet-black-friday needs Postgres's initdb in ${BIN} (BENCH_PG_BIN names another folder)`);
    const pgc = new TrialPostgres();
    try {
      if (process.getuid?.() === 0) chownSync(pgc.dir, uidOf('postgres'), gidOf('postgres'));
      await run(
        join(BIN, 'initdb'),
        ['-D', pgc.data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-sync'],
        120_000,
      );
      pgc.port = await freePort();
      // Enough connections for two replicas' pools and listeners; fsync off: the trial measures the hub, not a disk.
      writeFileSync(
        join(pgc.dir, 'extra.conf'),
        [
          `port = ${pgc.port}`,
          "listen_addresses = '127.0.0.1'",
          `unix_socket_directories = '${pgc.dir}'`,
          'max_connections = 300',
          'shared_buffers = 256MB',
          'fsync = off',
          'synchronous_commit = off',
          'full_page_writes = off',
          '',
        ].join('\n'),
      );
      await run('sh', ['-c', `cat '${join(pgc.dir, 'extra.conf')}' >> '${join(pgc.data, 'postgresql.conf')}'`], 10_000);
      await pgc.#ctl(['start', '-w', '-t', '120', '-l', join(pgc.dir, 'log')]);
      return pgc;
    } catch (err) {
      await pgc.stop();
      throw err;
    }
  }

  url(database = 'postgres'): string {
    return `postgres://postgres@127.0.0.1:${this.port}/${database}`;
  }

  /** A fresh database for one trial. */
  async createDatabase(name: string): Promise<string> {
    await this.query(`CREATE DATABASE ${name}`);
    return this.url(name);
  }

  async query<R extends pg.QueryResultRow>(sql: string, params: unknown[] = [], database = 'postgres') {
    const c = new pg.Client({ connectionString: this.url(database) });
    await c.connect();
    try {
      return await c.query<R>(sql, params);
    } finally {
      await c.end();
    }
  }

  async sizeBytes(database: string): Promise<number> {
    const { rows } = await this.query<{ n: string }>('SELECT pg_database_size($1) AS n', [database]);
    return Number(rows[0]!.n);
  }

  /** `pg_ctl restart -m fast`: every connection is cut, the server is back once it answers. Returns the seconds. */
  async restart(): Promise<number> {
    const t0 = performance.now();
    await this.#ctl(['restart', '-m', 'fast', '-w', '-t', '120', '-l', join(this.dir, 'log')]);
    return (performance.now() - t0) / 1000;
  }

  async stop(): Promise<void> {
    process.off('exit', this.#onExit);
    if (existsSync(join(this.data, 'postmaster.pid')))
      await this.#ctl(['stop', '-m', 'immediate', '-w', '-t', '60']).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
  }

  #ctl(args: string[]): Promise<string> {
    return run(join(BIN, 'pg_ctl'), ['-D', this.data, ...args], 180_000);
  }
}

/** A user's uid or gid (`id` is in every base image; a missing postgres user stops the run here). */
const idOf = (flag: '-u' | '-g', user: string) => Number(execFileSync('id', [flag, user], { encoding: 'utf8' }).trim());
const uidOf = (u: string) => idOf('-u', u);
const gidOf = (u: string) => idOf('-g', u);
