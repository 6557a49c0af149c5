// Staff PINs (issue #27): who at a store can sign in at a lane. The hub makes up each PIN (6 digits, never an easy one
// nor one another person at the store has) and answers it once: this page shows it in a dialog to be told to the
// person, then forgets it; the store gets only its hash, in its roster. Head office gives anyone a new PIN; a store's
// manager their associates and themselves; anyone themselves.
import { confirmDialog, h, say, showError, storeScope, table, time } from '/console/lib.js';

/** Targets people tap at least 44 px high (the console's buttons are smaller by default). */
const TARGET = 'min-height: 44px';

export default {
  async render(ctx) {
    const { el, api, me, navigate } = ctx;
    const message = h('div', { 'aria-live': 'polite' });
    const listArea = h('div', { class: 'card' });
    const scope = await storeScope(ctx, 'pins-store');
    if (!scope.fixed && scope.select) {
      const form = h(
        'form',
        { class: 'filters', 'aria-label': 'Choose the store' },
        scope.control,
        h('button', { type: 'submit', style: TARGET }, 'Show'),
      );
      form.addEventListener('submit', (e) => {
        e.preventDefault();
        navigate('staff-pins', { store: scope.select.value });
      });
      el.append(form);
    } else el.append(h('div', { class: 'filters' }, scope.control));
    el.append(message, listArea);
    if (!scope.storeId) {
      listArea.replaceChildren(h('p', {}, 'No store yet.'));
      return;
    }
    const mayChange = (p) =>
      me.role === 'ADMIN' || p.email === me.email || (me.role === 'STORE_MANAGER' && p.role === 'ASSOCIATE');
    const give = async (p) => {
      if (p.hasPin) {
        const ok = await confirmDialog({
          title: `Give ${p.name} a new PIN?`,
          body: [`${p.name}’s current PIN stops working at the lanes once the store has the new one.`],
          confirm: 'Give a new PIN',
          danger: false,
        });
        if (!ok) return;
      }
      try {
        const { pin } = await api('POST', `/api/staff/people/${p.userId}/pin`);
        await showPinOnce(p.name, pin);
        say(message, null, `${p.name} has a new PIN; it reaches the store with its next sync.`);
        await refresh();
      } catch (err) {
        showError(message, err);
      }
    };
    const remove = async (p) => {
      const ok = await confirmDialog({
        title: `Remove ${p.name}’s PIN?`,
        body: [`${p.name} will not be able to sign in at a lane until a new PIN is set.`],
        confirm: 'Remove PIN',
      });
      if (!ok) return;
      try {
        await api('DELETE', `/api/staff/people/${p.userId}/pin`);
        say(message, null, `${p.name}’s PIN is removed.`);
        await refresh();
      } catch (err) {
        showError(message, err);
      }
    };
    const refresh = async () => {
      const { items } = await api('GET', `/api/staff/people?storeId=${encodeURIComponent(scope.storeId)}`);
      listArea.replaceChildren(
        table('People at the store and their lane PINs', ['Name', 'Role', 'PIN', 'State', 'Actions'], items, (p) => [
          p.name,
          p.role === 'STORE_MANAGER' ? 'Manager' : 'Associate',
          p.hasPin ? `set ${time(p.pinSetAt)}` : 'none',
          h('span', { class: `badge ${p.disabled ? 'bad' : 'ok'}` }, p.disabled ? 'disabled' : 'active'),
          mayChange(p) && !p.disabled
            ? h(
                'div',
                { class: 'actions' },
                h(
                  'button',
                  {
                    type: 'button',
                    style: TARGET,
                    class: 'secondary',
                    'aria-label': `New PIN for ${p.name}`,
                    onclick: () => give(p),
                  },
                  'New PIN',
                ),
                p.hasPin
                  ? h(
                      'button',
                      {
                        type: 'button',
                        style: TARGET,
                        class: 'secondary',
                        'aria-label': `Remove PIN of ${p.name}`,
                        onclick: () => remove(p),
                      },
                      'Remove PIN',
                    )
                  : '',
              )
            : '—',
        ]),
      );
    };
    try {
      await refresh();
    } catch (err) {
      showError(message, err);
    }
  },
};

/**
 * Shows a new PIN once, in a modal dialog to read out to the person; closing it removes it (and the PIN) from the page.
 */
function showPinOnce(name, pin) {
  return new Promise((resolve) => {
    const back = document.activeElement;
    const first = name.trim().split(/\s+/)[0] || name;
    const done = h('button', { type: 'button', style: TARGET }, 'Done');
    const dialog = h(
      'dialog',
      { class: 'confirm', 'aria-labelledby': 'pin-once-title', 'aria-describedby': 'pin-once-tell' },
      h('h2', { id: 'pin-once-title' }, `${name}’s new PIN`),
      h(
        'p',
        { class: 'pin-once', style: 'font-size: 2rem; letter-spacing: 0.3em; font-family: monospace' },
        h('output', { 'aria-label': 'The new PIN' }, pin),
      ),
      h('p', { id: 'pin-once-tell' }, `Tell it to ${first} in person; it is not shown again.`),
      h('div', { class: 'actions' }, done),
    );
    const close = () => {
      dialog.close();
      dialog.remove();
      if (back instanceof HTMLElement && back.isConnected) back.focus();
      resolve();
    };
    done.addEventListener('click', close);
    dialog.addEventListener('cancel', (e) => {
      e.preventDefault();
      close();
    });
    document.body.append(dialog);
    dialog.showModal();
    done.focus();
  });
}
