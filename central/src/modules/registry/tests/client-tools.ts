import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer as createNetServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';

/**
 * The real registry clients (skopeo, podman) and Debian's Docker Distribution, run hermetically: each `ClientSandbox`
 * has its own HOME, XDG folders, registries.conf, containers.conf, storage.conf, signature policy and auth file
 * (nothing read from or written to ~/.config or /etc/containers' defaults beyond what the tools hard-wire), and
 * podman's image store (vfs) in the sandbox's folder. Everything talks to 127.0.0.1 over plain http.
 */

/** The path of `bin` on PATH, or undefined when it is not installed (a test then skips, saying so). */
export function which(bin: string): string | undefined {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(delimiter)) {
    const p = join(dir, bin);
    if (dir && existsSync(p)) return p;
  }
  return undefined;
}

export interface RunResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs a client to its end (bounded by `timeoutMs`, then killed); never throws for a non-zero exit. */
export function run(
  bin: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs = 180_000,
): Promise<RunResult> {
  return new Promise((resolve) => {
    execFile(
      bin,
      args,
      { env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 64 * 1024 ** 2 },
      (err, stdout, stderr) => {
        const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
        resolve({ code, stdout: String(stdout), stderr: String(stderr) });
      },
    );
  });
}

/** Like `run`, but a non-zero exit is an error naming the command and what it printed. */
export async function runOk(
  bin: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  timeoutMs?: number,
): Promise<string> {
  const r = await run(bin, args, env, timeoutMs);
  if (r.code !== 0) throw new Error(`${bin} ${args.join(' ')} exited ${r.code}:\n${r.stderr || r.stdout}`);
  return r.stdout;
}

/** A folder of its own for one test file's client runs. */
export class ClientSandbox {
  private constructor(
    readonly dir: string,
    readonly env: NodeJS.ProcessEnv,
    readonly policy: string,
  ) {}

  /** `insecure`: the `host:port`s the clients may reach over plain http. */
  static async create(insecure: readonly string[]): Promise<ClientSandbox> {
    // short: podman refuses a runroot longer than 50 characters
    const dir = await mkdtemp(join(tmpdir().length <= 24 ? tmpdir() : '/tmp', 'sf-rc-'));
    const home = join(dir, 'home');
    const runtime = join(dir, 'run');
    const storage = join(dir, 'storage');
    await Promise.all([home, runtime, storage].map((d) => mkdir(d, { recursive: true, mode: 0o700 })));
    const registries = [
      'unqualified-search-registries = []',
      ...insecure.map((h) => `[[registry]]\nlocation = "${h}"\ninsecure = true`),
    ].join('\n');
    const policy = join(dir, 'policy.json');
    await Promise.all([
      writeFile(join(dir, 'registries.conf'), `${registries}\n`),
      writeFile(join(dir, 'auth.json'), JSON.stringify({ auths: {} })),
      writeFile(policy, JSON.stringify({ default: [{ type: 'insecureAcceptAnything' }] })),
      writeFile(
        join(dir, 'containers.conf'),
        '[engine]\ncgroup_manager = "cgroupfs"\nevents_logger = "file"\n' +
          `events_logfile_path = "${join(dir, 'events.log')}"\n[containers]\nlog_driver = "k8s-file"\n`,
      ),
      writeFile(
        join(dir, 'storage.conf'),
        `[storage]\ndriver = "vfs"\ngraphroot = "${join(storage, 'root')}"\nrunroot = "${join(storage, 'rr')}"\n`,
      ),
    ]);
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? '/usr/sbin:/usr/bin:/sbin:/bin',
      HOME: home,
      XDG_CONFIG_HOME: join(home, '.config'),
      XDG_DATA_HOME: join(home, '.local', 'share'),
      XDG_CACHE_HOME: join(home, '.cache'),
      XDG_RUNTIME_DIR: runtime,
      TMPDIR: dir,
      REGISTRY_AUTH_FILE: join(dir, 'auth.json'),
      CONTAINERS_REGISTRIES_CONF: join(dir, 'registries.conf'),
      CONTAINERS_CONF: join(dir, 'containers.conf'),
      CONTAINERS_STORAGE_CONF: join(dir, 'storage.conf'),
    };
    return new ClientSandbox(dir, env, policy);
  }

  /** podman's global flags for this sandbox's image store. */
  get podmanGlobals(): string[] {
    return [
      '--storage-driver',
      'vfs',
      '--root',
      join(this.dir, 'storage', 'root'),
      '--runroot',
      join(this.dir, 'storage', 'rr'),
      '--cgroup-manager=cgroupfs',
      '--events-backend=file',
    ];
  }

  skopeo(args: readonly string[], timeoutMs?: number): Promise<RunResult> {
    return run('skopeo', ['--policy', this.policy, ...args], this.env, timeoutMs);
  }

  podman(args: readonly string[], timeoutMs?: number): Promise<RunResult> {
    return run('podman', [...this.podmanGlobals, ...args], this.env, timeoutMs);
  }

  async remove(): Promise<void> {
    // podman's vfs layers may hold read-only folders: a plain recursive rm with force still removes them as root
    await rm(this.dir, { recursive: true, force: true });
  }
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createNetServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}

/**
 * Debian's Docker Distribution 2.8 (`docker-registry serve`) on 127.0.0.1 with filesystem storage in a fresh folder
 * and no auth: the reference the client tests' expectations were checked against, and the benchmark's anchor.
 */
export class DistributionServer {
  private constructor(
    readonly host: string,
    readonly dir: string,
    private readonly child: ChildProcess,
  ) {}

  get url(): string {
    return `http://${this.host}`;
  }

  static async start(): Promise<DistributionServer> {
    const dir = await mkdtemp(join(tmpdir(), 'storefleet-distribution-'));
    const port = await freePort();
    const config = join(dir, 'config.yml');
    await writeFile(
      config,
      [
        'version: 0.1',
        'log:',
        '  level: error',
        '  accesslog:',
        '    disabled: true',
        'storage:',
        '  cache:',
        '    blobdescriptor: inmemory',
        '  filesystem:',
        `    rootdirectory: ${join(dir, 'storage')}`,
        '  delete:',
        '    enabled: true',
        'http:',
        `  addr: 127.0.0.1:${port}`,
        '',
      ].join('\n'),
    );
    const child = spawn('docker-registry', ['serve', config], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-4000);
    });
    const server = new DistributionServer(`127.0.0.1:${port}`, dir, child);
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (child.exitCode !== null) throw new Error(`docker-registry exited ${child.exitCode}: ${stderr}`);
      const ok = await fetch(`${server.url}/v2/`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) return server;
      if (Date.now() > deadline) {
        await server.stop();
        throw new Error(`docker-registry did not answer on ${server.host} within 30 s: ${stderr}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  async stop(): Promise<void> {
    if (this.child.exitCode === null && this.child.signalCode === null) {
      const exited = new Promise<void>((resolve) => this.child.once('exit', () => resolve()));
      this.child.kill('SIGTERM');
      const timer = setTimeout(() => this.child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    await rm(this.dir, { recursive: true, force: true });
  }
}
