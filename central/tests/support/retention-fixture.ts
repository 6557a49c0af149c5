import { afterAll, beforeAll } from 'vitest';
import { hlcEncode, type WireEvent } from '@storefleet/shared';
import type { HubConfig } from '../../src/config.js';
import type { HubModule } from '../../src/kernel/module-contract.js';
import { discoverModules } from '../../src/kernel/discover-modules.js';
import type { DbTarget } from './db-targets.js';
import { TestHub } from './test-hub.js';

export const DAY = 86_400_000;

/** Store sales the hub applies (the handler keeps nothing); one with `fail: true` is parked while `sold.broken`. */
export const sold = { broken: true };
const soldModule: HubModule = {
  name: 'retention_test',
  eventHandlers: () => ({
    'retention.sold': async (_tx, events) => {
      if (sold.broken && events.some((e) => (e.payload as { fail?: boolean }).fail))
        throw new Error('the sold handler hit a bug');
    },
  }),
};

/** A hub whose clock tests move in days, with helpers to register stores and upload their sales. */
export interface RetentionHub {
  readonly t: TestHub;
  /** The admin's session cookie (signed in again at each `at`: sessions expire as the clock moves). */
  readonly admin: string;
  /** Moves the hub's clock to `days` after the test file started. */
  at(days: number): Promise<void>;
  newStore(): Promise<string>;
  /** Uploads `count` sales of `storeId` from seq `from`, stamped at the hub's time. */
  sell(storeId: string, from: number, count: number, payload?: Record<string, unknown>): Promise<unknown>;
  /** Appends `count` notes to the store's feed. */
  feed(storeId: string, count: number): Promise<unknown>;
  /** The seqs of `storeId` in `table` (keyed by `column`), in order. */
  seqs(table: string, column: string, storeId: string): Promise<number[]>;
}

/**
 * Call inside a describe: starts the hub before its tests (small batches, no schedule), stops it after. The tests
 * count every feed row a store has, and move the clock by days: the recommendations module's 6-hourly training would
 * feed each store its list as the clock passes, so the hub runs without it (it has nothing for retention to keep).
 */
export function retentionHub(target: DbTarget, retention: HubConfig['retention'] = {}): RetentionHub {
  let hub: TestHub | undefined;
  let cookie = '';
  let stores = 0;
  beforeAll(async () => {
    hub = await TestHub.start(target, {
      modules: [...(await discoverModules()).filter((m) => m.name !== 'recommendations'), soldModule],
      retention: { everyMinutes: 0, batchRows: 7, ...retention },
    });
    cookie = await hub.login();
  });
  afterAll(() => hub?.stop());
  const t = () => {
    if (!hub) throw new Error('the hub is not started yet: use it inside a test');
    return hub;
  };
  return {
    get t() {
      return t();
    },
    get admin() {
      return cookie;
    },
    async at(days) {
      t().clock.offsetMs = days * DAY;
      cookie = await t().login();
    },
    async newStore() {
      return (await t().store(`RET-${target.name}-${++stores}`, cookie)).id;
    },
    sell(storeId, from, count, payload = {}) {
      const events: WireEvent[] = Array.from({ length: count }, (_, i) => ({
        origin: storeId,
        seq: from + i,
        hlc: hlcEncode({ wallMs: Date.now() + t().clock.offsetMs, counter: from + i, node: storeId }),
        type: 'retention.sold',
        payload: { n: from + i, ...payload },
      }));
      return t().hub.sync.repo.applyBatch(storeId, events, 0);
    },
    feed(storeId, count) {
      return t().hub.db.transaction((tx) =>
        t().hub.sync.feed.append(
          tx,
          storeId,
          Array.from({ length: count }, (_, i) => ({ type: 'test.note', payload: { i } })),
        ),
      );
    },
    async seqs(table, column, storeId) {
      return (
        await t().hub.db.query<{ s: number }>(`SELECT seq AS s FROM ${table} WHERE ${column} = $1 ORDER BY seq`, [
          storeId,
        ])
      ).rows.map((r) => Number(r.s));
    },
  };
}

export const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
