import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from 'node:tls';
import express from 'express';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeTestPki, type TestPki } from '../src/kernel/edge/tls/demo-ca.js';
import { CERTIFICATE_CHECK_EVENT } from '../src/kernel/edge/tls/tls-material.js';
import { createHubServer, tlsRoutes, tlsWarning } from '../src/kernel/edge/tls.js';
import { edgeSettings } from '../src/kernel/edge/edge-settings.js';
import { tlsCall } from './support/tls-call.js';

const log = pino({ level: 'silent' });

/** The fingerprint of the certificate a new connection to `port` is served, trusting `ca`. */
function servedFingerprint(port: number, ca: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, ca, servername: 'localhost' }, () => {
      resolve(s.getPeerCertificate().fingerprint256);
      s.end();
    });
    s.once('error', reject);
  });
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as { port: number }).port;
}

/**
 * Resolves when the server's certificate watcher ends a timed look with `outcome` (looks with another outcome are
 * skipped); rejects after `timeoutMs` naming what it waited for, so a watcher that never looks fails the test.
 */
function nextCheck(server: Server, outcome: 'reloaded' | 'refused', timeoutMs = 20_000): Promise<void> {
  return new Promise((resolve, reject) => {
    const seen: string[] = [];
    const onCheck = (got: string) => {
      seen.push(got);
      if (got !== outcome) return;
      clearTimeout(timer);
      server.off(CERTIFICATE_CHECK_EVENT, onCheck);
      resolve();
    };
    const timer = setTimeout(() => {
      server.off(CERTIFICATE_CHECK_EVENT, onCheck);
      reject(new Error(`waited ${timeoutMs} ms for a certificate look '${outcome}'; saw ${JSON.stringify(seen)}`));
    }, timeoutMs);
    server.on(CERTIFICATE_CHECK_EVENT, onCheck);
  });
}

const close = (server: Server | undefined) =>
  new Promise<void>((r) => (server ? server.close(() => r()) : r())).then(() => undefined);

describe('the hub server over TLS', { timeout: 60_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sf-tls-server-'));
  let pki: TestPki;
  beforeAll(async () => {
    pki = await makeTestPki(dir);
  }, 120_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves a rotated certificate to new connections without a restart, and keeps the old one while the new pair is broken', async () => {
    const live = join(dir, 'live');
    const certFile = `${live}.pem`;
    const keyFile = `${live}-key.pem`;
    copyFileSync(pki.server.certFile, certFile);
    copyFileSync(pki.server.keyFile, keyFile);
    const app = express();
    app.get('/hello', (_req, res) => res.json({ hello: 'world' }));
    const { server, scheme } = await createHubServer(
      app,
      edgeSettings({ tls: { certFile, keyFile, caFile: null, clientCaFile: null } }),
      { mode: 'test', log, reloadMs: 50 },
    );
    try {
      expect(scheme).toBe('https');
      const port = await listen(server);
      const first = await servedFingerprint(port, pki.ca.pem);
      const next = await pki.issue('hub-next', {
        use: 'server',
        commonName: 'localhost',
        altNames: ['DNS:localhost', 'IP:127.0.0.1'],
      });
      // the certificate written before its key: a look at the files refuses the pair that does not match, and the
      // old certificate stays served
      const refused = nextCheck(server, 'refused');
      copyFileSync(next.certFile, certFile);
      await refused;
      expect(await servedFingerprint(port, pki.ca.pem)).toBe(first);
      const reloaded = nextCheck(server, 'reloaded');
      copyFileSync(next.keyFile, keyFile);
      await reloaded;
      const served = await servedFingerprint(port, pki.ca.pem);
      expect(served).not.toBe(first);
      expect(served.replace(/:/g, '').toLowerCase()).toBe(
        (await import('node:crypto')).createHash('sha256').update(derOf(next.cert)).digest('hex'),
      );
      expect((await tlsCall(`https://127.0.0.1:${port}`, 'GET', '/hello', undefined, { ca: pki.ca.pem })).body).toEqual(
        { hello: 'world' },
      );
    } finally {
      await close(server);
    }
  });

  it('stops the start naming the variable when a file is missing or the key does not match', async () => {
    const app = express();
    const tls = { certFile: pki.server.certFile, keyFile: join(dir, 'nope.pem'), caFile: null, clientCaFile: null };
    await expect(createHubServer(app, edgeSettings({ tls }), { mode: 'test', log })).rejects.toThrow(
      /^TLS_KEY_FILE names .*nope\.pem, which cannot be read/,
    );
    await expect(
      createHubServer(app, edgeSettings({ tls: { ...tls, keyFile: pki.ca.keyFile } }), { mode: 'test', log }),
    ).rejects.toThrow(/^TLS_KEY_FILE .* does not go with TLS_CERT_FILE/);
    await expect(
      createHubServer(
        app,
        edgeSettings({ tls: { ...tls, keyFile: pki.server.keyFile, clientCaFile: join(dir, 'x') } }),
        {
          mode: 'test',
          log,
        },
      ),
    ).rejects.toThrow(/^TLS_CLIENT_CA_FILE names/);
  });

  it('makes a demo CA at first start, serves HTTPS with it, gives its CA at /tls/ca.pem and reuses it after', async () => {
    const demoCaDir = join(dir, 'demo');
    const edge = edgeSettings({ demoCaDir });
    const app = express();
    app.use(tlsRoutes(edge));
    let server: Server | undefined;
    try {
      ({ server } = await createHubServer(app, edge, { mode: 'demo', log }));
      const port = await listen(server);
      const ca = readFileSync(join(demoCaDir, 'ca.pem'), 'utf8');
      for (const key of ['ca-key.pem', 'hub-key.pem'])
        expect(statSync(join(demoCaDir, key)).mode & 0o777, `${key} is 0600`).toBe(0o600);
      const got = await tlsCall(`https://127.0.0.1:${port}`, 'GET', '/tls/ca.pem', undefined, { ca });
      expect(got.status).toBe(200);
      expect(got.body).toBe(ca);
      const fingerprint = await servedFingerprint(port, ca);
      await close(server);
      ({ server } = await createHubServer(app, edge, { mode: 'demo', log }));
      const again = await listen(server);
      expect(readFileSync(join(demoCaDir, 'ca.pem'), 'utf8')).toBe(ca);
      expect(await servedFingerprint(again, ca)).toBe(fingerprint);
    } finally {
      await close(server);
    }
  });

  it('answers 404 for /tls/ca.pem on a hub that names no CA', async () => {
    const app = express();
    app.use(tlsRoutes(edgeSettings({})));
    const { server } = await createHubServer(app, edgeSettings({}), { mode: 'test', log });
    try {
      const port = await listen(server);
      const res = await fetch(`http://127.0.0.1:${port}/tls/ca.pem`);
      expect(res.status).toBe(404);
    } finally {
      await close(server);
    }
  });

  it('warns about a production hub off the loopback without TLS', () => {
    const plain = edgeSettings({});
    expect(tlsWarning(plain, '0.0.0.0', 'production')).toMatch(/listens on 0\.0\.0\.0 over plain HTTP/);
    expect(tlsWarning(plain, '127.0.0.1', 'production')).toBeUndefined();
    expect(tlsWarning(plain, '0.0.0.0', 'demo')).toBeUndefined();
    const tls = edgeSettings({ tls: { certFile: 'a', keyFile: 'b', caFile: null, clientCaFile: null } });
    expect(tlsWarning(tls, '0.0.0.0', 'production')).toBeUndefined();
    expect(tlsWarning(edgeSettings({ demoCaDir: '/d' }), '0.0.0.0', 'production')).toMatch(/demo CA/);
  });
});

function derOf(pem: string): Buffer {
  return Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64');
}
