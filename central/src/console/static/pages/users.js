// Console users: who may sign in, with which role and for which store; an admin adds accounts here.
import { h, say, showError, table, time } from '/console/lib.js';

export default {
  async render({ el, api }) {
    const stores = (await api('GET', '/api/sync/stores')).items;
    const storeName = new Map(stores.map((s) => [s.storeId, `${s.code} — ${s.name}`]));
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
