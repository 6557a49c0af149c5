// The folder picker for "Move": a modal dialog that browses folders from the root (breadcrumbs and the folders inside
// the one shown) and answers the folder chosen, or null on Cancel or Escape. The hub checks the move (DELETE on the
// node, WRITE on the new parent, never under itself).
import { h, say } from '/console/lib.js';
import { enc, ROOT_ID } from './vault-words.js';

/** Lets the person pick a new folder for `node`; resolves `{ id, name }` or null. */
export function pickFolder(api, node) {
  return new Promise((resolve) => {
    const back = document.activeElement;
    const crumbs = h('nav', { 'aria-label': 'Folder path in the picker', class: 'vt-crumbs' });
    const list = h('ul', { class: 'vt-folders', 'aria-label': 'Folders inside' });
    const message = h('div', { 'aria-live': 'polite' });
    const here = h('button', { type: 'button' }, 'Move here');
    const cancel = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
    const dialog = h(
      'dialog',
      { class: 'confirm vt-picker-dialog', 'aria-labelledby': 'vault-move-title' },
      h('h2', { id: 'vault-move-title' }, `Move ${node.name} to…`),
      crumbs,
      list,
      message,
      h('div', { class: 'actions' }, cancel, here),
    );
    let current = { id: ROOT_ID, name: 'Documents' };
    const show = async (folderId) => {
      try {
        const f = await api('GET', `/api/vault/nodes/${enc(folderId)}`);
        const folders = [];
        let after = null;
        // every folder inside, page by page (bounded: a picker lists at most 2,000)
        for (let i = 0; i < 10; i++) {
          const q = new URLSearchParams({ limit: '200' });
          if (after) q.set('after', after);
          const page = await api('GET', `/api/vault/folders/${enc(folderId)}/children?${q}`);
          folders.push(...page.items.filter((n) => n.kind === 'FOLDER' && n.id !== node.id));
          after = page.next;
          if (!after || page.items.at(-1)?.kind !== 'FOLDER') break;
        }
        current = { id: f.id, name: f.id === ROOT_ID ? 'Documents' : f.name };
        const path = [...(f.path ?? []), { id: f.id, name: f.name }];
        crumbs.replaceChildren(
          ...path.map((p, i) =>
            i === path.length - 1
              ? h('span', { 'aria-current': 'location' }, p.id === ROOT_ID ? 'Documents' : p.name)
              : h(
                  'button',
                  { type: 'button', class: 'link', onclick: () => show(p.id) },
                  p.id === ROOT_ID ? 'Documents' : p.name,
                ),
          ),
        );
        list.replaceChildren(
          ...(folders.length
            ? folders.map((c) =>
                h('li', {}, h('button', { type: 'button', class: 'secondary', onclick: () => show(c.id) }, c.name)),
              )
            : [h('li', { class: 'hint' }, 'No folders inside.')]),
        );
        here.textContent = `Move here (${current.name})`;
        say(message);
      } catch (err) {
        say(message, err);
      }
    };
    const done = (answer) => {
      dialog.close();
      dialog.remove();
      if (back instanceof HTMLElement && back.isConnected) back.focus();
      resolve(answer);
    };
    cancel.addEventListener('click', () => done(null));
    here.addEventListener('click', () => done(current));
    dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      done(null);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();
    show(node.parentId ?? ROOT_ID);
  });
}
