// The side panel of the Documents page for one folder or document: what it is, its edits (rename, tags, "available
// offline at stores", move, delete to the trash), a document's versions (download, "restore this version"), and who
// has access (vault-share.js). Each control shows only where the caller's level allows it; the hub decides anyway.
import { confirmDialog, h, say, table, when } from '/console/lib.js';
import { pickFolder } from './vault-move.js';
import { renderShare } from './vault-share.js';
import {
  bytes,
  enc,
  idempotencyKey,
  levelWords,
  may,
  scanBadge,
  subjectWords,
  TRASH_DAYS,
  typeWords,
} from './vault-words.js';

const contentUrl = (node, versionNo) =>
  `/api/vault/documents/${enc(node.id)}/content${versionNo ? `?version=${versionNo}` : ''}`;

/** The versions of document `node`, newest first, with download and restore. */
async function renderVersions(state, node, message, reopen, live) {
  const { items } = await state.api('GET', `/api/vault/documents/${enc(node.id)}/versions`);
  const restore = async (v) => {
    try {
      const r = await state.api(
        'POST',
        `/api/vault/documents/${enc(node.id)}/versions/${v.versionNo}/restore`,
        {},
        {
          'Idempotency-Key': idempotencyKey(),
        },
      );
      state.onChanged();
      // said in the reopened panel's live region (the one this panel had is replaced by the reopen)
      await reopen();
      say(live(), null, `Version ${v.versionNo} restored as version ${r.version?.versionNo ?? 'new'}.`);
    } catch (err) {
      say(message, err);
    }
  };
  return table(
    `Versions of ${node.name}, newest first`,
    ['Version', 'Added', 'Actions'],
    items,
    // three columns: the panel is narrow, and a version's facts read as one line each
    (v) => [
      h(
        'div',
        {},
        h('strong', {}, `v${v.versionNo}`),
        v.current ? ' ' : '',
        v.current ? h('span', { class: 'badge ok' }, 'current') : '',
        h('div', { class: 'num' }, bytes(v.size)),
        v.restoredFrom ? h('div', { class: 'hint' }, `restored from v${v.restoredFrom}`) : '',
        h('div', {}, scanBadge(v.scanState, v.scanDetail) || h('span', { class: 'hint' }, 'scanned: clean')),
      ),
      h(
        'div',
        {},
        h('div', {}, subjectWords(v.createdBy, state.names)),
        h('div', { class: 'hint' }, when(v.createdAt)),
      ),
      h(
        'div',
        { class: 'actions' },
        v.scanState === 'INFECTED'
          ? ''
          : h(
              'a',
              { href: contentUrl(node, v.versionNo), download: node.name, class: 'vt-button' },
              `Download v${v.versionNo}`,
            ),
        !v.current && may(node, 'WRITE')
          ? h(
              'button',
              { type: 'button', class: 'secondary', onclick: () => restore(v) },
              `Restore version ${v.versionNo}`,
            )
          : '',
      ),
    ],
  );
}

/**
 * Fills `panel` with `nodeId`'s details. `state.onChanged()` is told after each change (the list reloads);
 * `state.onGone()` after a delete (the panel closes).
 */
export async function openPanel(state, panel, nodeId) {
  const { api } = state;
  const message = h('div', { 'aria-live': 'polite' });
  const reopen = () => openPanel(state, panel, nodeId);
  let node;
  try {
    node = await api('GET', `/api/vault/nodes/${enc(nodeId)}`);
  } catch (err) {
    panel.replaceChildren(h('h2', { id: 'vault-panel-title' }, 'Details'), message);
    say(message, err);
    return;
  }
  const isDoc = node.kind === 'DOCUMENT';
  const close = h('button', { type: 'button', class: 'secondary', onclick: () => state.onClose() }, 'Close details');
  const facts = h(
    'dl',
    { class: 'facts' },
    h('dt', {}, 'Type'),
    h('dd', {}, typeWords(node)),
    isDoc ? [h('dt', {}, 'Size'), h('dd', {}, bytes(node.size))] : '',
    h('dt', {}, 'Owner'),
    h('dd', {}, subjectWords(node.owner, state.names)),
    h('dt', {}, 'Updated'),
    h('dd', {}, when(node.updatedAt)),
    h('dt', {}, 'You may'),
    h('dd', {}, levelWords(node.level)),
    node.tags?.length ? [h('dt', {}, 'Tags'), h('dd', {}, node.tags.join(', '))] : '',
    isDoc ? [h('dt', {}, 'Offline at stores'), h('dd', {}, node.offline ? 'yes' : 'no')] : '',
  );
  const parts = [
    h('div', { class: 'vt-panel-head' }, h('h2', { id: 'vault-panel-title', tabindex: -1 }, node.name), close),
    facts,
    message,
  ];
  if (isDoc && node.currentVersionId)
    parts.push(
      h('p', {}, h('a', { href: contentUrl(node), download: node.name, class: 'vt-button' }, `Download ${node.name}`)),
    );

  if (may(node, 'WRITE')) {
    const name = h('input', { id: 'vault-edit-name', value: node.name, required: true, maxlength: 255 });
    const tags = h('input', { id: 'vault-edit-tags', value: (node.tags ?? []).join(', '), autocomplete: 'off' });
    const offline = h('input', { id: 'vault-edit-offline', type: 'checkbox', checked: node.offline });
    const form = h(
      'form',
      { class: 'vt-form', 'aria-label': `Change ${node.name}` },
      h('div', { class: 'vt-field' }, h('label', { for: 'vault-edit-name' }, 'Name'), name),
      h('div', { class: 'vt-field' }, h('label', { for: 'vault-edit-tags' }, 'Tags (comma-separated)'), tags),
      isDoc
        ? h(
            'div',
            { class: 'vt-check' },
            offline,
            h('label', { for: 'vault-edit-offline' }, 'Available offline at stores'),
          )
        : '',
      h('button', { type: 'submit' }, 'Save changes'),
    );
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const change = {};
      if (name.value.trim() !== node.name) change.name = name.value.trim();
      const tagList = tags.value
        .split(',')
        .map((t) => t.trim())
        .filter(Boolean);
      if (tagList.join('\n') !== (node.tags ?? []).join('\n')) change.tags = tagList;
      if (isDoc && offline.checked !== node.offline) change.offline = offline.checked;
      if (!Object.keys(change).length) return say(message, null, 'Nothing to change.');
      try {
        await api('PATCH', `/api/vault/nodes/${enc(node.id)}`, change);
        state.onChanged();
        await reopen();
        say(panel.querySelector('[aria-live]'), null, 'Saved.');
      } catch (err) {
        say(message, err);
      }
    });
    parts.push(form);
  }
  if (may(node, 'DELETE')) {
    const move = async () => {
      const to = await pickFolder(api, node);
      if (!to || to.id === node.parentId) return;
      try {
        await api('PATCH', `/api/vault/nodes/${enc(node.id)}`, { parentId: to.id });
        state.onChanged();
        await reopen();
        say(panel.querySelector('[aria-live]'), null, `Moved to ${to.name}.`);
      } catch (err) {
        say(message, err);
      }
    };
    const remove = async () => {
      const ok = await confirmDialog({
        title: `Delete ${node.name}?`,
        body: [
          h(
            'p',
            {},
            `${isDoc ? 'The document and its versions go' : 'The folder and everything in it go'} to the trash. `,
            `They can be restored from the trash for ${TRASH_DAYS} days, then they are gone for good.`,
          ),
        ],
        confirm: 'Move to the trash',
      });
      if (!ok) return;
      try {
        await api('DELETE', `/api/vault/nodes/${enc(node.id)}`);
        state.onGone(`${node.name} is in the trash for ${TRASH_DAYS} days.`);
      } catch (err) {
        say(message, err);
      }
    };
    parts.push(
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', class: 'secondary', onclick: move }, 'Move…'),
        h('button', { type: 'button', class: 'danger', onclick: remove }, 'Delete…'),
      ),
      h('p', { class: 'hint' }, `Deleted items stay in the trash for ${TRASH_DAYS} days.`),
    );
  }
  if (isDoc) {
    const versions = h(
      'section',
      { 'aria-labelledby': 'vault-versions-title' },
      h('h3', { id: 'vault-versions-title' }, 'Versions'),
    );
    try {
      versions.append(await renderVersions(state, node, message, reopen, () => panel.querySelector('[aria-live]')));
    } catch (err) {
      const area = h('div');
      say(area, err);
      versions.append(area);
    }
    parts.push(versions);
  }
  if (may(node, 'SHARE')) parts.push(await renderShare(state, node));
  panel.replaceChildren(...parts);
  panel.hidden = false;
}
