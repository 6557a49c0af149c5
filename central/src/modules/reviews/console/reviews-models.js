// The text model (`#/reviews`, second section): its versions with what each learned from and its cross-validated
// figures, which one scores reviews (or why none does), and "Retrain now" (202: queued), followed every 2 s until the
// new version is ACTIVE or FAILED.
import { duration, h, say, table, when } from '/console/lib.js';
import { count, modelBadge, newKey, percent1 } from './reviews-words.js';

const POLL_MS = 2000;
/** After "Retrain now", how long to keep reading while the queued run has not finished. */
const WATCH_MS = 10 * 60_000;

const cv = (r, name) => (typeof r.summary?.cv?.[name] === 'number' ? r.summary.cv[name] : r.summary?.[name]);

export function renderModels({ api }) {
  const section = h('section', { class: 'card', 'aria-labelledby': 'rv-models-title' });
  const message = h('div');
  const area = h('div');
  const train = h('button', { type: 'button' }, 'Retrain now');
  let timer;
  let stopped = false;
  let waitingAfter = null;
  let watchUntil = 0;

  async function load() {
    clearTimeout(timer);
    let status;
    try {
      status = await api('GET', '/api/reviews/models');
    } catch (err) {
      area.replaceChildren(h('p', { class: 'error', role: 'alert' }, `The text model cannot be shown: ${err.message}`));
      return;
    }
    const runs = status.runs ?? [];
    const training = runs.some((r) => r.state === 'TRAINING');
    const newest = Math.max(0, ...runs.map((r) => r.version));
    area.replaceChildren(
      h(
        'p',
        { class: 'rv-model-state' },
        status.active
          ? `Reviews are scored by text model version ${count(status.active)}, with the rules.`
          : `No text model scores reviews: ${status.why ?? 'none has been trained'}. The rules alone score them until one is — press Retrain now.`,
      ),
      runs.length
        ? table(
            'Text model versions, newest first',
            ['Version', 'State', 'Started', 'Took', 'Rows', 'From moderators', 'Accuracy', 'F1', 'Error'],
            runs,
            (r) => [
              h('span', { class: 'num' }, count(r.version)),
              modelBadge(r.state),
              when(r.startedAt),
              h('span', { class: 'num' }, r.finishedAt ? duration(r.finishedAt - r.startedAt) : '—'),
              h('span', { class: 'num' }, count(r.summary?.rows)),
              h('span', { class: 'num' }, count(r.summary?.fromModeration)),
              h('span', { class: 'num' }, percent1(cv(r, 'accuracy'))),
              h('span', { class: 'num' }, percent1(cv(r, 'f1'))),
              r.error ? h('span', { class: 'error' }, r.error) : '',
            ],
          )
        : '',
    );
    train.disabled = training;
    if (waitingAfter !== null && newest > waitingAfter && !training) {
      const done = runs.find((r) => r.version === newest);
      waitingAfter = null;
      if (done?.state === 'FAILED')
        say(message, new Error(`Version ${count(newest)} failed: ${done.error ?? 'no reason given'}`));
      else if (done) say(message, null, `Version ${count(newest)} is trained and ${done.state.toLowerCase()}.`);
    }
    if ((training || (waitingAfter !== null && Date.now() < watchUntil)) && !stopped) timer = setTimeout(load, POLL_MS);
  }

  train.addEventListener('click', async () => {
    train.disabled = true;
    try {
      const before = await api('GET', '/api/reviews/models');
      waitingAfter = Math.max(0, ...(before.runs ?? []).map((r) => r.version));
      await api('POST', '/api/reviews/models/train', {}, { 'Idempotency-Key': newKey() });
      watchUntil = Date.now() + WATCH_MS;
      say(message, null, 'Retraining queued — the list below shows its progress.');
    } catch (err) {
      if (err.status === 409) {
        // a run queued or training already (the scheduled one, or another moderator's): follow that one
        watchUntil = Date.now() + WATCH_MS;
        say(message, null, 'A training run is already going — the list below shows its progress.');
      } else {
        waitingAfter = null;
        say(message, err);
      }
    }
    await load();
  });

  section.append(
    h('h2', { id: 'rv-models-title' }, 'Text model'),
    h(
      'p',
      { class: 'hint' },
      'The model that reads a review’s text for signs it was generated; retrained from the labelled reviews and the moderators’ decisions.',
    ),
    message,
    h('div', { class: 'actions' }, train),
    area,
  );
  return {
    section,
    load,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
