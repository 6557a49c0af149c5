import { afterEach, describe, expect, it } from 'vitest';
import { createHub, hubConfigFromEnv } from '../src/index.js';
import { HubProcess } from './support/hub-process.js';

// Every tuning knob, under its name and its old SF_* name, with values an operator could mistype.
const KNOBS = [
  { names: ['HOLD_BATCHES_IN_FLIGHT', 'SF_HOLD_BATCHES'], range: 'from 1 to 64' },
  { names: ['ORDER_RECORD_BATCHES_IN_FLIGHT', 'SF_ORDER_RECORD_BATCHES'], range: 'from 1 to 64' },
  { names: ['LOW_STOCK_SWEEP_MS', 'SF_REPLENISH_MS'], range: 'from 100 to 86400000' },
];
const BAD = ['abc', '0', 'NaN', '-1', '1.5', '1e3', '0x10', 'Infinity', '65'];

describe('the hub checks its configuration once, at start', () => {
  it.each(
    KNOBS.flatMap((k) =>
      k.names.flatMap((name) =>
        BAD.filter((v) => v !== '65' || k.range === 'from 1 to 64').map((value) => ({ name, value, range: k.range })),
      ),
    ),
  )('$name=$value is refused, naming the variable and what it allows', ({ name, value, range }) => {
    expect(() => hubConfigFromEnv({ [name]: value })).toThrow(
      new RegExp(`${name} .*must be a whole number ${range} \\(.*\\); got "${value}"`),
    );
  });

  it('reads good values under either name, and the defaults when none is set', () => {
    expect(hubConfigFromEnv({}).tuning).toEqual({});
    expect(hubConfigFromEnv({}).mode).toBe('production');
    expect(
      hubConfigFromEnv({
        HOLD_BATCHES_IN_FLIGHT: '2',
        SF_ORDER_RECORD_BATCHES: '3',
        LOW_STOCK_SWEEP_MS: ' 300 ',
        PG_PREPARED_STATEMENTS: 'off',
      }).tuning,
    ).toEqual({
      holdBatches: 2,
      orderRecordBatches: 3,
      lowStockSweepMs: 300,
      pgPreparedStatements: false,
    });
    expect(hubConfigFromEnv({ SF_PG_PREPARED: '0' }).tuning).toEqual({ pgPreparedStatements: false });
    expect(() => hubConfigFromEnv({ HOLD_BATCHES_IN_FLIGHT: '2', SF_HOLD_BATCHES: '4' })).toThrow(
      'HOLD_BATCHES_IN_FLIGHT=2 and its old name SF_HOLD_BATCHES=4 disagree',
    );
  });

  it('refuses an unknown mode, external party or switch, and lists every bad variable in one message', () => {
    const err = (() => {
      try {
        hubConfigFromEnv({
          HUB_MODE: 'prod',
          PAYMENT_PROVIDER: 'stripe',
          WAREHOUSE_ADAPTER: 'sap',
          NOTIFICATIONS_SENDER: 'smtp',
          PG_PREPARED_STATEMENTS: 'maybe',
          PORT: '80a',
          SF_HOLD_BATCHES: 'abc',
        });
      } catch (e) {
        return e as Error;
      }
      throw new Error('accepted');
    })();
    expect(err.message.split('\n')).toEqual([
      'the hub cannot start: its configuration is not valid',
      '  - PORT must be a TCP port from 0 to 65535; got "80a"',
      '  - HUB_MODE must be one of production, demo, test (production runs no simulator it was not told to); got "prod"',
      '  - PAYMENT_PROVIDER must be simulator or http (with PAYMENT_PROVIDER_URL); got "stripe"',
      '  - WAREHOUSE_ADAPTER must be simulator (the only warehouse adapter so far); got "sap"',
      '  - NOTIFICATIONS_SENDER must be simulator or http (with NOTIFICATIONS_SENDER_URL); got "smtp"',
      '  - SF_HOLD_BATCHES (the old name of HOLD_BATCHES_IN_FLIGHT) must be a whole number from 1 to 64 (reservation group commits in flight at once); got "abc"',
      '  - PG_PREPARED_STATEMENTS must be on or off (off for a pooler that cannot keep prepared statements); got "maybe"',
    ]);
    expect(() => hubConfigFromEnv({ PAYMENT_PROVIDER: 'http' })).toThrow(
      'PAYMENT_PROVIDER=http needs PAYMENT_PROVIDER_URL',
    );
    expect(() => hubConfigFromEnv({ PAYMENT_PROVIDER: 'http', PAYMENT_PROVIDER_URL: 'ftp://pay.example' })).toThrow(
      'PAYMENT_PROVIDER_URL must be an http(s) URL',
    );
    expect(
      hubConfigFromEnv({ HUB_MODE: 'demo', PAYMENT_PROVIDER: 'http', PAYMENT_PROVIDER_URL: 'https://pay.example/v1' }),
    ).toMatchObject({ mode: 'demo', paymentProvider: { adapter: 'http', url: 'https://pay.example/v1' } });
    expect(() => hubConfigFromEnv({ NOTIFICATIONS_SENDER: 'http' })).toThrow(
      'NOTIFICATIONS_SENDER=http needs NOTIFICATIONS_SENDER_URL (the endpoint each notice is POSTed to)',
    );
    expect(() =>
      hubConfigFromEnv({ NOTIFICATIONS_SENDER: 'http', NOTIFICATIONS_SENDER_URL: 'mailto:ops@example.test' }),
    ).toThrow('NOTIFICATIONS_SENDER_URL must be an http(s) URL; got "mailto:ops@example.test"');
    expect(
      hubConfigFromEnv({ NOTIFICATIONS_SENDER: 'http', NOTIFICATIONS_SENDER_URL: 'https://notices.example/v1/send' }),
    ).toMatchObject({ notificationsSender: { adapter: 'http', url: 'https://notices.example/v1/send' } });
    expect(hubConfigFromEnv({ NOTIFICATIONS_SENDER: 'simulator' }).notificationsSender).toEqual({
      adapter: 'simulator',
    });
    expect(hubConfigFromEnv({}).notificationsSender).toBeUndefined();
  });

  it('an embedder passing a bad number to createHub is stopped the same way, before anything opens', async () => {
    await expect(
      createHub({ dataDir: 'memory', logLevel: 'silent', tuning: { holdBatches: Number.NaN } }),
    ).rejects.toThrow('HOLD_BATCHES_IN_FLIGHT (tuning.holdBatches) must be a whole number from 1 to 64');
    await expect(createHub({ dataDir: 'memory', logLevel: 'silent', tuning: { lowStockSweepMs: 0 } })).rejects.toThrow(
      'LOW_STOCK_SWEEP_MS (tuning.lowStockSweepMs)',
    );
  });
});

describe('the hub as an operator runs it (cli.ts)', { timeout: 120_000 }, () => {
  let hub: HubProcess | undefined;
  afterEach(async () => {
    await hub?.stop();
    hub = undefined;
  });

  it('SF_HOLD_BATCHES=abc stops the hub at start with a message naming the variable (it used to start and hang every reservation)', async () => {
    hub = new HubProcess({ HUB_DATA_DIR: 'memory', SF_HOLD_BATCHES: 'abc' });
    const code = await Promise.race([hub.exit, hub.listening().then(() => 'listening')]);
    expect(code).not.toBe('listening');
    expect(code).not.toBe(0);
    const said = hub.lines.map((l) => String(l.msg)).join('\n');
    expect(said).toContain(
      'SF_HOLD_BATCHES (the old name of HOLD_BATCHES_IN_FLIGHT) must be a whole number from 1 to 64',
    );
    expect(said).toContain('got "abc"');
  });

  it('NOTIFICATIONS_SENDER=http without its URL stops the hub at start, naming both variables', async () => {
    hub = new HubProcess({ HUB_DATA_DIR: 'memory', NOTIFICATIONS_SENDER: 'http' });
    const code = await Promise.race([hub.exit, hub.listening().then(() => 'listening')]);
    expect(code).not.toBe('listening');
    expect(code).not.toBe(0);
    expect(hub.lines.map((l) => String(l.msg)).join('\n')).toContain(
      'NOTIFICATIONS_SENDER=http needs NOTIFICATIONS_SENDER_URL (the endpoint each notice is POSTed to)',
    );
  });
});
