// Console users: who may sign in, with which role and for which store; an admin adds accounts here.
import { h, showError, table, time } from '/console/lib.js';

export default {
  async render({ el, api }) {
    const stores = (await api('GET', '/api/sync/stores')).items;
    const storeName = new Map(stores.map((s) => [s.storeId, `${s.code} — ${s.name}`]));
    const listArea = h('div', { class: 'card' });
    const message = h('div', { 'aria-live': 'polite' });
    const field = (id, label, input) => h('div', {}, h('label', { for: id }, label), input);
    const email = h('input', { id: 'user-email', type: 'email', required: true, autocomplete: 'off' });
    const name = h('input', { id: 'user-name', required: true, autocomplete: 'off' });
    const role = h('select', { id: 'user-role' }, ['ASSOCIATE', 'STORE_MANAGER', 'ADMIN'].map((r) => h('option', { value: r }, r)));
    const store = h('select', { id: 'user-store' }, h('option', { value: '' }, 'none (head office)'), stores.map((s) => h('option', { value: s.storeId }, storeName.get(s.storeId))));
    const password = h('input', { id: 'user-password', type: 'password', required: true, minlength: 12, autocomplete: 'new-password' });
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
    const refresh = async () => {
      const { items } = await api('GET', '/api/users');
      listArea.replaceChildren(table('Users', ['Email', 'Name', 'Role', 'Store', 'Since', 'State'], items, (u) => [u.email, u.name, u.role, u.storeId ? (storeName.get(u.storeId) ?? u.storeId) : '—', time(u.createdAt), u.disabled ? 'disabled' : 'active']));
    };
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      try {
        const user = await api('POST', '/api/users', { email: email.value, name: name.value, role: role.value, password: password.value, ...(store.value ? { storeId: store.value } : {}) });
        message.replaceChildren(h('p', { role: 'status', class: 'ok' }, `Added ${user.email}.`));
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
