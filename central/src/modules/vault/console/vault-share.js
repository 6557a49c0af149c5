// Who may use a node (its grants: given on it, and inherited from the folders above) and "share": a subject picker — a
// person by email, a store, a role, everyone, a vault group — a permission, and revoke buttons. Shown only to callers
// with SHARE or more; the hub decides every change (a SHARE holder gives up to SHARE, an OWNER gives OWNER too).
import { h, say, table, when } from '/console/lib.js';
import { enc, LEVELS, ROOT_ID, levelWords, may, rank, subjectWords } from './vault-words.js';

const ROLES = [
  ['role:STORE_MANAGER', 'Store managers'],
  ['role:ASSOCIATE', 'Store associates'],
  ['role:ADMIN', 'Head office admins'],
];

/** The grants section for `node` in the panel; `state.names` resolves subjects, `state.people` lists who to pick. */
export async function renderShare(state, node) {
  const { api } = state;
  const message = h('div', { 'aria-live': 'polite' });
  const listArea = h('div');
  const section = h(
    'section',
    { class: 'vt-share', 'aria-labelledby': 'vault-share-title' },
    h('h3', { id: 'vault-share-title' }, 'Who has access'),
    listArea,
  );
  if (!may(node, 'SHARE')) return section;

  const reload = async () => {
    const { items } = await api('GET', `/api/vault/nodes/${enc(node.id)}/grants`);
    listArea.replaceChildren(
      table(`Access to ${node.name}`, ['Who', 'May', 'From', 'Given', 'Change'], items, (g) => [
        subjectWords(g.subject, state.names),
        levelWords(g.permission),
        g.inherited ? `folder ${g.nodeId === ROOT_ID ? 'Documents (the top)' : g.nodeName}` : 'given here',
        [when(g.grantedAt), ' ', h('span', { class: 'hint' }, subjectWords(g.grantedBy, state.names))],
        g.inherited
          ? h('span', { class: 'hint' }, 'change it on that folder')
          : h(
              'button',
              { type: 'button', class: 'secondary', onclick: () => revoke(g) },
              `Revoke ${subjectWords(g.subject, state.names)}`,
            ),
      ]),
    );
  };
  const revoke = async (g) => {
    try {
      await api('DELETE', `/api/vault/nodes/${enc(node.id)}/grants/${enc(g.subject)}`);
      say(message, null, `${subjectWords(g.subject, state.names)} no longer has access given here.`);
      await reload();
    } catch (err) {
      say(message, err);
    }
  };

  // the subject picker: a kind, then the one control that kind needs
  const admin = state.me?.role === 'ADMIN';
  const kinds = [
    ['user', 'A person'],
    ...(admin ? [['store', 'A store (everyone there)']] : []),
    ['role', 'A role'],
    ['everyone', 'Everyone signed in'],
    ...(admin ? [['group', 'A group']] : []),
  ];
  const kind = h(
    'select',
    { id: 'vault-share-kind' },
    kinds.map(([v, t]) => h('option', { value: v }, t)),
  );
  const email = h('input', {
    id: 'vault-share-email',
    type: 'email',
    list: 'vault-share-people',
    autocomplete: 'off',
  });
  const people = h(
    'datalist',
    { id: 'vault-share-people' },
    [...state.names.users.values()].map((u) => h('option', { value: u.email }, u.name)),
  );
  const store = h(
    'select',
    { id: 'vault-share-store' },
    [...state.names.stores.values()].map((s) => h('option', { value: s.id }, `${s.code} — ${s.name}`)),
  );
  const role = h(
    'select',
    { id: 'vault-share-role' },
    ROLES.map(([v, t]) => h('option', { value: v }, t)),
  );
  const group = h(
    'select',
    { id: 'vault-share-group' },
    [...state.names.groups.values()].map((g) => h('option', { value: g.id }, g.name)),
  );
  const field = (id, label, input) => h('div', { class: 'vt-field' }, h('label', { for: id }, label), input);
  const pickers = {
    user: field('vault-share-email', 'Their email', [email, people]),
    store: field('vault-share-store', 'Store', store),
    role: field('vault-share-role', 'Role', role),
    everyone: h('p', { class: 'hint' }, 'Everyone who can sign in: head office, managers, associates and stores.'),
    group: field('vault-share-group', 'Group', group),
  };
  const pickerArea = h('div', { class: 'vt-picker' });
  const showPicker = () => pickerArea.replaceChildren(pickers[kind.value]);
  kind.addEventListener('change', showPicker);
  showPicker();
  // a SHARE holder gives up to SHARE; only an OWNER gives OWNER
  const permission = h(
    'select',
    { id: 'vault-share-permission' },
    LEVELS.filter((l) => rank(l) <= Math.min(rank(node.level), rank('OWNER'))).map((l) =>
      h('option', { value: l }, `${levelWords(l)} (${l})`),
    ),
  );
  const subjectOf = () => {
    switch (kind.value) {
      case 'user': {
        const typed = email.value.trim().toLowerCase();
        const u = [...state.names.users.values()].find((x) => x.email.toLowerCase() === typed);
        if (!u)
          throw new Error(
            typed ? `No person you can share with has the email ${typed}.` : 'Type the email of the person.',
          );
        return `user:${u.id}`;
      }
      case 'store':
        if (!store.value) throw new Error('There is no store to pick.');
        return `store:${store.value}`;
      case 'role':
        return role.value;
      case 'group':
        if (!group.value) throw new Error('There is no group yet (head office makes them).');
        return `group:${group.value}`;
      default:
        return 'everyone';
    }
  };
  const form = h(
    'form',
    { class: 'vt-form', 'aria-label': `Share ${node.name}` },
    field('vault-share-kind', 'Share with', kind),
    pickerArea,
    field('vault-share-permission', 'They may', permission),
    h('button', { type: 'submit' }, 'Share'),
  );
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    try {
      const subject = subjectOf();
      await api('PUT', `/api/vault/nodes/${enc(node.id)}/grants/${enc(subject)}`, { permission: permission.value });
      say(message, null, `Shared with ${subjectWords(subject, state.names)}: ${levelWords(permission.value)}.`);
      email.value = '';
      await reload();
    } catch (err) {
      say(message, err);
    }
  });
  section.append(form, message);
  try {
    await reload();
  } catch (err) {
    say(message, err);
  }
  return section;
}
