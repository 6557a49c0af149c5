import { createServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Router, type Express } from 'express';
import type { Logger } from 'pino';
import { apiDoc, NotFoundError } from '@storefleet/shared';
import type { EdgeSettings, TlsSettings } from './edge-settings.js';
import type { HubMode } from '../hub-settings.js';
import { ensureDemoCa } from './tls/demo-ca.js';
import { readTlsMaterial, secureOptions, watchCertificates } from './tls/tls-material.js';

/** The hub's listening server: plain HTTP, or HTTPS (and WSS on the same port) with the configured certificate. */
export interface HubServer {
  readonly server: Server;
  readonly scheme: 'http' | 'https';
}

/** How often the certificate files are read again for a rotation (`server.setSecureContext`), by default. */
export const CERTIFICATE_RELOAD_MS = 60_000;

/**
 * The TLS files the hub serves with: `edge.tls` when named, else the demo CA folder's (made at first start), else null
 * (plain HTTP).
 */
export async function tlsFilesOf(edge: EdgeSettings, log?: Logger): Promise<TlsSettings | null> {
  if (edge.tls) return edge.tls;
  if (!edge.demoCaDir) return null;
  let demo: Awaited<ReturnType<typeof ensureDemoCa>>;
  try {
    demo = await ensureDemoCa(edge.demoCaDir);
  } catch (err) {
    throw new Error(`TLS_DEMO_CA_DIR ${edge.demoCaDir}: ${(err as Error).message}`, { cause: err });
  }
  if (demo.made)
    log?.info(
      { caFile: demo.caFile },
      'demo CA: made a private CA and a certificate for localhost; stores pin ca.pem (GET /tls/ca.pem)',
    );
  return { certFile: demo.certFile, keyFile: demo.keyFile, caFile: demo.caFile, clientCaFile: null };
}

/**
 * Makes the hub's server (issue #27). With `edge.tls` set: HTTPS with that certificate and key (read at start), asking
 * clients for a certificate when `clientCaFile` is set (mutual TLS; never required at the handshake, so a browser or a
 * store without one still connects and uses its other credential). With `edge.demoCaDir` (demo only): a private CA and
 * a server certificate made there at first start and reused after. WSS (sync, graphql-ws, automerge, console live)
 * rides on the same server's upgrades. A file that cannot be read, or a key that does not match its certificate, stops
 * the start naming the variable. The files are read again every `reloadMs` (default 60 s) and a changed certificate
 * is served to new connections without a restart (`setSecureContext`); a broken new pair is logged and the old one
 * kept. The re-reading stops when the server closes.
 */
export async function createHubServer(
  app: Express,
  edge: EdgeSettings,
  o: { readonly mode: HubMode; readonly log: Logger; readonly reloadMs?: number },
): Promise<HubServer> {
  const files = await tlsFilesOf(edge, o.log);
  if (!files) return { server: createServer(app), scheme: 'http' };
  const material = await readTlsMaterial(files);
  const server = createHttpsServer(
    {
      ...secureOptions(material),
      requestCert: material.clientCa !== undefined,
      rejectUnauthorized: false, // a store's certificate is judged per request (store-certificates), never here
      minVersion: 'TLSv1.2',
    },
    app,
  );
  const watcher = watchCertificates(server, files, material, o.log, o.reloadMs ?? CERTIFICATE_RELOAD_MS);
  server.once('close', () => watcher.stop());
  o.log.info(
    { certificate: material.summary, mutualTls: material.clientCa !== undefined },
    'the hub serves HTTPS and WSS',
  );
  return { server: server as unknown as Server, scheme: 'https' };
}

const LOOPBACK = /^(localhost|127(\.\d{1,3}){3}|::1|\[::1\]|::ffff:127(\.\d{1,3}){3})$/i;

/**
 * The start-up warning (and `/healthz`'s) for a production hub listening off the loopback without TLS, or on the demo
 * CA; undefined when there is nothing to say.
 */
export function tlsWarning(edge: EdgeSettings, host: string, mode: HubMode): string | undefined {
  if (mode !== 'production') return undefined;
  if (!edge.tls && edge.demoCaDir)
    return `TLS: this production hub serves the demo CA's certificate (TLS_DEMO_CA_DIR=${edge.demoCaDir}); name your own with TLS_CERT_FILE and TLS_KEY_FILE`;
  if (edge.tls || LOOPBACK.test(host.trim())) return undefined;
  return `TLS: this production hub listens on ${host} over plain HTTP: store secrets, tokens and console sessions cross the network in clear. Set TLS_CERT_FILE and TLS_KEY_FILE (and TLS_CA_FILE for stores to pin), or keep HOST on the loopback behind a proxy that terminates TLS`;
}

/** Where the CA stores pin is: TLS_CA_FILE, or the demo folder's ca.pem; null when neither. */
function caFileOf(edge: EdgeSettings): string | null {
  if (edge.tls) return edge.tls.caFile;
  return edge.demoCaDir ? join(edge.demoCaDir, 'ca.pem') : null;
}

/**
 * `GET /tls/ca.pem`: the CA a store pins (public: a certificate is no secret), so a store being set up can fetch it
 * once (checking its fingerprint with head office) and put it in HUB_CA_FILE. 404 problem when the hub names none.
 */
export function tlsRoutes(edge: EdgeSettings): Router {
  const r = Router();
  r.get(
    '/tls/ca.pem',
    apiDoc({
      summary: 'The CA certificate stores pin (PEM)',
      description:
        'TLS_CA_FILE, or the demo CA’s certificate. A store puts it in HUB_CA_FILE; check its fingerprint out of band ' +
        'before trusting it. 404 when the hub names no CA.',
      tags: ['hub'],
      access: ['public'],
      responses: { 200: 'application/x-pem-file' },
    }),
    async (_req, res) => {
      const file = caFileOf(edge);
      const pem = file ? await readFile(file, 'utf8').catch(() => undefined) : undefined;
      if (!pem?.includes('-----BEGIN CERTIFICATE-----')) throw new NotFoundError('CA certificate', 'of this hub');
      res.type('application/x-pem-file').setHeader('cache-control', 'no-cache');
      res.send(pem);
    },
  );
  return r;
}
