import { connect, consumerOpts, StorageType, StringCodec, type JetStreamClient, type NatsConnection } from 'nats';
import type { Logger } from 'pino';
import type { Queryable } from '../db/db.js';
import type { ChangeBus } from '../kernel/change-bus.js';

const STREAM = 'STOREFLEET_CHANGES';
const SUBJECT = 'storefleet.changes';
const sc = StringCodec();

/**
 * Replica fan-out through NATS JetStream (when NATS_URL is set), for fleets where one Postgres should not carry
 * every replica's LISTEN connection. Messages are published after commit into a memory stream kept five minutes;
 * each replica reads new messages with a push-based ordered consumer (it works with NATS servers from 2.9, where the
 * pull-based one does not), which the client re-creates after a gap or disconnect.
 */
export class NatsChangeBus implements ChangeBus {
  readonly kind = 'nats-jetstream' as const;
  readonly #stops: (() => Promise<void>)[] = [];

  private constructor(
    readonly nc: NatsConnection,
    readonly js: JetStreamClient,
    readonly log: Logger,
  ) {}

  /**
   * Connects (giving up after `timeoutMs`, default 20 s, when nothing answers) and makes sure the stream exists. The
   * client reconnects by itself after a lost connection; `nc.status()` tells when (the fallback bus listens).
   */
  static async connect(url: string, log: Logger, timeoutMs?: number): Promise<NatsChangeBus> {
    const nc = await connect({
      servers: url,
      name: 'storefleet-hub',
      maxReconnectAttempts: -1,
      ...(timeoutMs ? { timeout: timeoutMs } : {}),
    });
    const bus = new NatsChangeBus(nc, nc.jetstream(), log);
    try {
      await bus.ensureStream();
    } catch (err) {
      await nc.close().catch(() => undefined);
      throw err;
    }
    return bus;
  }

  /** The stream the changes go through (memory, five minutes): made if missing (a restarted NATS server lost it). */
  async ensureStream(): Promise<void> {
    const jsm = await this.nc.jetstreamManager();
    try {
      await jsm.streams.info(STREAM);
    } catch {
      await jsm.streams.add({
        name: STREAM,
        subjects: [`${SUBJECT}.>`],
        storage: StorageType.Memory,
        max_age: 5 * 60 * 1e9,
      });
    }
  }

  async publish(tx: Queryable, channel: string, payload: string): Promise<void> {
    tx.afterCommit(() => {
      this.js.publish(`${SUBJECT}.${channel}`, sc.encode(payload)).catch((err: unknown) => {
        this.log.error(
          { err, channel },
          'could not publish a change to NATS; the affected store catches up at its next reconnect',
        );
      });
    });
  }

  async publishMany(tx: Queryable, channel: string, payloads: readonly string[]): Promise<void> {
    for (const p of payloads) await this.publish(tx, channel, p);
  }

  async subscribe(channel: string, onPayload: (payload: string) => void): Promise<() => Promise<void>> {
    const opts = consumerOpts();
    opts.orderedConsumer();
    opts.deliverNew();
    const sub = await this.js.subscribe(`${SUBJECT}.${channel}`, opts);
    let stopped = false;
    void (async () => {
      for await (const m of sub) onPayload(sc.decode(m.data));
      if (!stopped) onPayload('*');
    })().catch((err: unknown) => this.log.error({ err, channel }, 'NATS subscription ended'));
    const stop = async () => {
      stopped = true;
      const at = this.#stops.indexOf(stop);
      if (at >= 0) this.#stops.splice(at, 1);
      sub.unsubscribe();
    };
    this.#stops.push(stop);
    return stop;
  }

  async close(): Promise<void> {
    for (const stop of [...this.#stops]) await stop().catch(() => undefined);
    if (this.nc.isClosed() || this.nc.isDraining()) return;
    // Draining needs the server: a connection that is away (or stays silent 2 s) is closed instead.
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, 2_000);
    });
    await Promise.race([this.nc.drain().catch(() => undefined), late]);
    clearTimeout(timer);
    if (!this.nc.isClosed()) await this.nc.close().catch(() => undefined);
  }
}
