// The index (`#/tags`, last section): the in-memory index's state, products, memory, last rebuild and a rebuild's
// progress (the first build, or one beside the ready index), which hub process answered, and the Rebuild button;
// re-read every 2 s while a rebuild runs.
import { duration, h, say, when } from '/console/lib.js';
import { count, megabytes, newKey, progressBar } from './tags-words.js';

const POLL_MS = 2000;
const STATE_WORDS = { EMPTY: 'empty', REBUILDING: 'rebuilding', READY: 'ready', FAILED: 'failed' };
const STATE_BADGE = { READY: 'ok', REBUILDING: 'warn', FAILED: 'bad' };

/** lastRebuildMs: how long the last rebuild took, or (a moment) when it ended. */
const lastRebuild = (ms) => (typeof ms !== 'number' ? 'never' : ms > 1e12 ? when(ms) : `took ${duration(ms)}`);

export function renderIndexStatus(state) {
  const { api } = state;
  const section = h('section', { class: 'card', 'aria-labelledby': 'tg-ix-title' });
  const message = h('div');
  const facts = h('div');
  const rebuild = h('button', { type: 'button' }, 'Rebuild the index');
  let timer;
  let stopped = false;
  let wasRebuilding = false;
  /** After Rebuild is pressed, read again for a while even before the state says REBUILDING. */
  let watchUntil = 0;

  async function load() {
    clearTimeout(timer);
    let s;
    try {
      s = await api('GET', '/api/tags/index');
    } catch (err) {
      say(message, err);
      return;
    }
    // the first build (REBUILDING) or one beside a READY index (searches answer from the old one meanwhile)
    const rebuilding = s.state === 'REBUILDING' || s.rebuilding === true;
    const row = (name, value) => [h('dt', {}, name), h('dd', {}, value)];
    facts.replaceChildren(
      h(
        'dl',
        { class: 'facts' },
        row('State', h('span', { class: `badge ${STATE_BADGE[s.state] ?? ''}` }, STATE_WORDS[s.state] ?? s.state)),
        row('Products', count(s.products)),
        row('Tags', count(s.tags)),
        row('Memory', megabytes(s.memoryBytes)),
        row('Version', count(s.version)),
        row('Last rebuild', lastRebuild(s.lastRebuildMs)),
        rebuilding
          ? row(
              'Rebuilding',
              s.rebuilt
                ? [
                    progressBar('Rebuild progress', s.rebuilt.done, Math.max(1, s.rebuilt.total)),
                    ` ${count(s.rebuilt.done)} of ${count(s.rebuilt.total)} products`,
                    s.state === 'READY' ? ' (searches answer from the current index until then)' : '',
                  ]
                : 'counting the products…',
            )
          : [],
        s.replica ? row('Answered by', s.replica) : [],
        s.lastError ? row('Last error', h('span', { class: 'error' }, s.lastError)) : [],
      ),
    );
    rebuild.disabled = rebuilding;
    if (wasRebuilding && !rebuilding) await state.reloadTags();
    wasRebuilding = rebuilding;
    if ((rebuilding || Date.now() < watchUntil) && !stopped) timer = setTimeout(load, POLL_MS);
  }

  rebuild.addEventListener('click', async () => {
    try {
      await api('POST', '/api/tags/index/rebuild', {}, { 'Idempotency-Key': newKey() });
      say(message, null, 'The index is rebuilding from Postgres; searches answer from the old one until it is ready.');
      wasRebuilding = true;
      watchUntil = Date.now() + 10_000;
      await load();
    } catch (err) {
      say(message, err);
    }
  });

  section.append(
    h('h2', { id: 'tg-ix-title' }, 'Search index'),
    message,
    facts,
    h('div', { class: 'actions' }, rebuild),
  );
  load();
  return {
    section,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
