/**
 * The demo's documents (issue #22), through the hub's API as head office would file them: Head office › SOPs,
 * Planograms and HR forms (the SOPs and planograms readable by every store's staff and handheld, the HR forms by
 * managers), and a folder per demo store shared with that store. A handful of short documents written for the demo;
 * the opening checklist is marked offline, so every handheld keeps a copy. Folders and documents are found by name on
 * a restart and made only when missing (a second start adds nothing, and never overwrites what someone changed).
 * Nothing here stops the demo: a refusal is said in the banner.
 */
import { VAULT_ROOT_ID } from '@storefleet/shared';
import { attempts } from './demo-attempt.js';
import { type HubFetch, sessionHeaders } from './demo-https.js';
import type { DemoStore } from './demo-stores.js';

type Api = <T = unknown>(method: string, path: string, body?: unknown) => Promise<T>;

interface Node {
  readonly id: string;
  readonly kind: 'FOLDER' | 'DOCUMENT';
  readonly name: string;
}

interface DemoDocument {
  readonly folder: 'SOPs' | 'Planograms' | 'HR forms';
  readonly name: string;
  readonly mediaType: string;
  readonly tags: readonly string[];
  readonly offline?: boolean;
  readonly text: string;
}

export const DEMO_DOCUMENTS: readonly DemoDocument[] = [
  {
    folder: 'SOPs',
    name: 'Opening checklist.md',
    mediaType: 'text/markdown',
    tags: ['sop', 'opening'],
    offline: true,
    text: `# Opening checklist

Two people open the store; nobody opens alone.

1. Walk the outside first: doors, windows and the loading bay shutter as they were left.
2. Disarm the alarm within 60 seconds and note the time on the shift sheet.
3. Lights on, back to front. Check the fridges read 5 °C or below and write the readings down.
4. Count each till float (150.00) with your colleague watching, and sign the float sheet together.
5. Fill the gaps on the promotion endcaps before the shelves (see the current planogram).
6. Unlock the front doors at 9:00 — not earlier, even if customers are waiting.
`,
  },
  {
    folder: 'SOPs',
    name: 'Cash handling.md',
    mediaType: 'text/markdown',
    tags: ['sop', 'cash'],
    text: `# Cash handling

- A till never holds more than 400.00 in notes: past that, make a drop to the safe and log it.
- Drops and safe counts are always done by two people, one of them a manager.
- Count notes face up, highest value first; count twice before you write the figure down.
- A difference over 5.00 at close is reported to the manager on duty the same evening.
- Never accept a note you are unsure of: ask a manager to check it with the pen.
- The safe is counted at close by the closing manager and one colleague; both sign the sheet.
`,
  },
  {
    folder: 'Planograms',
    name: 'Autumn endcap planogram.md',
    mediaType: 'text/markdown',
    tags: ['planogram', 'autumn'],
    text: `# Autumn endcap — weeks 38 to 44

Endcap A (by the entrance), top to bottom:
- Shelf 1: pumpkin spice coffee, 4 facings; cinnamon rolls, 2 facings.
- Shelf 2: apple cider, 6 facings (heaviest at eye level sells best here).
- Shelf 3: baking — flour, brown sugar, pie crusts, 3 facings each.
- Base: pumpkins in the crate, price card on the left.

Keep the shelf-edge labels on the left of each product. Photos of a finished endcap to your area manager by Monday noon.
`,
  },
  {
    folder: 'Planograms',
    name: 'Checkout queue line.txt',
    mediaType: 'text/plain',
    tags: ['planogram', 'checkout'],
    text: `Checkout queue line

Impulse bays along the queue, from the front:
1. Chewing gum and mints
2. Chocolate bars (the promotion of the week at eye level)
3. Batteries and phone chargers
4. Water and soft drinks, chilled

Nothing taller than 1.4 m in the queue line: staff must see the whole queue from the tills.
`,
  },
  {
    folder: 'HR forms',
    name: 'Shift swap request.txt',
    mediaType: 'text/plain',
    tags: ['hr', 'rota'],
    text: `Shift swap request

Your name:
Shift you are giving up (date, start, end):
Colleague taking it:
Their signature:
Manager's approval (name, date):

Hand this in at least 48 hours before the shift. A swap is only settled once a manager has signed it.
`,
  },
  {
    folder: 'HR forms',
    name: 'Holiday request.txt',
    mediaType: 'text/plain',
    tags: ['hr', 'holiday'],
    text: `Holiday request

Name:
First day away:
Last day away:
Days requested:
Days left this year (your manager fills this in):

Requests for December need four weeks' notice. You will have an answer within seven days.
`,
  },
];

/** Who may read each head-office folder (a store's handheld reads as `role:ASSOCIATE` and its store). */
const FOLDER_GRANTS: Record<DemoDocument['folder'], readonly string[]> = {
  SOPs: ['role:STORE_MANAGER', 'role:ASSOCIATE'],
  Planograms: ['role:STORE_MANAGER', 'role:ASSOCIATE'],
  'HR forms': ['role:STORE_MANAGER'],
};

export interface DemoVault {
  readonly summary: string;
}

export async function seedDemoVault(o: {
  api: Api;
  hubUrl: string;
  admin: { readonly email: string; readonly password: string };
  stores: readonly (DemoStore & { readonly storeId: string })[];
  say: (line: string) => void;
  /** How the hub is called (trusting the demo's CA on https); node's own fetch by default. */
  hubFetch?: HubFetch;
}): Promise<DemoVault> {
  const hubFetch = o.hubFetch ?? ((url: string, init?: RequestInit) => fetch(url, init));
  const { api } = o;
  const { attempt, refused } = attempts();
  o.say('filing the demo documents…');
  const childrenOf = async (folderId: string): Promise<Node[]> => {
    const all: Node[] = [];
    let after: string | null = null;
    for (let page = 0; page < 100; page++) {
      const q: string = after ? `&after=${encodeURIComponent(after)}` : '';
      const r: { items: Node[]; next: string | null } = await api(
        'GET',
        `/api/vault/folders/${folderId}/children?limit=200${q}`,
      );
      all.push(...r.items);
      if (!r.next) break;
      after = r.next;
    }
    return all;
  };
  let foldersMade = 0;
  const folder = async (parentId: string, name: string): Promise<string | undefined> => {
    const found = (await childrenOf(parentId)).find((n) => n.kind === 'FOLDER' && n.name === name);
    if (found) return found.id;
    const made = await attempt(`folder ${name}`, () => api<Node>('POST', '/api/vault/folders', { parentId, name }));
    if (made) foldersMade++;
    return made?.id;
  };
  const share = (nodeId: string, subject: string, permission: string) =>
    attempt(`sharing with ${subject}`, () =>
      api('PUT', `/api/vault/nodes/${nodeId}/grants/${encodeURIComponent(subject)}`, { permission }),
    );

  // uploads stream the file as the body: a session of their own, as the JSON caller sends JSON only
  const login = await hubFetch(`${o.hubUrl}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(o.admin),
  });
  await login.arrayBuffer();
  const session = sessionHeaders(login); // its cookies and CSRF token, as the console's upload sends them
  let documentsMade = 0;
  const upload = async (folderId: string, d: Omit<DemoDocument, 'folder'>) => {
    const q = new URLSearchParams({ name: d.name, tags: d.tags.join(','), offline: String(!!d.offline) });
    const res = await hubFetch(`${o.hubUrl}/api/vault/folders/${folderId}/documents?${q}`, {
      method: 'POST',
      headers: { ...session, 'content-type': d.mediaType },
      body: d.text,
    });
    if (res.status === 409) return; // filed by an earlier start (the name is taken in the folder)
    if (!res.ok) throw new Error(`${res.status} ${(await res.text()).slice(0, 160)}`);
    documentsMade++;
  };

  const headOffice = await folder(VAULT_ROOT_ID, 'Head office');
  if (headOffice) {
    for (const name of ['SOPs', 'Planograms', 'HR forms'] as const) {
      const id = await folder(headOffice, name);
      if (!id) continue;
      for (const subject of FOLDER_GRANTS[name]) await share(id, subject, 'READ');
      const there = new Set((await childrenOf(id)).map((n) => n.name));
      for (const d of DEMO_DOCUMENTS.filter((x) => x.folder === name && !there.has(x.name)))
        await attempt(`document ${d.name}`, () => upload(id, d));
    }
  }
  const storesFolder = await folder(VAULT_ROOT_ID, 'Stores');
  if (storesFolder) {
    for (const s of o.stores) {
      const id = await folder(storesFolder, `${s.code} ${s.name}`);
      if (!id) continue;
      await share(id, `store:${s.storeId}`, 'WRITE');
      const notes = 'Store notes.md';
      if (!(await childrenOf(id)).some((n) => n.name === notes))
        await attempt(`document ${notes} of ${s.code}`, () =>
          upload(id, {
            name: notes,
            mediaType: 'text/markdown',
            tags: ['store'],
            text: `# ${s.name} — store notes\n\n- Deliveries arrive Tuesday and Friday, 6:00 to 8:00, at the back door.\n- Key holders: the store manager and the two shift leads.\n- Local time zone: ${s.timezone}.\n`,
          }),
        );
    }
  }
  const summary = `${DEMO_DOCUMENTS.length} head-office documents in SOPs, Planograms and HR forms (the opening checklist kept offline on every handheld), a folder per store shared with it${
    foldersMade || documentsMade ? ` (made now: ${foldersMade} folders, ${documentsMade} documents)` : ''
  }`;
  return { summary: refused.length ? `${summary}; refused: ${refused.join('; ')}` : summary };
}
