import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hubConfigFromEnv } from '../src/index.js';
import { resolveSettings } from '../src/kernel/hub-settings.js';
import { HubProcess } from './support/hub-process.js';

const KEYS_WARNING =
  'VAULT_KEYS_FILE is not set: the vault stays closed (503) until it names a file outside the data and blob folders.';
const NO_SCANNER_WARNING =
  'no virus scanner for the vault is configured: set VAULT_SCANNER. Uploaded documents are kept unscanned, and marked so, until one is.';

/** The vault's settings (issue #22) as an operator gives them: HUB_BLOB_DIR, VAULT_KEYS_FILE, VAULT_SCANNER. */
describe('the vault’s settings, read from the environment once at start', () => {
  it('reads HUB_BLOB_DIR, VAULT_KEYS_FILE and VAULT_SCANNER=simulator, and leaves them unset when not given', () => {
    const c = hubConfigFromEnv({
      HUB_BLOB_DIR: '/srv/hub/blobs',
      VAULT_KEYS_FILE: '/etc/storefleet/vault-keys.json',
      VAULT_SCANNER: 'simulator',
    });
    expect(c.blobDir).toBe('/srv/hub/blobs');
    expect(c.vaultKeysFile).toBe('/etc/storefleet/vault-keys.json');
    expect(c.vaultScanner).toEqual({ adapter: 'simulator' });
    const none = hubConfigFromEnv({ HUB_BLOB_DIR: '', VAULT_KEYS_FILE: '' });
    expect([none.blobDir, none.vaultKeysFile, none.vaultScanner]).toEqual([undefined, undefined, undefined]);
  });

  it('refuses a scanner it does not have, naming the variable, what it allows and what it got, with the others', () => {
    const err = (() => {
      try {
        hubConfigFromEnv({ VAULT_SCANNER: 'clamav', PORT: '80a' });
      } catch (e) {
        return e as Error;
      }
      throw new Error('accepted');
    })();
    expect(err.message.split('\n')).toEqual([
      'the hub cannot start: its configuration is not valid',
      '  - PORT must be a TCP port from 0 to 65535; got "80a"',
      '  - VAULT_SCANNER must be simulator (the only virus scanner adapter so far); got "clamav"',
    ]);
    for (const bad of ['Simulator', 'none', 'true', 'simulator,clamav'])
      expect(() => hubConfigFromEnv({ VAULT_SCANNER: bad })).toThrow(/VAULT_SCANNER must be simulator/);
  });

  it('keeps the blobs in HUB_BLOB_DIR, else under HUB_DATA_DIR, else (production on Postgres) in ./data/hub-blobs; in memory, none', () => {
    const dir = (config: Parameters<typeof resolveSettings>[0]) => resolveSettings(config).settings.blobs.dir;
    expect(dir({ mode: 'test', dataDir: '/var/hub', blobDir: '/srv/blobs' })).toBe('/srv/blobs');
    expect(dir({ mode: 'test', dataDir: '/var/hub' })).toBe(join('/var/hub', 'blobs'));
    expect(dir({ mode: 'production', databaseUrl: 'postgres://db/hub' })).toBe(resolve('data/hub-blobs'));
    expect(dir({ mode: 'test', dataDir: 'memory' })).toBeNull();
    expect(dir({ mode: 'demo', databaseUrl: 'postgres://db/hub' })).toBeNull();
  });

  it('a production hub without VAULT_KEYS_FILE or VAULT_SCANNER says so; named, those warnings go; a simulator in production warns', () => {
    const bare = resolveSettings({ mode: 'production', dataDir: '/var/hub' });
    expect(bare.warnings).toContain(KEYS_WARNING);
    expect(bare.warnings).toContain(NO_SCANNER_WARNING);
    expect(bare.parties.vaultScanner).toBe('none');
    expect(bare.settings.vault).toEqual({ keysFile: null, scanner: undefined });

    const named = resolveSettings({
      mode: 'production',
      dataDir: '/var/hub',
      vaultKeysFile: '/etc/storefleet/vault-keys.json',
      vaultScanner: { adapter: 'simulator' },
    });
    expect(named.warnings.filter((w) => w.includes('VAULT_'))).toEqual([
      'VAULT_SCANNER=simulator in production: only the EICAR test file is detected',
    ]);
    expect(named.settings.vault).toEqual({
      keysFile: '/etc/storefleet/vault-keys.json',
      scanner: { adapter: 'simulator' },
    });

    // demo and test run the scanner's simulator without a word, and keep the keys where the default puts them
    for (const mode of ['demo', 'test'] as const) {
      const quiet = resolveSettings({ mode, dataDir: 'memory' });
      expect(quiet.warnings.filter((w) => w.includes('VAULT_'))).toEqual([]);
      expect(quiet.parties.vaultScanner).toBe('simulator');
    }
  });
});

describe('the vault’s settings as an operator runs the hub (cli.ts)', { timeout: 120_000 }, () => {
  let hub: HubProcess | undefined;
  afterEach(async () => {
    await hub?.stop();
    hub = undefined;
  });

  it('VAULT_SCANNER=clamav stops the hub at start with a message naming the variable and the value', async () => {
    hub = new HubProcess({ HUB_DATA_DIR: 'memory', VAULT_SCANNER: 'clamav' });
    const code = await Promise.race([hub.exit, hub.listening().then(() => 'listening')]);
    expect(code).not.toBe('listening');
    expect(code).not.toBe(0);
    const said = hub.lines.map((l) => String(l.msg)).join('\n');
    expect(said).toContain('VAULT_SCANNER must be simulator (the only virus scanner adapter so far); got "clamav"');
  });
});
