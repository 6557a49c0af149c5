// The document vault's audit page (`#/vault-audit`, issue #22, head office only): the trail newest first, each line
// said as a person reads it (who by name, what, which document by name, when in local time, from where), filtered by
// document, person and action and paged back ("Older lines"); "Verify the chain" with its verdict; and the master keys
// (which is current, how many versions each protects, what still waits to be re-wrapped, "Rotate master key").
import { confirmDialog, h, idTail, say, storeLabel, table } from '/console/lib.js';

const HREF = '/console/modules/vault/vault-audit.css';
const PAGE = 50;

/** Each action as a sentence's verb. */
const ACTION_WORDS = {
  VIEW: 'opened',
  DOWNLOAD: 'downloaded',
  UPLOAD: 'uploaded',
  CREATE_FOLDER: 'created the folder',
  RENAME: 'renamed',
  MOVE: 'moved',
  TAG: 'changed tags or offline of',
  DELETE: 'moved to the trash',
  RESTORE: 'restored from the trash',
  PURGE: 'emptied from the trash for good',
  RESTORE_VERSION: 'restored an old version of',
  SHARE: 'shared',
  REVOKE: 'revoked a share of',
  GROUP_CHANGE: 'changed a group',
  QUARANTINE: 'quarantined (a virus was found in)',
  KEY_ROTATE: 'rotated the master key',
  REWRAP: 're-wrapped data keys',
  AUDIT_VERIFY: 'verified the audit chain',
};
const ACTIONS = Object.keys(ACTION_WORDS);
const actionLabel = (a) => {
  const w = ACTION_WORDS[a] ?? a;
  return w.charAt(0).toUpperCase() + w.slice(1);
};

/** A moment in the viewer's zone, to the second: "Sun, Nov 29, 2026, 9:30:05 AM". */
const moment = (ms) =>
  h(
    'time',
    { datetime: new Date(ms).toISOString() },
    new Date(ms).toLocaleString(undefined, {
      weekday: 'short',
      day: 'numeric',
      month: 'short',
      year: 'numeric',
      hour: 'numeric',
      minute: '2-digit',
      second: '2-digit',
    }),
  );

/** A detail value in a few words; a person or a store it names (a share's subject) by name. */
const brief = (v, who) => {
  if (typeof v === 'string' && /^(user|store):/.test(v)) return who(v);
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > 80 ? `${s.slice(0, 79)}…` : s;
};

/** What the line's detail adds, in words where the action has them, else its members. */
function detailText(line, who) {
  const d = line.detail ?? {};
  if (line.action === 'AUDIT_VERIFY' && typeof d.ok === 'boolean')
    return d.ok
      ? `whole, ${Number(d.checked).toLocaleString()} lines checked`
      : `broken at line ${d.firstBroken?.seq ?? '?'}`;
  return Object.entries(d)
    .map(([k, v]) => `${k}: ${brief(v, who)}`)
    .join(' · ');
}

export default {
  async render({ el, api, params }) {
    if (!document.querySelector(`link[href="${HREF}"]`))
      document.head.append(Object.assign(document.createElement('link'), { rel: 'stylesheet', href: HREF }));
    el.classList.add('vault-audit-page');

    // who is who: people by name and e-mail, stores by code and name (the trail keeps ids)
    const people = new Map();
    const stores = new Map();
    await Promise.all([
      api('GET', '/api/users').then(
        (r) => {
          for (const u of r.items ?? []) people.set(u.id, u);
        },
        () => {},
      ),
      api('GET', '/api/sync/stores').then(
        (r) => {
          for (const s of r.items ?? []) stores.set(s.storeId, s);
        },
        () => {},
      ),
    ]);
    const who = (actor) => {
      if (actor === 'system') return 'The hub (system)';
      const [kind, id] = [actor.slice(0, actor.indexOf(':')), actor.slice(actor.indexOf(':') + 1)];
      if (kind === 'user') {
        const u = people.get(id);
        return u ? `${u.name} (${u.email})` : `Person ${idTail(id)}`;
      }
      if (kind === 'store') {
        const s = stores.get(id);
        return s ? `Store ${storeLabel(s)}` : `Store ${idTail(id)}`;
      }
      return actor;
    };

    const trail = renderTrail({ api, params, who, people, stores });
    const check = renderCheck({ api, onDone: () => trail.load() });
    const keys = renderKeys({ api });
    el.append(
      h(
        'p',
        { class: 'hint' },
        'Every view, download, upload, share, revoke and delete in the document vault, newest first. Each line carries the hash of the line before it, so a line edited or removed afterwards shows when the chain is verified.',
      ),
      check.section,
      trail.section,
      keys.section,
    );
    await Promise.all([trail.load(), keys.load()]);
  },
};

function renderTrail({ api, params, who, people, stores }) {
  const section = h('section', { class: 'card', 'aria-labelledby': 'va-trail-title' });
  const doc = h('input', {
    id: 'va-doc',
    type: 'text',
    value: params.get('document') ?? '',
    placeholder: 'a document or folder id',
    autocomplete: 'off',
    spellcheck: 'false',
  });
  const person = h(
    'select',
    { id: 'va-person' },
    h('option', { value: '' }, 'Anyone'),
    [...people.values()].map((u) => h('option', { value: `user:${u.id}` }, `${u.name} (${u.email})`)),
    [...stores.values()].map((s) => h('option', { value: `store:${s.storeId}` }, `Store ${storeLabel(s)}`)),
    h('option', { value: 'system' }, 'The hub (system)'),
  );
  const action = h(
    'select',
    { id: 'va-action' },
    h('option', { value: '' }, 'Any action'),
    ACTIONS.map((a) => h('option', { value: a }, actionLabel(a))),
  );
  const message = h('div');
  const area = h('div');
  const older = h('button', { type: 'button', class: 'secondary', hidden: true }, 'Older lines');
  let lines = [];
  let next = null;

  const filterQuery = () => {
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (doc.value.trim()) q.set('nodeId', doc.value.trim());
    if (person.value) q.set('actor', person.value);
    if (action.value) q.set('action', action.value);
    return q;
  };
  const showDocument = (id) => {
    doc.value = id;
    load();
    doc.focus();
  };
  const documentCell = (l) => {
    if (!l.nodeId) return '—';
    const label = l.nodeName ?? (typeof l.detail?.name === 'string' ? l.detail.name : `Node ${idTail(l.nodeId)}`);
    return h(
      'button',
      {
        type: 'button',
        class: 'link',
        title: `Only the lines of ${label}`,
        'aria-label': `${label}: only its lines`,
        onclick: () => showDocument(l.nodeId),
      },
      label,
      l.nodeName ? '' : h('span', { class: 'hint' }, ' (no longer in the vault)'),
    );
  };
  const draw = () => {
    area.replaceChildren(
      lines.length
        ? table(
            'The audit trail, newest first',
            ['Line', 'When', 'Who', 'What', 'Document', 'Details', 'From'],
            lines,
            (l) => [
              h('span', { class: 'num' }, `#${l.seq}`),
              moment(l.at),
              who(l.actor),
              actionLabel(l.action),
              documentCell(l),
              detailText(l, who),
              l.origin ?? '—',
            ],
          )
        : h('p', { class: 'va-empty' }, 'No line matches these filters.'),
    );
    for (const [i, tr] of [...area.querySelectorAll('tbody tr')].entries()) tr.dataset.seq = String(lines[i]?.seq);
    older.hidden = next === null;
  };

  /** Bumped by each read: an answer to an older read (filters changed meanwhile) is dropped, not shown. */
  let reading = 0;
  async function load() {
    const mine = ++reading;
    say(message);
    try {
      const page = await api('GET', `/api/vault/audit?${filterQuery()}`);
      if (mine !== reading) return;
      lines = page.items;
      next = page.next;
      draw();
    } catch (err) {
      if (mine === reading) say(message, err);
    }
  }
  older.addEventListener('click', async () => {
    const q = filterQuery();
    q.set('before', String(next));
    const mine = reading;
    try {
      const page = await api('GET', `/api/vault/audit?${q}`);
      if (mine !== reading) return;
      const first = lines.length;
      lines = [...lines, ...page.items];
      next = page.next;
      draw();
      say(message, null, `${page.items.length} older lines shown.`);
      // the keyboard continues where the new lines begin
      area.querySelectorAll('tbody tr')[first]?.querySelector('button')?.focus();
    } catch (err) {
      say(message, err);
    }
  });

  const form = h(
    'form',
    {
      class: 'filters',
      onsubmit: (e) => {
        e.preventDefault();
        load();
      },
    },
    h('div', {}, h('label', { for: 'va-doc' }, 'Document'), doc),
    h('div', {}, h('label', { for: 'va-person' }, 'Person'), person),
    h('div', {}, h('label', { for: 'va-action' }, 'Action'), action),
    h('div', {}, h('button', { type: 'submit' }, 'Show')),
  );
  person.addEventListener('change', () => load());
  action.addEventListener('change', () => load());
  section.append(h('h2', { id: 'va-trail-title' }, 'Audit trail'), form, message, area, older);
  return { section, load };
}

function renderCheck({ api, onDone }) {
  const section = h('section', { class: 'card', 'aria-labelledby': 'va-check-title' });
  const verdict = h('div');
  const button = h('button', { type: 'button' }, 'Verify the chain');
  button.addEventListener('click', async () => {
    button.disabled = true;
    say(verdict, null, 'Checking every line…');
    try {
      const v = await api('POST', '/api/vault/audit/verify', {});
      if (v.ok)
        say(
          verdict,
          null,
          `The chain is whole: ${v.checked.toLocaleString()} lines checked, each linked to the one before.`,
        );
      else
        say(
          verdict,
          new Error(
            `The chain is broken at line ${v.firstBroken.seq}: ${v.firstBroken.reason}. The ${v.checked.toLocaleString()} lines before it are whole.`,
          ),
        );
      await onDone();
    } catch (err) {
      say(verdict, err);
    } finally {
      button.disabled = false;
    }
  });
  section.append(
    h('h2', { id: 'va-check-title' }, 'Chain check'),
    h(
      'p',
      { class: 'hint' },
      'Recomputes the hash of every line from the first. The check itself is added to the trail with what it found.',
    ),
    button,
    verdict,
  );
  return { section };
}

function renderKeys({ api }) {
  const section = h('section', { class: 'card', 'aria-labelledby': 'va-keys-title' });
  const area = h('div');
  const message = h('div');
  const rotate = h('button', { type: 'button', class: 'danger', hidden: true }, 'Rotate master key…');

  async function load() {
    let k;
    try {
      k = await api('GET', '/api/vault/keys');
    } catch (err) {
      rotate.hidden = true;
      area.replaceChildren(
        h(
          'p',
          { class: 'va-empty' },
          err.status === 404 || err.status === 503
            ? 'Master keys are unavailable on this hub right now.'
            : `Master keys cannot be shown: ${err.message}`,
        ),
      );
      return;
    }
    rotate.hidden = false;
    area.replaceChildren(
      h(
        'dl',
        { class: 'facts' },
        h('dt', {}, 'Current key'),
        h('dd', {}, h('code', {}, k.current ?? '—')),
        h('dt', {}, 'Waiting to be re-wrapped'),
        h(
          'dd',
          {},
          k.pendingRewrap
            ? `${Number(k.pendingRewrap).toLocaleString()} versions still under an older key`
            : 'none — every version is under the current key',
        ),
      ),
      table('Master keys, with the versions each protects', ['Key', 'Made', 'Versions'], k.keys ?? [], (key) => [
        h('span', {}, h('code', {}, key.id), key.id === k.current ? h('span', { class: 'hint' }, ' (current)') : ''),
        key.createdAt ? moment(key.createdAt) : '—',
        h('span', { class: 'num' }, Number(key.versions ?? 0).toLocaleString()),
      ]),
    );
  }
  rotate.addEventListener('click', async () => {
    const yes = await confirmDialog({
      title: 'Rotate the master key?',
      body: [
        h('p', {}, 'A new master key becomes current: new versions are sealed under it at once.'),
        h(
          'p',
          {},
          'Versions under the old keys stay readable and are re-wrapped under the new key in the background. The old keys are kept until then.',
        ),
      ],
      confirm: 'Rotate master key',
    });
    if (!yes) return;
    rotate.disabled = true;
    try {
      const r = await api('POST', '/api/vault/keys/rotate', {}, { 'Idempotency-Key': crypto.randomUUID() });
      say(
        message,
        null,
        `Master key ${r.current} is current; ${Number(r.pendingRewrap ?? 0).toLocaleString()} versions are being re-wrapped in the background.`,
      );
      await load();
    } catch (err) {
      say(message, err);
    } finally {
      rotate.disabled = false;
    }
  });
  section.append(h('h2', { id: 'va-keys-title' }, 'Master keys'), area, rotate, message);
  return { section, load };
}
