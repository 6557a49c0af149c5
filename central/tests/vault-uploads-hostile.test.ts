import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { VAULT_ROOT_ID } from '@storefleet/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hubFingerprint } from './support/db-fingerprint.js';
import { dbTargets } from './support/db-targets.js';
import { rawExchange } from './support/raw-socket.js';
import { TestHub } from './support/test-hub.js';
import { vaultSettled } from './support/vault-access.js';

/** Every file under a folder (the blob store's, its temporary files included). */
const filesUnder = (dir: string): string[] => {
  try {
    return readdirSync(dir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => join(e.parentPath, e.name));
  } catch {
    return [];
  }
};

/**
 * Uploads that lie (issue #22: "a client that drops mid-upload leaves nothing behind"): a Content-Length larger than
 * what is sent before the client hangs up, a body that breaks its chunked framing, a declared size past the limit, a
 * request that names both framings. Each is refused or dropped with nothing kept — no node, no version, no audit line,
 * no blob and no temporary file — and the hub answers the next request as before. Sent over raw sockets, as an HTTP
 * client would refuse to send them.
 */
// One database (Postgres in CI): what is tested is the HTTP and storage layer; both dialects run the upload path in
// documents-content.test.ts.
describe.each([dbTargets.at(-1)!])('uploads that lie about their size, on $name', (target) => {
  let t: TestHub;
  let dir: string;
  let cookie: string;
  let folderId: string;
  const port = () => Number(new URL(t.url).port);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vault-hostile-'));
    t = await TestHub.start(target, { dataDir: dir });
    cookie = await t.login();
    const folder = await t.call('POST', '/api/vault/folders', { parentId: VAULT_ROOT_ID, name: 'Uploads' }, { cookie });
    expect(folder.status, JSON.stringify(folder.body)).toBe(201);
    folderId = folder.body.id;
    // one real upload first, so the blob folder exists and the check below compares like with like
    const ok = await t.call('POST', `/api/vault/folders/${folderId}/documents?name=first.txt`, undefined, {
      cookie,
      rawBody: 'the first one, honest about its size',
      contentType: 'text/plain',
    });
    expect(ok.status, JSON.stringify(ok.body)).toBe(201);
    await vaultSettled(t);
  });
  afterAll(async () => {
    await t?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The database and the blob folder as they are now, to compare after a refused upload. */
  const snapshot = async () => ({ db: await hubFingerprint(t.hub.db), files: filesUnder(join(dir, 'blobs')).sort() });
  const head = (name: string, extra: string) =>
    `POST /api/vault/folders/${folderId}/documents?name=${name} HTTP/1.1\r\nHost: hub\r\nCookie: ${cookie}\r\nContent-Type: text/plain\r\n${extra}`;

  /** Sends `head` and part of a body, then hangs up without waiting for an answer. */
  const sendAndDrop = (request: string) =>
    new Promise<void>((resolve, reject) => {
      const s = connect(port(), '127.0.0.1', () => {
        s.write(request, () => setTimeout(() => s.destroy(), 200));
      });
      s.on('close', () => resolve());
      s.on('error', reject);
    });

  /** The hub still stores an honest upload, and the lie left nothing. */
  const nothingKept = async (before: Awaited<ReturnType<typeof snapshot>>) => {
    // the hub notices the hang-up (or its parser's refusal) on its own time, and may start the sealing just after:
    // wait until what is kept equals what was, twice a second apart, so a late temporary file is seen too
    const same = (x: Awaited<ReturnType<typeof snapshot>>) =>
      x.db === before.db && x.files.join() === before.files.join();
    const deadline = Date.now() + 20_000;
    let now = await snapshot();
    for (let steady = 0; steady < 2 && Date.now() < deadline; ) {
      await new Promise((r) => setTimeout(r, steady ? 1000 : 100));
      now = await snapshot();
      steady = same(now) ? steady + 1 : 0;
    }
    expect(now.files).toEqual(before.files);
    expect(now.db).toBe(before.db);
    expect((await t.call('GET', '/healthz')).status).toBe(200);
  };

  it('a client that says 100 kB, sends 10 bytes and hangs up leaves nothing behind', async () => {
    const before = await snapshot();
    await sendAndDrop(`${head('dropped.txt', 'Content-Length: 100000\r\n\r\n')}only ten b`);
    await nothingKept(before);
  });

  it('a chunked upload that stops mid-chunk and hangs up leaves nothing behind', async () => {
    const before = await snapshot();
    await sendAndDrop(`${head('cut.txt', 'Transfer-Encoding: chunked\r\n\r\n')}400\r\n${'x'.repeat(100)}`);
    await nothingKept(before);
  });

  it('a chunk size that is not hex is refused with a 400, and nothing is kept', async () => {
    const before = await snapshot();
    const answer = await rawExchange(
      t.url,
      `${head('garbled.txt', 'Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n')}5\r\nhello\r\nzz\r\nxx\r\n0\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 4\d\d/);
    await nothingKept(before);
  });

  it('both Content-Length and Transfer-Encoding (a smuggling attempt) is refused with a 400, and nothing is kept', async () => {
    const before = await snapshot();
    const answer = await rawExchange(
      t.url,
      `${head('smuggled.txt', 'Content-Length: 4\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n')}0\r\n\r\n`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
    await nothingKept(before);
  });

  it('a declared size past the limit is refused with 413 problem+json before the body is read, and nothing is kept', async () => {
    const before = await snapshot();
    const answer = await rawExchange(
      t.url,
      `${head('huge.bin', `Content-Length: ${3 * 1024 ** 3}\r\nConnection: close\r\n\r\n`)}${'x'.repeat(1000)}`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 413/);
    expect(answer.toLowerCase()).toContain('content-type: application/problem+json');
    await nothingKept(before);
  });

  it('a name no document may have is refused with 400 problem+json, whatever the body, and nothing is kept', async () => {
    for (const name of ['', '..', 'a%2Fb', 'a%00b', 'x'.repeat(300), '%20%20']) {
      const before = await snapshot();
      const answer = await rawExchange(
        t.url,
        `${head(name, 'Content-Length: 11\r\nConnection: close\r\n\r\n')}hello there`,
      );
      expect(answer, `name ${JSON.stringify(name)}`).toMatch(/^HTTP\/1\.1 400/);
      expect(answer.toLowerCase()).toContain('content-type: application/problem+json');
      await nothingKept(before);
    }
  });
});
