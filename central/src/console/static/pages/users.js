// Console users: who may sign in, with which role and for which store; an admin adds accounts here. A store manager
// sees this page as "Staff": their own store's associates, read only (accounts are head office's to change).
import { h, say, showError, storeLabel, table, time } from '/console/lib.js';

/** A manager's staff list: the associates of their store, as the hub scopes `GET /api/users` for them. */
async function renderStaff({ el, api, me }) {
  const listArea = h('div', { class: 'card' });
  el.append(
    h(
      'p',
      { class: 'muted' },
      `The associates of ${storeLabel(me.store, me.storeId)}. Head office adds and changes accounts.`,
    ),
    listArea,
  );
  const { items } = await api('GET', '/api/users');
  listArea.replaceChildren(
    table('Staff at your store', ['Name', 'Email', 'Role', 'Since', 'State'], items, (u) => [
      u.name,
      u.email,
      u.role === 'ASSOCIATE' ? 'Associate' : u.role,
      time(u.createdAt),
      h('span', { class: `badge ${u.disabled ? 'bad' : 'ok'}` }, u.disabled ? 'disabled' : 'active'),
    ]),
  );
}

export default {
  async render(ctx) {
    if (ctx.me?.role === 'STORE_MANAGER') return renderStaff(ctx);
    const { el, api } = ctx;
    const stores = (await api('GET', '/api/sync/stores')).items;
    const storeName = new Map(stores.map((s) => [s.storeId, storeLabel(s)]));
    const listArea = h('div', { class: 'card' });
    const message = h('div', { 'aria-live': 'polite' });
    const field = (id, label, input) => h('div', {}, h('label', { for: id }, label), input);
    const email = h('input', { id: 'user-email', type: 'email', required: true, autocomplete: 'off' });
    const name = h('input', { id: 'user-name', required: true, autocomplete: 'off' });
    const role = h(
      'select',
      { id: 'user-role' },
      ['ASSOCIATE', 'STORE_MANAGER', 'ADMIN'].map((r) => h('option', { value: r }, r)),
    );
    const store = h(
      'select',
      { id: 'user-store' },
      h('option', { value: '' }, 'none (head office)'),
      stores.map((s) => h('option', { value: s.storeId }, storeName.get(s.storeId))),
    );
    const password = h('input', {
      id: 'user-password',
      type: 'password',
      required: true,
      minlength: 12,
      autocomplete: 'new-password',
    });
    const form = h(
      'form',
      { class: 'filters card', 'aria-label': 'Add a user' },
      field('user-email', 'Email', email),
      field('user-name', 'Name', name),
      field('user-role', 'Role', role),
      field('user-store', 'Store', store),
      field('user-password', 'First password (12+ characters)', password),
      h('button', { type: 'submit' }, 'Add user'),
    );
    const change = async (u, body, done) => {
      try {
        await api('PATCH', `/api/users/${u.id}`, body);
        say(message, null, done);
        await refresh();
      } catch (err) {
        showError(message, err);
      }
    };
    // A new password is typed in the row itself; both changes sign the user out everywhere.
    const newPassword = (u) => {
      const input = h('input', {
        type: 'password',
        placeholder: 'new password',
        'aria-label': `New password for ${u.email}`,
        autocomplete: 'new-password',
        minlength: 12,
      });
      const form = h(
        'form',
        { class: 'row-form' },
        input,
        h('button', { type: 'submit', class: 'secondary' }, 'Set password'),
      );
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        void change(u, { password: input.value }, `${u.email} has a new password and was signed out.`);
      });
      return form;
    };
    const refresh = async () => {
      const { items } = await api('GET', '/api/users');
      listArea.replaceChildren(
        table('Users', ['Email', 'Name', 'Role', 'Store', 'Since', 'State', 'Actions'], items, (u) => [
          u.email,
          u.name,
          u.role,
          u.storeId ? (storeName.get(u.storeId) ?? u.storeId) : '—',
          time(u.createdAt),
          h('span', { class: `badge ${u.disabled ? 'bad' : 'ok'}` }, u.disabled ? 'disabled' : 'active'),
          h(
            'div',
            { class: 'actions' },
            h(
              'button',
              {
                type: 'button',
                class: 'secondary',
                'aria-label': `${u.disabled ? 'Enable' : 'Disable'} ${u.email}`,
                onclick: () =>
                  change(
                    u,
                    { disabled: !u.disabled },
                    `${u.email} is ${u.disabled ? 'enabled' : 'disabled and signed out'}.`,
                  ),
              },
              u.disabled ? 'Enable' : 'Disable',
            ),
            newPassword(u),
          ),
        ]),
      );
    };
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        const user = await api('POST', '/api/users', {
          email: email.value,
          name: name.value,
          role: role.value,
          password: password.value,
          ...(store.value ? { storeId: store.value } : {}),
        });
        say(message, null, `Added ${user.email}.`);
        form.reset();
        await refresh();
      } catch (err) {
        showError(message, err);
      }
    });
    el.append(form, message, listArea);
    await refresh();
  },
};
