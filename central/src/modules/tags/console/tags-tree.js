// The tag tree (`#/tags`, first section): every live tag under its parent with its product count, opened and closed
// with disclosure buttons; a form to add a root or child tag; the chosen tag's rename, move and delete.
import { confirmDialog, h, say } from '/console/lib.js';
import { count, KIND_WORDS, KINDS, newKey, plural } from './tags-words.js';

/** Options for a parent picker: "— none: a root tag —" then every tag by path, leaving out `except`'s subtree. */
function parentOptions(tags, selected, except) {
  return [
    h('option', { value: '', selected: selected == null }, '— none: a root tag —'),
    ...tags
      .filter((t) => !except || (t.id !== except.id && !t.path.startsWith(`${except.path}.`)))
      .map((t) => h('option', { value: String(t.id), selected: t.id === selected }, `${t.path} — ${t.name}`)),
  ];
}
const kindSelect = (id, kind = 'CATEGORY') =>
  h(
    'select',
    { id },
    KINDS.map((k) => h('option', { value: k, selected: k === kind }, KIND_WORDS[k])),
  );
const field = (id, label, control, hint) =>
  h(
    'div',
    { class: 'tg-field' },
    h('label', { for: id }, label),
    control,
    hint ? h('span', { class: 'hint', id: `${id}-hint` }, hint) : '',
  );

export function renderTree(state) {
  const { api } = state;
  const section = h('section', { class: 'card', 'aria-labelledby': 'tg-tree-title' });
  const message = h('div', { class: 'tg-message' });
  const treeArea = h('div', { class: 'tg-tree-area' });
  const chosenArea = h('div', { class: 'tg-chosen' });
  /** Ids of the tags shown open; roots open at first. */
  const open = new Set();
  let firstDraw = true;
  let chosen = null;

  const slug = h('input', {
    id: 'tg-new-slug',
    required: true,
    pattern: '[a-z0-9_\\-]{1,64}',
    autocomplete: 'off',
    'aria-describedby': 'tg-new-slug-hint',
  });
  const name = h('input', { id: 'tg-new-name', required: true, maxlength: 200, autocomplete: 'off' });
  const kind = kindSelect('tg-new-kind');
  const parent = h('select', { id: 'tg-new-parent' });
  const createForm = h(
    'form',
    { class: 'tg-form', 'aria-labelledby': 'tg-new-title' },
    h('h3', { id: 'tg-new-title' }, 'New tag'),
    field('tg-new-slug', 'Slug', slug, 'lowercase letters, digits, - and _; searched as tag:slug'),
    field('tg-new-name', 'Name', name),
    field('tg-new-kind', 'Kind', kind),
    field('tg-new-parent', 'Parent', parent),
    h('button', { type: 'submit', class: 'submit' }, 'Add the tag'),
  );
  createForm.addEventListener('submit', async (e) => {
    e.preventDefault();
    const parentId = parent.value ? Number(parent.value) : null;
    try {
      const made = await api(
        'POST',
        '/api/tags',
        { slug: slug.value.trim(), name: name.value.trim(), kind: kind.value, parentId },
        { 'Idempotency-Key': newKey() },
      );
      state.revealPath(made.path);
      slug.value = '';
      name.value = '';
      await state.reloadTags();
      say(
        message,
        null,
        `“${made.name}” is added ${made.parentId ? `under ${made.path.replace(/\.[^.]*$/, '')}` : 'as a root tag'}.`,
      );
    } catch (err) {
      say(message, err);
    }
  });

  /** The chosen tag's own forms: rename (slug, name, kind), move (new parent), delete. */
  function drawChosen() {
    const t = chosen && state.byId.get(chosen);
    if (!t) return chosenArea.replaceChildren();
    const rSlug = h('input', { id: 'tg-ed-slug', value: t.slug, required: true, autocomplete: 'off' });
    const rName = h('input', { id: 'tg-ed-name', value: t.name, required: true, autocomplete: 'off' });
    const rKind = kindSelect('tg-ed-kind', t.kind);
    const rename = h(
      'form',
      { class: 'tg-form', 'aria-label': `Rename ${t.name}` },
      field('tg-ed-slug', 'Slug', rSlug),
      field('tg-ed-name', 'Name', rName),
      field('tg-ed-kind', 'Kind', rKind),
      h('button', { type: 'submit', class: 'submit' }, 'Save the name'),
    );
    rename.addEventListener('submit', (e) => {
      e.preventDefault();
      const patch = {};
      if (rSlug.value.trim() !== t.slug) patch.slug = rSlug.value.trim();
      if (rName.value.trim() !== t.name) patch.name = rName.value.trim();
      if (rKind.value !== t.kind) patch.kind = rKind.value;
      if (!Object.keys(patch).length)
        return say(message, null, 'Nothing to save: the name, slug and kind are as they were.');
      change(t, patch, (u) => `“${u.name}” is saved (${u.path}).`);
    });
    const mParent = h('select', { id: 'tg-ed-parent' }, parentOptions(state.tags, t.parentId, t));
    const move = h(
      'form',
      { class: 'tg-form', 'aria-label': `Move ${t.name}` },
      field('tg-ed-parent', 'New parent', mParent),
      h('button', { type: 'submit', class: 'submit' }, 'Move it and what is under it'),
    );
    move.addEventListener('submit', (e) => {
      e.preventDefault();
      const parentId = mParent.value ? Number(mParent.value) : null;
      if (parentId === t.parentId) return say(message, null, `${t.name} is already there.`);
      if (parentId) open.add(parentId);
      for (const a of state.tags) if (a.id === parentId) state.revealPath(a.path);
      change(t, { parentId }, (u) => `“${u.name}” is moved: it is now ${u.path}.`);
    });
    const del = h('button', { type: 'button', class: 'danger' }, `Delete ${t.name}…`);
    del.addEventListener('click', async () => {
      const ok = await confirmDialog({
        title: `Delete ${t.name}?`,
        body: [
          h('p', {}, `The tag ${t.path} goes from the tree and from searches. `),
          h(
            'p',
            {},
            'A tag with tags under it, or on products, cannot be deleted: move or delete those first, or remove it from its products with a bulk job.',
          ),
        ],
        confirm: 'Delete the tag',
      });
      if (!ok) return;
      try {
        await api('DELETE', `/api/tags/${t.id}`, undefined, { 'Idempotency-Key': newKey() });
        chosen = null;
        await state.reloadTags();
        say(message, null, `“${t.name}” is deleted.`);
      } catch (err) {
        say(message, err);
      }
    });
    const addChild = h('button', { type: 'button', class: 'secondary' }, `Add a tag under ${t.name}`);
    addChild.addEventListener('click', () => {
      parent.value = String(t.id);
      slug.focus();
    });
    chosenArea.replaceChildren(
      h('h3', { id: 'tg-ed-title', tabindex: -1 }, `${t.name} `, h('span', { class: 'sku' }, t.path)),
      h('p', { class: 'muted' }, `${KIND_WORDS[t.kind] ?? t.kind}; ${productWords(t)}`),
      rename,
      move,
      h('div', { class: 'actions' }, addChild, del),
    );
  }

  async function change(t, patch, words) {
    try {
      const u = await api('PATCH', `/api/tags/${t.id}`, patch, { 'Idempotency-Key': newKey() });
      await state.reloadTags();
      say(message, null, words(u));
    } catch (err) {
      say(message, err);
    }
  }

  function item(t, kids) {
    const children = kids.get(t.id) ?? [];
    const isOpen = open.has(t.id);
    const toggle = children.length
      ? h(
          'button',
          {
            type: 'button',
            class: 'tg-toggle secondary',
            'aria-expanded': String(isOpen),
            'aria-label': `${isOpen ? 'Close' : 'Open'} ${t.name}`,
            onclick: () => {
              if (open.has(t.id)) open.delete(t.id);
              else open.add(t.id);
              draw();
              treeArea.querySelector(`[data-toggle="${t.id}"]`)?.focus();
            },
            'data-toggle': t.id,
          },
          isOpen ? '−' : '+',
        )
      : h('span', { class: 'tg-leaf', 'aria-hidden': 'true' });
    const pick = h(
      'button',
      {
        type: 'button',
        class: `tg-pick${chosen === t.id ? ' chosen' : ''}`,
        'aria-pressed': String(chosen === t.id),
        'data-pick': t.id,
        onclick: () => {
          chosen = t.id;
          draw();
          chosenArea.querySelector('#tg-ed-title')?.focus();
        },
      },
      t.name,
    );
    return h(
      'li',
      { 'data-path': t.path },
      h(
        'div',
        { class: 'tg-row' },
        toggle,
        pick,
        h('span', { class: 'sku' }, t.slug),
        h('span', { class: 'tg-count num', title: 'products with this tag or one under it' }, productWords(t)),
      ),
      children.length && isOpen
        ? h(
            'ul',
            { class: 'tg-tree' },
            children.map((c) => item(c, kids)),
          )
        : '',
    );
  }

  function draw() {
    const kids = new Map();
    for (const t of state.tags) {
      const list = kids.get(t.parentId ?? 0) ?? [];
      list.push(t);
      kids.set(t.parentId ?? 0, list);
    }
    if (firstDraw && state.tags.length) {
      for (const t of kids.get(0) ?? []) open.add(t.id);
      firstDraw = false;
    }
    const roots = kids.get(0) ?? [];
    const keep = parent.value;
    parent.replaceChildren(...parentOptions(state.tags, keep ? Number(keep) : null));
    treeArea.replaceChildren(
      h(
        'p',
        { class: 'muted' },
        `${plural(state.tags.length, 'tag')}; the count beside each is its products with those of the tags under it.`,
      ),
      h(
        'div',
        { class: 'actions' },
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onclick: () => {
              for (const t of state.tags) open.add(t.id);
              draw();
            },
          },
          'Open all',
        ),
        h(
          'button',
          {
            type: 'button',
            class: 'secondary',
            onclick: () => {
              open.clear();
              draw();
            },
          },
          'Close all',
        ),
      ),
      roots.length
        ? h(
            'ul',
            { class: 'tg-tree', 'aria-label': 'Tag tree' },
            roots.map((t) => item(t, kids)),
          )
        : h('p', { class: 'muted' }, 'No tags yet: add the first with the form.'),
    );
    drawChosen();
  }

  /** Opens every ancestor of the tag at `path`, so it shows. */
  state.revealPath = (path) => {
    for (const t of state.tags) if (path.startsWith(`${t.path}.`)) open.add(t.id);
  };
  state.onTags.push(draw);

  section.append(
    h('h2', { id: 'tg-tree-title' }, 'Tag tree'),
    message,
    h('div', { class: 'tg-tree-layout' }, h('div', {}, treeArea), h('div', {}, chosenArea, createForm)),
  );
  draw();
  return section;
}

function productWords(t) {
  if (typeof t.products !== 'number') return 'products: counting…';
  const own =
    typeof t.ownProducts === 'number' && t.ownProducts !== t.products ? ` (${count(t.ownProducts)} its own)` : '';
  return `${plural(t.products, 'product')}${own}`;
}
