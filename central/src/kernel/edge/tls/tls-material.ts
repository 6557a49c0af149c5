import { createHash, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext, type SecureContextOptions, type Server as TlsServer } from 'node:tls';
import type { Logger } from 'pino';
import type { TlsSettings } from '../edge-settings.js';

/**
 * The hub's TLS files read into memory: its certificate (and chain) and key, and the client CA for mutual TLS. Read
 * at start (a problem stops the hub naming the variable) and again by the watcher for a rotation without downtime.
 */
export interface TlsMaterial {
  readonly cert: string;
  readonly key: string;
  /** TLS_CLIENT_CA_FILE's text: the CA stores' client certificates must chain to. */
  readonly clientCa: string | undefined;
  /** What the log says of the served certificate (never the key). */
  readonly summary: { readonly subject: string; readonly notAfter: string; readonly fingerprint256: string };
  /** A hash of all three texts: a change of any is a change to serve. */
  readonly signature: string;
}

const VARIABLE: Record<keyof TlsSettings, string> = {
  certFile: 'TLS_CERT_FILE',
  keyFile: 'TLS_KEY_FILE',
  caFile: 'TLS_CA_FILE',
  clientCaFile: 'TLS_CLIENT_CA_FILE',
};

async function readNamed(files: TlsSettings, which: keyof TlsSettings): Promise<string | undefined> {
  const path = files[which];
  if (!path) return undefined;
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new Error(`${VARIABLE[which]} names ${path}, which cannot be read: ${(err as Error).message}`, {
      cause: err,
    });
  }
}

/** Reads and checks the files (a PEM certificate, its matching key, a PEM client CA); throws naming the variable. */
export async function readTlsMaterial(files: TlsSettings): Promise<TlsMaterial> {
  const cert = (await readNamed(files, 'certFile'))!;
  const key = (await readNamed(files, 'keyFile'))!;
  const clientCa = await readNamed(files, 'clientCaFile');
  if (files.caFile) await readNamed(files, 'caFile'); // stores pin it (GET /tls/ca.pem): say now if it is not there
  let served: X509Certificate;
  try {
    served = new X509Certificate(cert);
  } catch (err) {
    throw new Error(`TLS_CERT_FILE ${files.certFile} holds no PEM certificate: ${(err as Error).message}`);
  }
  if (clientCa !== undefined) {
    try {
      new X509Certificate(clientCa);
    } catch (err) {
      throw new Error(`TLS_CLIENT_CA_FILE ${files.clientCaFile} holds no PEM certificate: ${(err as Error).message}`);
    }
  }
  const material: TlsMaterial = {
    cert,
    key,
    clientCa,
    summary: { subject: served.subject, notAfter: served.validTo, fingerprint256: served.fingerprint256 },
    signature: createHash('sha256')
      .update(cert)
      .update('\0')
      .update(key)
      .update('\0')
      .update(clientCa ?? '')
      .digest('hex'),
  };
  try {
    createSecureContext(secureOptions(material));
  } catch (err) {
    throw new Error(
      `TLS_KEY_FILE ${files.keyFile} does not go with TLS_CERT_FILE ${files.certFile}: ${(err as Error).message}`,
    );
  }
  return material;
}

/** The secure-context options the server is made (and re-made) with. */
export function secureOptions(m: TlsMaterial): SecureContextOptions {
  return { cert: m.cert, key: m.key, ...(m.clientCa !== undefined ? { ca: m.clientCa } : {}) };
}

/**
 * The event the hub's server emits after each timed look at its TLS files, with the look's outcome: a test waits for
 * it (a reload, or a new pair refused) instead of sleeping and hoping a look ran.
 */
export const CERTIFICATE_CHECK_EVENT = 'tls-certificate-check';

/** The re-reading of the hub's TLS files; `check` runs one look now (tests), `stop` ends the timer. */
export interface CertificateWatcher {
  check(): Promise<'unchanged' | 'reloaded' | 'refused'>;
  stop(): void;
}

/**
 * Reads the files every `everyMs` and, when any changed, serves the new pair to new connections
 * (`server.setSecureContext`); connections already open keep theirs. A new pair that does not load (a key written
 * before its certificate, a broken file) is logged once and the running one kept; it is tried again when the files
 * change again. Whether a client certificate is asked for is fixed at start (TLS_CLIENT_CA_FILE's presence). Each
 * timed look ends with `server.emit(CERTIFICATE_CHECK_EVENT, outcome)`.
 */
export function watchCertificates(
  server: TlsServer,
  files: TlsSettings,
  initial: TlsMaterial,
  log: Logger,
  everyMs: number,
): CertificateWatcher {
  let serving = initial.signature;
  let lastRefused: string | undefined;
  let running = false;
  const check = async (): Promise<'unchanged' | 'reloaded' | 'refused'> => {
    let next: TlsMaterial;
    try {
      next = await readTlsMaterial(files);
    } catch (err) {
      const said = (err as Error).message;
      if (said !== lastRefused)
        log.error({ err: said }, 'TLS files changed but cannot be served; keeping the old ones');
      lastRefused = said;
      return 'refused';
    }
    lastRefused = undefined;
    if (next.signature === serving) return 'unchanged';
    server.setSecureContext(secureOptions(next));
    serving = next.signature;
    log.info({ certificate: next.summary }, 'TLS certificate reloaded: new connections get the new one');
    return 'reloaded';
  };
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void check()
      .then((outcome) => server.emit(CERTIFICATE_CHECK_EVENT, outcome))
      .finally(() => {
        running = false;
      });
  }, everyMs);
  timer.unref();
  return { check, stop: () => clearInterval(timer) };
}
