// Workflow incidents: what the hub's cross-module flows could not put right by themselves (a hand-over of a hold the
// hub had already ended), open ones newest first, each resolved once with a note saying what was done.
import { h, say, showError, table, time } from '/console/lib.js';

const PAGE = 100;

export default {
  async render({ el, api }) {
    const message = h('div', { 'aria-live': 'polite' });
    const openArea = h('div', { class: 'card' });
    const resolvedArea = h('div', { class: 'card' });
    let busy = false;

    // The note is typed in the row itself; the hub records who resolved it and when.
    const resolveForm = (i) => {
      const note = h('input', {
        required: true,
        maxlength: 2000,
        placeholder: 'what was done',
        'aria-label': `Note for the incident at ${i.store}, ${time(i.raisedAt)}`,
        autocomplete: 'off',
      });
      const form = h('form', { class: 'row-form' }, note, h('button', { type: 'submit' }, 'Resolve'));
      form.addEventListener('submit', async (e) => {
        e.preventDefault();
        if (busy) return;
        busy = true;
        try {
          await api('POST', `/api/workflows/incidents/${i.id}/resolve`, { note: note.value });
          say(message, null, `Incident at ${i.store} (${time(i.raisedAt)}) resolved.`);
        } catch (err) {
          showError(message, err);
        } finally {
          busy = false;
          await refresh();
        }
      });
      return form;
    };

    const refresh = async () => {
      try {
        const [open, resolved] = await Promise.all([
          api('GET', `/api/workflows/incidents?state=OPEN&limit=${PAGE}`),
          api('GET', '/api/workflows/incidents?state=RESOLVED&limit=20'),
        ]);
        openArea.replaceChildren(
          table(
            open.next ? `Open incidents, newest first (the first ${PAGE})` : 'Open incidents, newest first',
            ['Raised', 'Store', 'Kind', 'What happened', 'Resolve'],
            open.items,
            (i) => [time(i.raisedAt), i.store, h('span', { class: 'badge bad' }, i.kind), i.sentence, resolveForm(i)],
          ),
        );
        resolvedArea.replaceChildren(
          table(
            'Recently resolved',
            ['Raised', 'Store', 'What happened', 'Resolved', 'By', 'Note'],
            resolved.items,
            (i) => [
              time(i.raisedAt),
              i.store,
              i.sentence,
              time(i.resolution.at),
              i.resolution.by.email ?? i.resolution.by.userId,
              i.resolution.note,
            ],
          ),
        );
      } catch (err) {
        showError(message, err);
      }
    };

    el.append(message, openArea, resolvedArea);
    await refresh();
  },
};
