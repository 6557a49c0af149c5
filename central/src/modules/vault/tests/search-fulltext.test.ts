import { VAULT_ROOT_ID } from '@storefleet/shared';
import { describe, expect, it } from 'vitest';
import { dbTargets } from '../../../../tests/support/db-targets.js';
import { docsHub, grant, newFolder, person, scanned, send, upload } from './documents-harness.js';

describe.each(dbTargets)('vault search ($name)', (target) => {
  const h = docsHub(target);
  const search = async (query: string, who = h.admin) => {
    const res = await h.t.call('GET', `/api/vault/search?${query}`, undefined, { cookie: who });
    expect(res.status, query).toBe(200);
    return res.body.items.map((n: { name: string }) => n.name) as string[];
  };

  it('finds a text document by a word inside it, but only for those who may read it', async () => {
    const shared = await newFolder(h, VAULT_ROOT_ID, 'Store SOPs');
    const secret = await newFolder(h, VAULT_ROOT_ID, 'HR only');
    const reader = await person(h);
    await grant(h, shared, reader.subject, 1);
    const uploads = [
      await upload(h, shared, 'closing.md', '# Closing\nCount the float, then lock the **quokka** cage.', {
        type: 'text/markdown',
      }),
      await upload(h, secret, 'salaries.txt', 'the quokka bonus scheme', { type: 'text/plain' }),
      await upload(h, shared, 'picture.bin', 'quokka', { type: 'application/octet-stream' }),
      await upload(h, shared, 'page.html', '<p class="quokka">Refund <b>policy</b></p>', { type: 'text/html' }),
    ];
    // a document's words are searchable once its scan has found it clean
    for (const u of uploads) expect(await scanned(h, u.json.version.id)).toBe('CLEAN');

    expect((await search('q=quokka')).sort()).toEqual(['closing.md', 'salaries.txt']);
    expect(await search('q=quokka', reader.cookie)).toEqual(['closing.md']);
    // markup is not text: the attribute is not found, the words are
    expect(await search('q=refund%20policy', reader.cookie)).toEqual(['page.html']);
    // websearch syntax: a phrase, and a word left out
    expect(await search('q=%22lock%20the%22', reader.cookie)).toEqual(['closing.md']);
    expect(await search('q=quokka%20-cage')).toEqual(['salaries.txt']);
  });

  it('filters by name prefix, tag, owner and folder; a rename and retag keep the text findable', async () => {
    const f = await newFolder(h, VAULT_ROOT_ID, 'Filters');
    const sub = await newFolder(h, f, 'Inner');
    const writer = await person(h);
    await grant(h, f, writer.subject, 2);
    const a = await upload(h, f, 'Planogram aisle 4.txt', 'endcap wombat display', {
      tags: 'planogram',
      type: 'text/plain',
    });
    expect(await scanned(h, a.json.version.id)).toBe('CLEAN');
    await upload(h, sub, 'Planogram aisle 9.txt', 'shelf', { tags: 'planogram,seasonal', who: writer.cookie });
    expect((await search(`q=planog&folderId=${f}`)).sort()).toEqual(['Planogram aisle 4.txt', 'Planogram aisle 9.txt']);
    expect(await search('tag=seasonal')).toEqual(['Planogram aisle 9.txt']);
    expect(await search(`owner=${encodeURIComponent(writer.subject)}`)).toEqual(['Planogram aisle 9.txt']);
    expect(await search(`tag=planogram&folderId=${sub}`)).toEqual(['Planogram aisle 9.txt']);

    await h.t.call(
      'PATCH',
      `/api/vault/nodes/${a.json.node.id}`,
      { name: 'Endcaps.txt', tags: ['promo'] },
      {
        cookie: h.admin,
      },
    );
    expect(await search('q=wombat')).toEqual(['Endcaps.txt']);
    expect(await search('q=endcaps')).toEqual(['Endcaps.txt']);
    expect(await search('tag=promo')).toEqual(['Endcaps.txt']);
    expect(await search('q=aisle%204')).toEqual([]);
  });

  it('pages are complete: every match once across pages', async () => {
    const f = await newFolder(h, VAULT_ROOT_ID, 'Many');
    const names = Array.from({ length: 7 }, (_, i) => `ledger ${String.fromCharCode(97 + ((i * 3) % 7))}`);
    for (const n of names) await upload(h, f, n, 'x');
    const seen: string[] = [];
    let after: string | null = null;
    for (let i = 0; i < 10; i++) {
      const q: string = `q=ledger&folderId=${f}&limit=3${after ? `&after=${after}` : ''}`;
      const res = await h.t.call('GET', `/api/vault/search?${q}`, undefined, { cookie: h.admin });
      seen.push(...res.body.items.map((n: { name: string }) => n.name));
      after = res.body.next;
      if (!after) break;
    }
    expect(seen).toEqual([...names].sort());
  });

  it('bad search input is a 400 problem', async () => {
    for (const q of [
      'after=garbage',
      'limit=0',
      'limit=201',
      'owner=root',
      'folderId=..%2F',
      'tag=%3Cx%3E',
      'nope=1',
    ]) {
      const res = await send(h, 'GET', `/api/vault/search?${q}`, h.admin);
      expect(res.status, q).toBe(400);
      expect(res.headers.get('content-type')).toContain('application/problem+json');
    }
    // odd text is just text to search for
    expect(
      (await send(h, 'GET', `/api/vault/search?q=${encodeURIComponent("'); DROP TABLE x; -- & | !")}`, h.admin)).status,
    ).toBe(200);
  });
});
