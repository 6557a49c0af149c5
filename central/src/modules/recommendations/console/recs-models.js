// The models (`#/recommendations`, second section): the training runs with what each learned from and how long it
// took, and "Train now" (202: queued on the hub's job runner); the list is read again every 2 s while a run trains.
import { duration, h, say, table, when } from '/console/lib.js';
import { count, figure, modelBadge, newKey } from './recs-words.js';

const POLL_MS = 2000;
/** After "Train now", how long to keep reading while the queued run has not shown up yet. */
const WATCH_MS = 60_000;

/** How long a run took (or has taken so far, while it trains). */
const took = (r, now) =>
  r.finishedAt
    ? duration(r.finishedAt - r.startedAt)
    : r.state === 'TRAINING'
      ? `${duration(now - r.startedAt)} so far`
      : '—';

export function renderModels(state) {
  const { api } = state;
  const section = h('section', { class: 'card', 'aria-labelledby': 'rc-mod-title' });
  const message = h('div');
  const area = h('div');
  const train = h('button', { type: 'button' }, 'Train now');
  let timer;
  let stopped = false;
  let watchUntil = 0;
  /** The newest version before "Train now": read on until a newer run has finished (or WATCH_MS passed). */
  let waitingAfter = null;
  let wasTraining = false;
  /** The active model at the last read (undefined before the first): a new one means the stores' lists changed. */
  let lastActive;
  let lastNewest = 0;

  async function load() {
    clearTimeout(timer);
    let runs;
    try {
      runs = (await api('GET', '/api/recommendations/models')).runs ?? [];
    } catch (err) {
      area.replaceChildren(h('p', { class: 'error', role: 'alert' }, `The models cannot be shown: ${err.message}`));
      return;
    }
    const now = Date.now();
    const training = runs.some((r) => r.state === 'TRAINING');
    const newest = Math.max(0, ...runs.map((r) => r.version));
    if (!runs.length) {
      area.replaceChildren(
        h(
          'p',
          { class: 'rc-empty' },
          'No model yet — press Train now. Until the first run, lists come from what is popular in the last 30 days.',
        ),
      );
    } else {
      const active = runs.find((r) => r.state === 'ACTIVE');
      area.replaceChildren(
        h(
          'p',
          { class: 'hint' },
          active
            ? `Lists are served from model version ${count(active.version)}, trained ${when(active.finishedAt)}.`
            : 'No model is active: lists come from what is popular in the last 30 days.',
        ),
        table(
          'Training runs, newest first',
          ['Version', 'State', 'Started', 'Took', 'Interactions', 'Customers', 'Products', 'Error'],
          runs,
          (r) => [
            h('span', { class: 'num' }, count(r.version)),
            modelBadge(r.state),
            when(r.startedAt),
            h('span', { class: 'num' }, took(r, now)),
            h('span', { class: 'num' }, count(figure(r.summary, 'interactions'))),
            h('span', { class: 'num' }, count(figure(r.summary, 'customers', 'users'))),
            h('span', { class: 'num' }, count(figure(r.summary, 'products', 'items'))),
            r.error ? h('span', { class: 'error' }, r.error) : '',
          ],
        ),
      );
      for (const tr of area.querySelectorAll('tbody tr')) tr.classList.add('rc-run');
    }
    train.disabled = training;
    // a run that finished changes what the stores get: the store section reads its list again — also when the run
    // started and finished between two reads (a small model trains in less than the poll), seen as a new active model
    const activeNow = runs.find((r) => r.state === 'ACTIVE')?.version ?? null;
    if ((wasTraining && !training) || (lastActive !== undefined && activeNow !== lastActive)) state.onModel?.();
    wasTraining = training;
    lastActive = activeNow;
    if (waitingAfter !== null && newest > waitingAfter && !training) {
      waitingAfter = null;
      const done = runs.find((r) => r.version === newest);
      if (done?.state === 'FAILED')
        say(message, new Error(`Training run ${count(newest)} failed: ${done.error ?? 'no reason given'}`));
      else if (done)
        say(
          message,
          null,
          `Model version ${count(newest)} is trained and ${done.state === 'ACTIVE' ? 'serving' : done.state.toLowerCase()}.`,
        );
    }
    lastNewest = newest;
    if ((training || (waitingAfter !== null && now < watchUntil)) && !stopped) timer = setTimeout(load, POLL_MS);
  }

  train.addEventListener('click', async () => {
    try {
      const r = await api('POST', '/api/recommendations/models/train', {}, { 'Idempotency-Key': newKey() });
      say(
        message,
        null,
        r?.queued === false
          ? 'A training run is already queued or running; the list below shows it.'
          : 'Training queued — the list below shows its progress.',
      );
      watchUntil = Date.now() + WATCH_MS;
      waitingAfter = lastNewest;
      await load();
    } catch (err) {
      say(message, err);
    }
  });

  section.append(h('h2', { id: 'rc-mod-title' }, 'Models'), message, h('div', { class: 'actions' }, train), area);
  return {
    section,
    load,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
