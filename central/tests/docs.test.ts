import * as A from '@automerge/automerge';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { UserId } from '@storefleet/shared';
import type { Db } from '../src/db/db.js';
import { openDb } from '../src/db/open-db.js';
import { loadMigrations } from '../src/migrations/load-migrations.js';
import { migrate } from '../src/migrations/migrate.js';
import { syncMigrations } from '../src/sync/index.js';
import { DocReplica, fromBase64, toBase64 } from '@storefleet/sync';
import { DocAccess, DocRepository, HubDocs } from '../src/sync/docs/index.js';
import { PgChangeBus } from '../src/kernel/change-bus.js';
import { dbTargets } from './support/db-targets.js';

type Note = { text?: string; note?: string };
/** A change that sets the note's text. */
const setText =
  (text: string) =>
  (d: Note): void => {
    d.text = text;
  };
const admin = {
  kind: 'user',
  userId: '0190f0f0-0000-7000-8000-000000000009' as UserId,
  role: 'ADMIN',
  storeId: null,
} as const;

describe.each(dbTargets)('hub documents on $name', (target) => {
  let db: Db;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const place = await target.open();
    drop = place.drop;
    db = await openDb(place);
    await migrate(db, loadMigrations([{ module: 'sync', dir: syncMigrations }]));
  });
  afterAll(async () => {
    await db?.close();
    await drop?.();
  });

  const docsWith = (maxCached: number) => {
    const access = new DocAccess();
    access.register('note', (p) => (p.kind === 'user' ? 'write' : 'none'));
    return new HubDocs(
      new DocRepository(db, Date.now, new PgChangeBus(db)),
      access,
      pino({ level: 'silent' }),
      maxCached,
    );
  };

  it('drops idle documents past its bound, keeps subscribed ones, and reloads dropped ones intact', async () => {
    const docs = docsWith(4);
    let heard = 0;
    docs.subscribe('note:watched', () => heard++);
    await docs.change<Note>(admin, 'note:watched', setText('kept'));
    for (let i = 0; i < 12; i++) await docs.change<Note>(admin, `note:n${i}`, setText(`note ${i}`));
    // Idle documents are dropped once their queue settles: wait for it (10 s at most), saying what was last seen.
    for (let i = 0; docs.cachedDocuments > 5; i++) {
      if (i >= 400) throw new Error(`still ${docs.cachedDocuments} documents cached after 10 s (bound: 5)`);
      await new Promise((r) => setTimeout(r, 25));
    }
    expect(docs.cachedDocuments).toBeLessThanOrEqual(5);
    expect((await docs.read<Note>(admin, 'note:n0')).text).toBe('note 0'); // reloaded from the database
    await docs.change<Note>(admin, 'note:watched', setText('still heard'));
    expect(heard).toBe(2);
  });

  it('refuses a change that would put text no database keeps (U+0000) or break its namespace rule, keeping the document', async () => {
    const access = new DocAccess();
    access.register('memo', {
      access: () => 'write',
      validate: (d) =>
        typeof (d as Note).text === 'string' && (d as Note).text!.length > 5
          ? [{ path: 'text', message: 'at most 5 characters' }]
          : [],
    });
    const docs = new HubDocs(new DocRepository(db, Date.now, new PgChangeBus(db)), access, pino({ level: 'silent' }));
    await docs.change<Note>(admin, 'memo:a', setText('ok'));
    await expect(docs.change<Note>(admin, 'memo:a', setText('a\u0000b'))).rejects.toThrow(
      'changes to memo:a refused: text: contains U+0000 (NUL)',
    );
    await expect(docs.change<Note>(admin, 'memo:a', setText('too long'))).rejects.toThrow(
      'changes to memo:a refused: text: at most 5 characters',
    );
    expect((await docs.read<Note>(admin, 'memo:a')).text).toBe('ok');
    expect((await db.query('SELECT 1 FROM sync_doc_chunks WHERE doc_id = $1', ['memo:a'])).rows).toHaveLength(1);
  });

  it('sends a peer its read gate refuses nothing of the document, takes its changes, and serves it once the gate opens', async () => {
    const access = new DocAccess();
    const readers = new Set<string>();
    access.register('memo', {
      access: () => 'write',
      mayRead: (p) => p.kind !== 'store' || readers.has(p.storeId),
      readRefusal: 'ask first',
    });
    access.onGranted(
      'memo',
      (p, _key, used) => void (used === 'write' && p.kind === 'store' && readers.add(p.storeId)),
    ); // a write opens it
    const docs = new HubDocs(new DocRepository(db, Date.now, new PgChangeBus(db)), access, pino({ level: 'silent' }));
    await docs.change<Note>(admin, 'memo:gated', setText('secret'));
    const storeB = { kind: 'store', storeId: 'b' as never } as const;
    const device = DocReplica.fromChunks<Note>('memo:gated', []);
    const errors: string[] = [];
    /** Sync rounds between the device and the hub until neither has more to say. */
    const sync = async () => {
      const replies: string[] = [];
      for (let round = 0; round < 10; round++) {
        const message = device.generate('hub');
        if (!message) return;
        await docs
          .fromPeer('store:b', storeB, (_id, data) => replies.push(data) > 0, 'memo:gated', toBase64(message))
          .catch((e: Error) => errors.push(e.message));
        for (const r of replies.splice(0)) device.receive('hub', fromBase64(r));
      }
    };
    await sync();
    await sync();
    expect(device.doc.text).toBeUndefined();
    expect(errors).toEqual(['memo:gated: ask first (until then this store is sent nothing of it)']); // once per connection

    device.change((d) => {
      d.note = 'from b';
    });
    await sync();
    expect(device.doc).toEqual({ text: 'secret', note: 'from b' }); // its write opened the gate: the whole document
    expect(await docs.read<Note>(admin, 'memo:gated')).toEqual({ text: 'secret', note: 'from b' });
    docs.peerGone('store:b');

    // a gate that opens without a write from the peer (linked elsewhere) serves its next frame
    readers.clear();
    const later = DocReplica.fromChunks<Note>('memo:gated', []);
    const peerC = { kind: 'store', storeId: 'c' as never } as const;
    const replies: string[] = [];
    const frame = async () => {
      const m = later.generate('hub') ?? A.generateSyncMessage(later.doc, A.initSyncState())[1]!;
      await docs
        .fromPeer('store:c', peerC, (_id, d) => replies.push(d) > 0, 'memo:gated', toBase64(m))
        .catch(() => undefined);
      for (const r of replies.splice(0)) later.receive('hub', fromBase64(r));
    };
    await frame();
    expect(later.doc.text).toBeUndefined();
    readers.add('c');
    for (let i = 0; i < 5 && later.doc.text === undefined; i++) await frame();
    expect(later.doc.text).toBe('secret');
  });

  it('refuses documents of a namespace nobody declared, and callers without rights', async () => {
    const docs = docsWith(10);
    await expect(docs.read(admin, 'secret:x')).rejects.toThrow('no read access to document secret:x');
    await expect(docs.change({ kind: 'store', storeId: 's' as never }, 'note:y', () => {})).rejects.toThrow(
      'no write access to document note:y',
    );
    await expect(docs.read(admin, 'no-namespace')).rejects.toThrow('not a document id: no-namespace');
  });
});
