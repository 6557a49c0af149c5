// The Documents console page (`#/vault`, issue #22; head office and store managers): a folder's contents with
// breadcrumbs, uploads with progress, new folders, a side panel per folder or document (edits, versions, access),
// search, and the trash. The page assumes no role: what it lists and offers is what the vault lets the caller do (a
// store manager sees what their grants open, and shares with their own store's people only).
import { confirmDialog, h, say } from '/console/lib.js';
import { nodeRows, pagedList, trashRows } from './vault-list.js';
import { openPanel } from './vault-panel.js';
import { renderUploads } from './vault-upload.js';
import { enc, idempotencyKey, may, ROOT_ID, TRASH_DAYS } from './vault-words.js';

const HREF = '/console/modules/vault/vault.css';

/** Who subjects are, as far as this caller may read: people, stores and groups (each read once per page load). */
async function loadNames(api, me) {
  const names = { users: new Map(), stores: new Map(), groups: new Map(), me };
  const quiet = (p) => p.catch(() => ({ items: [] }));
  const admin = me?.role === 'ADMIN';
  const [users, stores, groups] = await Promise.all([
    quiet(api('GET', '/api/users')),
    admin ? quiet(api('GET', '/api/locations?kind=STORE&limit=1000')) : { items: [] },
    admin ? quiet(api('GET', '/api/vault/groups')) : { items: [] },
  ]);
  for (const u of users.items ?? []) names.users.set(u.id, u);
  for (const s of stores.items ?? []) names.stores.set(s.id, s);
  if (!admin && me?.storeId && me.store) names.stores.set(me.storeId, { id: me.storeId, ...me.store });
  for (const g of groups.items ?? []) names.groups.set(g.id, g);
  return names;
}

/** A page of `path` with `?after&limit` added. */
const paged = (api, path, params) => (after) => {
  const q = new URLSearchParams(params);
  q.set('limit', '50');
  if (after) q.set('after', after);
  return api('GET', `${path}?${q}`);
};

export default {
  async render({ el, api, me, params }) {
    if (!document.querySelector(`link[href="${HREF}"]`))
      document.head.append(Object.assign(document.createElement('link'), { rel: 'stylesheet', href: HREF }));
    el.classList.add('vault-page');
    const message = h('div', { 'aria-live': 'polite' });
    const panel = h('aside', { class: 'card vt-panel', 'aria-labelledby': 'vault-panel-title', hidden: true });
    const view = h('div', { class: 'vt-view' });
    const state = {
      api,
      me,
      names: await loadNames(api, me),
      folderId: params.get('folder') ?? ROOT_ID,
      openFolder: (id) => showFolder(id, true),
      openPanel: async (id) => {
        await openPanel(state, panel, id);
        panel.querySelector('#vault-panel-title')?.focus();
      },
      onClose: () => {
        panel.hidden = true;
        panel.replaceChildren();
      },
      onChanged: () => current?.reload(),
      onGone: (words) => {
        state.onClose();
        say(message, null, words);
        current?.reload();
      },
      onUploaded: () => current?.reload(),
    };
    let current;
    const uploads = renderUploads(state);

    // the three views: a folder, search, the trash
    const tabs = h('div', { class: 'vt-tabs', role: 'group', 'aria-label': 'Show' });
    const tab = (name, onclick) =>
      h('button', { type: 'button', class: 'secondary', 'aria-pressed': 'false', onclick }, name);
    const folderTab = tab('Folders', () => showFolder(state.folderId));
    const searchTab = tab('Search', () => showSearch());
    const trashTab = tab('Trash', () => showTrash());
    tabs.append(folderTab, searchTab, trashTab);
    const press = (which) => {
      for (const b of [folderTab, searchTab, trashTab]) b.setAttribute('aria-pressed', String(b === which));
    };
    const remember = (q) => history.replaceState(null, '', `#/vault${q ? `?${new URLSearchParams(q)}` : ''}`);

    async function showFolder(folderId, focus = false) {
      press(folderTab);
      say(message);
      let folder;
      try {
        folder = await api('GET', `/api/vault/nodes/${enc(folderId)}`);
      } catch (err) {
        if (folderId !== ROOT_ID) return showFolder(ROOT_ID);
        // one who may not read the root itself (a store manager) still sees at the top what was shared with them
        if (err.status !== 404) {
          view.replaceChildren();
          uploads.section.hidden = true;
          return say(message, err);
        }
        folder = { id: ROOT_ID, kind: 'FOLDER', name: 'Documents', path: [], level: null };
      }
      state.folderId = folder.id;
      remember(folder.id === ROOT_ID ? null : { folder: folder.id });
      const path = [...(folder.path ?? []), { id: folder.id, name: folder.name }];
      const label = (p) => (p.id === ROOT_ID ? 'Documents' : p.name);
      const crumbs = h(
        'nav',
        { 'aria-label': 'Folder path', class: 'vt-crumbs' },
        h(
          'ol',
          {},
          path.map((p, i) =>
            h(
              'li',
              {},
              i === path.length - 1
                ? h('span', { 'aria-current': 'location' }, label(p))
                : h('button', { type: 'button', class: 'link', onclick: () => showFolder(p.id, true) }, label(p)),
            ),
          ),
        ),
      );
      const rows = nodeRows(state);
      current = pagedList({
        caption: `In ${label(folder)}`,
        ...rows,
        load: paged(api, `/api/vault/folders/${enc(folder.id)}/children`, {}),
      });
      const parts = [crumbs];
      if (may(folder, 'WRITE')) parts.push(newFolderForm(folder));
      parts.push(current.el);
      view.replaceChildren(...parts);
      uploads.setFolder({ name: label(folder) }, may(folder, 'WRITE'));
      await current.reload();
      if (focus) view.querySelector('caption')?.setAttribute('tabindex', '-1');
      if (focus) view.querySelector('caption')?.focus();
    }

    function newFolderForm(folder) {
      const name = h('input', { id: 'vault-new-folder', required: true, maxlength: 255, autocomplete: 'off' });
      const form = h(
        'form',
        { class: 'vt-form vt-inline', 'aria-label': 'New folder' },
        h('div', { class: 'vt-field' }, h('label', { for: 'vault-new-folder' }, 'New folder name'), name),
        h('button', { type: 'submit' }, 'Create folder'),
      );
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        try {
          const f = await api(
            'POST',
            '/api/vault/folders',
            { parentId: folder.id, name: name.value.trim() },
            { 'Idempotency-Key': idempotencyKey() },
          );
          say(message, null, `Folder ${f.name} created.`);
          name.value = '';
          await current.reload();
        } catch (err) {
          say(message, err);
        }
      });
      return form;
    }

    function showSearch() {
      press(searchTab);
      say(message);
      uploads.section.hidden = true;
      remember({ view: 'search' });
      const field = (id, label, input) => h('div', { class: 'vt-field' }, h('label', { for: id }, label), input);
      const q = h('input', { id: 'vault-search-q', type: 'search', autocomplete: 'off' });
      const tag = h('input', { id: 'vault-search-tag', autocomplete: 'off' });
      const owner = h(
        'select',
        { id: 'vault-search-owner' },
        h('option', { value: '' }, 'anyone'),
        [...state.names.users.values()].map((u) => h('option', { value: `user:${u.id}` }, `${u.name} (${u.email})`)),
      );
      const here = h('input', { id: 'vault-search-here', type: 'checkbox' });
      const results = h('div');
      const form = h(
        'form',
        { class: 'vt-form vt-inline', role: 'search', 'aria-label': 'Search documents' },
        field('vault-search-q', 'Words in the name or text', q),
        field('vault-search-tag', 'Tag', tag),
        field('vault-search-owner', 'Owner', owner),
        h('div', { class: 'vt-check' }, here, h('label', { for: 'vault-search-here' }, 'Only in the folder I was in')),
        h('button', { type: 'submit' }, 'Search'),
      );
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        const filters = {};
        if (q.value.trim()) filters.q = q.value.trim();
        if (tag.value.trim()) filters.tag = tag.value.trim();
        if (owner.value) filters.owner = owner.value;
        if (here.checked) filters.folderId = state.folderId;
        if (!Object.keys(filters).length) return say(message, new Error('Type a word, a tag or pick an owner.'));
        say(message);
        current = pagedList({
          caption: `Found for ${Object.values(filters).join(', ')}`,
          ...nodeRows(state),
          load: paged(api, '/api/vault/search', filters),
        });
        results.replaceChildren(current.el);
        await current.reload();
      });
      current = undefined;
      view.replaceChildren(form, results);
      q.focus();
    }

    async function showTrash() {
      press(trashTab);
      say(message);
      uploads.section.hidden = true;
      remember({ view: 'trash' });
      const restore = async (n) => {
        try {
          await api('POST', `/api/vault/trash/${enc(n.id)}/restore`, {}, { 'Idempotency-Key': idempotencyKey() });
          say(message, null, `${n.name} is back where it was.`);
          await current.reload();
        } catch (err) {
          say(message, err);
        }
      };
      const purge = async (n) => {
        const ok = await confirmDialog({
          title: `Delete ${n.name} for good?`,
          body: [h('p', {}, 'It cannot be restored afterwards; its content is erased now.')],
          confirm: 'Delete for good',
        });
        if (!ok) return;
        try {
          await api('DELETE', `/api/vault/trash/${enc(n.id)}`);
          say(message, null, `${n.name} is deleted for good.`);
          await current.reload();
        } catch (err) {
          say(message, err);
        }
      };
      current = pagedList({
        caption: `In the trash (kept ${TRASH_DAYS} days)`,
        ...trashRows(state, restore, purge),
        load: paged(api, '/api/vault/trash', {}),
      });
      view.replaceChildren(current.el);
      await current.reload();
    }

    el.append(
      h(
        'p',
        { class: 'hint' },
        'Documents shared between head office and the stores. You see the folders and documents you have been given access to.',
      ),
      tabs,
      message,
      h('div', { class: 'vt-layout' }, h('div', { class: 'vt-main' }, uploads.section, view), panel),
    );
    const start = params.get('view');
    if (start === 'trash') await showTrash();
    else if (start === 'search') showSearch();
    else await showFolder(state.folderId);
  },
};
