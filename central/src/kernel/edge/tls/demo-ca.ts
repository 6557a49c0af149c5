import { execFile } from 'node:child_process';
import { randomBytes, X509Certificate } from 'node:crypto';
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { TlsSettings } from '../edge-settings.js';

const run = promisify(execFile);

/**
 * A private certificate authority made with the `openssl` binary (execFile with arguments, no shell): the demo's CA
 * and server certificate (`ensureDemoCa`, issue #27) and the tests' PKI (`makeTestPki`). Keys are EC P-256, written
 * 0600; nothing here is for production, where the operator names their own files (TLS_CERT_FILE …).
 */

/** A certificate and its key, as file paths (PEM). */
export interface CertFiles {
  readonly certFile: string;
  readonly keyFile: string;
}

/** The files the demo CA folder holds: the CA's certificate, the hub's certificate and its key. */
export interface DemoCaFiles extends CertFiles {
  readonly caFile: string;
}

const TEN_YEARS = 3650;
const ONE_YEAR = 365;

async function openssl(args: readonly string[]): Promise<void> {
  try {
    await run('openssl', args as string[], { timeout: 30_000 });
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('the openssl binary is needed to make the demo CA (install openssl)');
    throw new Error(`openssl ${args[0]} failed: ${(e.stderr ?? e.message).trim().split('\n').slice(-2).join(' ')}`);
  }
}

const exists = (path: string) =>
  stat(path).then(
    () => true,
    () => false,
  );

/** `openssl req` arguments for a new P-256 key, unencrypted (the hub reads it at start). */
const NEW_P256_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

/** A self-signed CA (key + certificate, `days` long) at `<dir>/<name>.pem` and `<dir>/<name>-key.pem`. */
export async function makeCa(dir: string, name: string, commonName: string, days = TEN_YEARS): Promise<CertFiles> {
  await mkdir(dir, { recursive: true });
  const files = { certFile: join(dir, `${name}.pem`), keyFile: join(dir, `${name}-key.pem`) };
  await openssl([
    'req',
    '-x509',
    ...NEW_P256_KEY,
    '-keyout',
    files.keyFile,
    '-out',
    files.certFile,
    '-days',
    String(days),
    '-subj',
    `/CN=${commonName}`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  await chmod(files.keyFile, 0o600);
  return files;
}

export interface IssueOptions {
  /** What it is for: a server (the hub) or a client (a store's mutual TLS). */
  readonly use: 'server' | 'client';
  readonly commonName: string;
  /** Days it is valid from now; 0 makes one that expires at once (tests). Default one year. */
  readonly days?: number;
  /** A server's names: `DNS:localhost`, `IP:127.0.0.1` … */
  readonly altNames?: readonly string[];
}

/** A certificate signed by `ca` at `<dir>/<name>.pem` with its key at `<dir>/<name>-key.pem` (0600). */
export async function issueCert(ca: CertFiles, dir: string, name: string, o: IssueOptions): Promise<CertFiles> {
  await mkdir(dir, { recursive: true });
  const files = { certFile: join(dir, `${name}.pem`), keyFile: join(dir, `${name}-key.pem`) };
  const csr = join(dir, `${name}.csr`);
  const ext = join(dir, `${name}.ext`);
  await openssl([
    'req',
    '-new',
    ...NEW_P256_KEY,
    '-keyout',
    files.keyFile,
    '-out',
    csr,
    '-subj',
    `/CN=${o.commonName}`,
  ]);
  await chmod(files.keyFile, 0o600);
  const lines = [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    `extendedKeyUsage=${o.use === 'server' ? 'serverAuth' : 'clientAuth'}`,
    ...(o.altNames?.length ? [`subjectAltName=${o.altNames.join(',')}`] : []),
  ];
  await writeFile(ext, `${lines.join('\n')}\n`);
  try {
    await openssl([
      'x509',
      '-req',
      '-in',
      csr,
      '-CA',
      ca.certFile,
      '-CAkey',
      ca.keyFile,
      '-set_serial',
      `0x${randomBytes(16).toString('hex')}`,
      '-days',
      String(o.days ?? ONE_YEAR),
      '-extfile',
      ext,
      '-out',
      files.certFile,
    ]);
  } finally {
    await rm(csr, { force: true });
    await rm(ext, { force: true });
  }
  return files;
}

/** Whether the certificate at `file` is missing, unreadable or ends within `ms` from now. */
async function expiresWithin(file: string, ms: number): Promise<boolean> {
  try {
    return Date.parse(new X509Certificate(await readFile(file)).validTo) - Date.now() < ms;
  } catch {
    return true;
  }
}

/** The names the demo's server certificate answers to. */
export const DEMO_SERVER_NAMES = ['DNS:localhost', 'IP:127.0.0.1', 'IP:::1'] as const;

/**
 * The demo's CA folder: `ca.pem` (+ `ca-key.pem`), `hub.pem` and `hub-key.pem`, made at first start (a 10-year CA, a
 * one-year certificate for localhost, 127.0.0.1 and ::1) and reused after; a server certificate missing or ending within
 * 30 days is issued again by the CA there. A ca.pem without its key (and no server certificate) is an error.
 */
export async function ensureDemoCa(dir: string): Promise<DemoCaFiles & { readonly made: boolean }> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const caFile = join(dir, 'ca.pem');
  const caKey = join(dir, 'ca-key.pem');
  const out = { caFile, certFile: join(dir, 'hub.pem'), keyFile: join(dir, 'hub-key.pem') };
  let made = false;
  if (!(await exists(caFile))) {
    await makeCa(dir, 'ca', 'Storefleet demo CA');
    made = true;
  } else if (!(await exists(caKey)) && !(await exists(out.certFile)))
    throw new Error(`${dir} has a ca.pem without its ca-key.pem: remove the folder to make a new demo CA`);
  if (made || !(await exists(out.keyFile)) || (await expiresWithin(out.certFile, 30 * 86_400_000))) {
    await issueCert({ certFile: caFile, keyFile: caKey }, dir, 'hub', {
      use: 'server',
      commonName: 'localhost',
      days: ONE_YEAR,
      altNames: DEMO_SERVER_NAMES,
    });
    made = true;
  }
  return { ...out, made };
}

/** A test PKI in a temp folder (see `makeTestPki`): file paths plus their PEM text. */
export interface TestPki {
  readonly dir: string;
  /** The CA that signs the hub's certificate (what stores pin). */
  readonly ca: CertFiles & { readonly pem: string };
  /** The hub's server certificate for localhost, 127.0.0.1 and ::1. */
  readonly server: CertFiles;
  /** Another CA (a hub's certificate a store must not trust; client certificates the hub must not take). */
  readonly otherCa: CertFiles & { readonly pem: string };
  /** The CA that signs stores' client certificates (TLS_CLIENT_CA_FILE). */
  readonly clientCa: CertFiles & { readonly pem: string };
  /** Per name given in `stores`: a valid client certificate signed by the client CA (PEM text of both). */
  readonly clients: Readonly<Record<string, { readonly cert: string; readonly key: string } & CertFiles>>;
  /** The hub's TLS settings over these files, mutual TLS on (the server certificate, its CA, the client CA). */
  readonly hubTls: TlsSettings;
  /** Issues one more: a client certificate (`clientCa`, or `otherCa` with `from: 'other'`), a server one, … */
  issue(name: string, o: IssueOptions & { readonly from?: 'ca' | 'client' | 'other' }): Promise<PemPair>;
}

export interface PemPair extends CertFiles {
  readonly cert: string;
  readonly key: string;
}

/**
 * Makes a whole test PKI in `dir`: a hub CA with a server certificate for the loopback names, another CA, a client CA
 * and one client certificate per name in `stores` (common name = the name).
 */
export async function makeTestPki(dir: string, o: { readonly stores?: readonly string[] } = {}): Promise<TestPki> {
  const ca = await makeCa(dir, 'ca', 'Storefleet test hub CA');
  const otherCa = await makeCa(dir, 'other-ca', 'Somebody else');
  const clientCa = await makeCa(dir, 'client-ca', 'Storefleet test store CA');
  const server = await issueCert(ca, dir, 'hub', {
    use: 'server',
    commonName: 'localhost',
    altNames: DEMO_SERVER_NAMES,
  });
  const signer = { ca, client: clientCa, other: otherCa };
  const issue = async (name: string, io: IssueOptions & { readonly from?: 'ca' | 'client' | 'other' }) => {
    const files = await issueCert(signer[io.from ?? (io.use === 'client' ? 'client' : 'ca')], dir, name, io);
    return { ...files, cert: await readFile(files.certFile, 'utf8'), key: await readFile(files.keyFile, 'utf8') };
  };
  const clients: Record<string, PemPair> = {};
  for (const store of o.stores ?? []) clients[store] = await issue(store, { use: 'client', commonName: store });
  const pem = async (c: CertFiles) => ({ ...c, pem: await readFile(c.certFile, 'utf8') });
  const hubTls = {
    certFile: server.certFile,
    keyFile: server.keyFile,
    caFile: ca.certFile,
    clientCaFile: clientCa.certFile,
  };
  return {
    dir,
    ca: await pem(ca),
    server,
    otherCa: await pem(otherCa),
    clientCa: await pem(clientCa),
    clients,
    hubTls,
    issue,
  };
}
