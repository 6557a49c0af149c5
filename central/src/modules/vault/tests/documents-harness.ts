import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import type { DbTarget } from '../../../../tests/support/db-targets.js';
import { TestHub } from '../../../../tests/support/test-hub.js';

/** The documents lane's test hub: a hub on `target` with its blobs in a folder the test can look into. */
export interface DocsHub {
  readonly t: TestHub;
  readonly admin: string;
  readonly blobDir: string;
}

export function docsHub(target: DbTarget): DocsHub {
  const state: { t?: TestHub; admin?: string; blobDir?: string } = {};
  beforeAll(async () => {
    state.blobDir = mkdtempSync(join(tmpdir(), 'vault-docs-test-'));
    state.t = await TestHub.start(target, { blobDir: state.blobDir });
    state.admin = await state.t.login();
  });
  afterAll(async () => {
    await state.t?.stop();
    if (state.blobDir) rmSync(state.blobDir, { recursive: true, force: true });
  });
  return {
    get t() {
      return state.t!;
    },
    get admin() {
      return state.admin!;
    },
    get blobDir() {
      return state.blobDir!;
    },
  };
}

let seq = 0;
/** A person of a new store (role ASSOCIATE unless said), signed in: their cookie and `user:<id>` subject. */
export async function person(
  h: DocsHub,
  role: 'ASSOCIATE' | 'STORE_MANAGER' = 'ASSOCIATE',
): Promise<{ cookie: string; subject: string; userId: string; storeId: string }> {
  const n = ++seq;
  const store = await h.t.store(`D${n}${Date.now() % 100000}`, h.admin);
  const email = `person${n}-${Date.now()}@example.test`;
  const user = await h.t.hub.auth.createUser({
    email,
    password: 'correct horse battery staple',
    name: `Person ${n}`,
    role,
    storeId: store.id as never,
  });
  const cookie = await h.t.login(email, 'correct horse battery staple');
  return { cookie, subject: `user:${user.id}`, userId: user.id, storeId: store.id };
}

/** Gives `subject` a level on a node straight in the table (the permissions lane's routes are tested there). */
export async function grant(h: DocsHub, nodeId: string, subject: string, level: 1 | 2 | 3 | 4 | 5): Promise<void> {
  await h.t.hub.db.query(
    `INSERT INTO vault_grants (node_id, subject, level, granted_by, granted_at) VALUES ($1, $2, $3, 'system', now())
     ON CONFLICT (node_id, subject) DO UPDATE SET level = excluded.level`,
    [nodeId, subject, level],
  );
}

export interface Answer {
  readonly status: number;
  readonly headers: Headers;
  readonly json: any;
  readonly bytes: Buffer;
}

/** A request with a raw (file) body, as a browser or the handheld sends one. */
export async function send(
  h: DocsHub,
  method: string,
  path: string,
  who: string,
  body?: Buffer | string | ReadableStream<Uint8Array>,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const init: RequestInit & { duplex?: 'half' } = { method, headers: { cookie: who, ...headers } };
  if (body !== undefined) {
    init.body = body as RequestInit['body'];
    if (body instanceof ReadableStream) init.duplex = 'half';
  }
  const res = await fetch(h.t.url + path, init);
  const bytes = Buffer.from(await res.arrayBuffer());
  const type = res.headers.get('content-type') ?? '';
  return {
    status: res.status,
    headers: res.headers,
    json: type.includes('json') && bytes.length ? JSON.parse(bytes.toString('utf8')) : null,
    bytes,
  };
}

export async function newFolder(h: DocsHub, parentId: string, name: string, who = h.admin): Promise<string> {
  const res = await h.t.call('POST', '/api/vault/folders', { parentId, name }, { cookie: who });
  if (res.status !== 201) throw new Error(`folder ${name}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body.id;
}

export async function upload(
  h: DocsHub,
  folderId: string,
  name: string,
  body: Buffer | string,
  options: { type?: string; tags?: string; who?: string; key?: string } = {},
): Promise<Answer> {
  const q = new URLSearchParams({ name });
  if (options.tags) q.set('tags', options.tags);
  const headers: Record<string, string> = {};
  if (options.type) headers['content-type'] = options.type;
  if (options.key) headers['idempotency-key'] = options.key;
  return send(h, 'POST', `/api/vault/folders/${folderId}/documents?${q}`, options.who ?? h.admin, body, headers);
}

export const sha256 = (b: Buffer | string) => createHash('sha256').update(b).digest('hex');

/** Every blob file in the hub's blob folder (temporary files aside). */
export function blobFiles(h: DocsHub): string[] {
  const root = join(h.blobDir, 'sha256');
  try {
    return readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name));
  } catch {
    return [];
  }
}

/** The file of a blob key (`sha256:<hex>`) in the blob folder. */
export const blobPath = (h: DocsHub, key: string) => {
  const hex = key.replace(/^sha256:/, '');
  return join(h.blobDir, 'sha256', hex.slice(0, 2), hex.slice(2, 4), hex);
};

/** Waits (bounded) until the version's scan has run. */
export async function scanned(h: DocsHub, versionId: string): Promise<string> {
  for (let i = 0; i < 200; i++) {
    const { rows } = await h.t.hub.db.query<{ scan_state: string }>(
      'SELECT scan_state FROM vault_versions WHERE id = $1',
      [versionId],
    );
    if (rows[0] && rows[0].scan_state !== 'PENDING') return rows[0].scan_state;
    await h.t.hub.jobs.runDue();
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`version ${versionId} was never scanned`);
}
