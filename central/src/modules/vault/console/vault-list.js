// The Documents page's lists: a folder's children, search results and the trash, each paged ("Show more") and read
// only through the API, which returns what the caller may read. One row per node: kind, name, size, type, updated,
// the caller's level, a thumbnail for images and the scan state when it is not clean.
import { h, say, table, when } from '/console/lib.js';
import { bytes, enc, levelWords, scanBadge, subjectWords, typeWords } from './vault-words.js';

/** The name cell: a folder opens, a document opens the panel; a thumbnail for images (none when the hub has none). */
function nameCell(state, node) {
  const icon = h('span', { class: `vt-icon ${node.kind === 'FOLDER' ? 'folder' : 'doc'}`, 'aria-hidden': 'true' });
  const open = h(
    'button',
    {
      type: 'button',
      class: 'link vt-name',
      onclick: () => (node.kind === 'FOLDER' ? state.openFolder(node.id) : state.openPanel(node.id)),
    },
    icon,
    node.name,
  );
  const thumb =
    node.kind === 'DOCUMENT' && String(node.mediaType ?? '').startsWith('image/')
      ? h('img', {
          class: 'vt-thumb',
          alt: '',
          loading: 'lazy',
          src: `/api/vault/documents/${enc(node.id)}/thumbnail`,
          onerror: (e) => e.target.remove(),
        })
      : '';
  return h('div', { class: 'vt-name-cell' }, thumb, open);
}

/** A node's scan state when the node answer carries it (the documents lane's `scanState`), else nothing. */
const scanOf = (node) => scanBadge(node.scanState ?? node.scan?.state, node.scanDetail ?? node.scan?.detail);

/**
 * A paged list: `load(after)` answers `{ items, next }`; `columns` and `row(item)` make the table. Returns `{ el,
 * reload }`: the table with every page loaded so far and a "Show more" button while there are more.
 */
export function pagedList({ caption, columns, row, load }) {
  const el = h('div', { class: 'vt-list' });
  const message = h('div', { 'aria-live': 'polite' });
  let items = [];
  let next = null;
  const draw = () => {
    el.replaceChildren(
      table(caption, columns, items, row),
      next
        ? h(
            'button',
            {
              type: 'button',
              class: 'secondary vt-more',
              onclick: async () => {
                try {
                  const page = await load(next);
                  items = [...items, ...page.items];
                  next = page.next;
                  draw();
                  say(message, null, `${items.length} shown.`);
                } catch (err) {
                  say(message, err);
                }
              },
            },
            'Show more',
          )
        : '',
      message,
    );
  };
  return {
    el,
    async reload() {
      try {
        const page = await load(null);
        items = page.items;
        next = page.next;
        draw();
      } catch (err) {
        items = [];
        next = null;
        draw();
        say(message, err);
      }
    },
  };
}

/** The columns and row of a folder's children and of search results. */
export function nodeRows(state) {
  return {
    columns: ['Name', 'Size', 'Type', 'Updated', 'You may', 'State'],
    row: (n) => [
      nameCell(state, n),
      h('span', { class: 'num' }, n.kind === 'FOLDER' ? '—' : bytes(n.size)),
      typeWords(n),
      when(n.updatedAt),
      levelWords(n.level),
      [
        scanOf(n),
        n.offline ? h('span', { class: 'badge ok' }, 'offline at stores') : '',
        n.kind === 'FOLDER'
          ? h(
              'button',
              { type: 'button', class: 'secondary', onclick: () => state.openPanel(n.id) },
              `Details of ${n.name}`,
            )
          : '',
      ],
    ],
  };
}

/** The trash's rows: what was deleted, by whom, when it goes for good, restore and delete now. */
export function trashRows(state, onRestore, onPurge) {
  return {
    columns: ['Name', 'Type', 'Deleted by', 'Deleted', 'Gone for good', 'Actions'],
    row: (n) => [
      h(
        'span',
        {},
        h('span', { class: `vt-icon ${n.kind === 'FOLDER' ? 'folder' : 'doc'}`, 'aria-hidden': 'true' }),
        n.name,
      ),
      typeWords(n),
      subjectWords(n.trashedBy, state.names),
      when(n.trashedAt),
      when(n.purgeAt),
      h(
        'div',
        { class: 'actions' },
        h('button', { type: 'button', onclick: () => onRestore(n) }, `Restore ${n.name}`),
        !n.level || n.level === 'OWNER'
          ? h('button', { type: 'button', class: 'danger', onclick: () => onPurge(n) }, `Delete ${n.name} now`)
          : '',
      ),
    ],
  };
}
