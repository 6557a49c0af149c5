import { dbTargets } from '../../../../tests/support/db-targets.js';
import { ADMIN, TestHub } from '../../../../tests/support/test-hub.js';
import { DistributionServer, which } from './client-tools.js';
import { RecordingProxy } from './recording-proxy.js';

/**
 * The registries the real-client tests run against: always our hub (one database, Postgres when DATABASE_URL is
 * set: these test the wire, not SQL), and Docker Distribution 2.8 too when REGISTRY_CLIENTS_DISTRIBUTION=1 (the
 * reference the expectations were checked against; `only` runs it alone). Each sits behind a `RecordingProxy`, so a test sees what the
 * client sent.
 */
export interface ClientTarget {
  readonly name: 'hub' | 'distribution';
  /** `127.0.0.1:<port>` of the proxy: what the clients are pointed at. */
  readonly host: string;
  readonly proxy: RecordingProxy;
  /** `user:password` for `--creds`, when the registry wants them. */
  readonly creds?: string;
  /** The hub, for a look at its database. */
  readonly hub?: TestHub;
  stop(): Promise<void>;
}

export const clientTargetNames: readonly ClientTarget['name'][] = (() => {
  const wanted = process.env.REGISTRY_CLIENTS_DISTRIBUTION;
  if (!wanted || !which('docker-registry')) return ['hub'];
  // `only`: the harness against the reference alone (while developing it)
  return wanted === 'only' ? ['distribution'] : ['hub', 'distribution'];
})();

export async function startClientTarget(name: ClientTarget['name']): Promise<ClientTarget> {
  if (name === 'distribution') {
    const d = await DistributionServer.start();
    const proxy = await RecordingProxy.start(d.host);
    return {
      name,
      host: proxy.host,
      proxy,
      async stop() {
        await proxy.stop();
        await d.stop();
      },
    };
  }
  const hub = await TestHub.start(dbTargets.at(-1)!);
  const proxy = await RecordingProxy.start(new URL(hub.url).host);
  return {
    name,
    host: proxy.host,
    proxy,
    creds: `${ADMIN.email}:${ADMIN.password}`,
    hub,
    async stop() {
      await proxy.stop();
      await hub.stop();
    },
  };
}
