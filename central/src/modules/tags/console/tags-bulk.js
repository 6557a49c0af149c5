// Bulk jobs (`#/tags`, third section): add, remove or replace tags on the current search's products or on a pasted
// list of skus; the jobs with their progress, ETA and failures, Cancel and Retry, each job's failure report. The
// jobs are re-read every 1.5 s while one is moving.
import { confirmDialog, h, say, when } from '/console/lib.js';
import {
  actionSentence,
  count,
  eta,
  jobActive,
  jobBadge,
  listOf,
  newKey,
  plural,
  progressBar,
  tagOf,
} from './tags-words.js';

const POLL_MS = 1500;
/** The most skus one request carries (the API's limit); a longer list is sent in parts of this many. */
const PART_SKUS = 10_000;

/** "phones, sale" → ids from the tree, or the first unknown slug. */
function resolveSlugs(text, state) {
  const slugs = text
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
  const ids = [];
  for (const s of slugs) {
    const t = state.tags.find((x) => x.slug === s || x.path === s);
    if (!t) return { slugs, unknown: s };
    ids.push(t.id);
  }
  return { slugs, ids };
}
const skusOf = (text) => [
  ...new Set(
    text
      .split(/[\s,;]+/)
      .map((s) => s.trim())
      .filter(Boolean),
  ),
];

/** The share of a job's products dealt with (changed, already as asked, or refused), 0–100. */
export function jobPercent(j) {
  if (j.total > 0) return Math.min(100, ((j.done + (j.failed ?? 0)) / j.total) * 100);
  if (j.state === 'DONE') return 100;
  return typeof j.percent === 'number' ? j.percent : 0;
}

export function renderBulk(state) {
  const { api } = state;
  const section = h('section', { class: 'card', 'aria-labelledby': 'tg-bulk-title' });
  const message = h('div');
  const action = h(
    'select',
    { id: 'tg-bulk-action' },
    h('option', { value: 'ADD' }, 'Add tags'),
    h('option', { value: 'REMOVE' }, 'Remove tags'),
    h('option', { value: 'REPLACE' }, 'Replace all tags with'),
  );
  const tagsInput = h('input', {
    id: 'tg-bulk-tags',
    autocomplete: 'off',
    list: 'tg-bulk-slugs',
    'aria-describedby': 'tg-bulk-tags-hint',
  });
  const slugList = h('datalist', { id: 'tg-bulk-slugs' });
  const fromSearch = h('input', { type: 'radio', name: 'tg-bulk-from', id: 'tg-bulk-from-search', value: 'query' });
  const fromList = h('input', { type: 'radio', name: 'tg-bulk-from', id: 'tg-bulk-from-list', value: 'skus' });
  const searchWords = h('span', { id: 'tg-bulk-search-words' });
  const skus = h('textarea', {
    id: 'tg-bulk-skus',
    rows: 4,
    'aria-describedby': 'tg-bulk-skus-hint',
    spellcheck: 'false',
  });
  const start = h('button', { type: 'submit', class: 'submit' }, 'Start the job');
  const form = h(
    'form',
    { class: 'tg-form tg-bulk-form', 'aria-labelledby': 'tg-bulk-new' },
    h('h3', { id: 'tg-bulk-new' }, 'New bulk job'),
    h('div', { class: 'tg-field' }, h('label', { for: 'tg-bulk-action' }, 'Change'), action),
    h(
      'div',
      { class: 'tg-field' },
      h('label', { for: 'tg-bulk-tags' }, 'Tags'),
      tagsInput,
      slugList,
      h('span', { class: 'hint', id: 'tg-bulk-tags-hint' }, 'slugs, separated by commas or spaces'),
    ),
    h(
      'fieldset',
      { class: 'tg-wide' },
      h('legend', {}, 'On which products'),
      h('div', { class: 'tg-radio' }, fromSearch, h('label', { for: 'tg-bulk-from-search' }, searchWords)),
      h('div', { class: 'tg-radio' }, fromList, h('label', { for: 'tg-bulk-from-list' }, 'These skus')),
      h('label', { for: 'tg-bulk-skus', class: 'visually-hidden' }, 'Skus'),
      skus,
      h(
        'span',
        { class: 'hint', id: 'tg-bulk-skus-hint' },
        `one sku a line (or separated by commas); a list longer than ${count(PART_SKUS)} is sent in parts`,
      ),
    ),
    start,
  );

  function selection() {
    const search = state.search;
    if (fromSearch.checked && search) return { query: search.canonical ?? search.q, n: search.total };
    const list = skusOf(skus.value);
    return { skus: list, n: list.length };
  }
  function sayButton() {
    const { slugs } = resolveSlugs(tagsInput.value, state);
    const sel = selection();
    start.textContent = actionSentence(action.value, slugs, count(sel.n));
  }
  state.onSearch.push(() => {
    const s = state.search;
    fromSearch.disabled = !s;
    searchWords.textContent = s
      ? `The current search’s ${plural(s.total, 'product')} (${s.canonical ?? s.q})`
      : 'The current search’s products (search first)';
    if (s) fromSearch.checked = true;
    else if (!fromList.checked) fromList.checked = true;
    sayButton();
  });
  state.onTags.push(() => slugList.replaceChildren(...state.tags.map((t) => h('option', { value: t.slug }, t.path))));
  for (const c of [action, tagsInput, fromSearch, fromList, skus]) c.addEventListener('input', sayButton);
  skus.addEventListener('focus', () => {
    fromList.checked = true;
    sayButton();
  });

  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    const tags = resolveSlugs(tagsInput.value, state);
    if (tags.unknown)
      return say(message, { message: `There is no tag “${tags.unknown}”: write a slug from the tree.` });
    if (!tags.ids.length && action.value !== 'REPLACE') return say(message, { message: 'Write at least one tag.' });
    const sel = selection();
    if (sel.skus && !sel.skus.length) return say(message, { message: 'Paste the skus, or choose the current search.' });
    const sentence = actionSentence(action.value, tags.slugs, count(sel.n));
    const ok = await confirmDialog({
      title: `${sentence}?`,
      body: h(
        'p',
        {},
        sel.query
          ? `The products are those matching ${sel.query} now; products added later are not changed.`
          : `${plural(sel.n, 'sku')} as pasted; skus the catalog does not hold are listed as failures.`,
      ),
      confirm: 'Start the job',
      danger: action.value !== 'ADD',
    });
    if (!ok) return;
    try {
      const body = {
        action: action.value,
        tagIds: tags.ids,
        ...(sel.query ? { query: sel.query } : { skus: sel.skus }),
      };
      const job =
        sel.skus && sel.skus.length > PART_SKUS
          ? await sendInParts(body, sel.skus)
          : await api('POST', '/api/tags/bulk-jobs', body, { 'Idempotency-Key': newKey() });
      say(message, null, `The job is started: ${sentence.charAt(0).toLowerCase()}${sentence.slice(1)}.`);
      jobs = [job, ...jobs.filter((j) => j.id !== job.id)];
      drawJobs();
      poll();
    } catch (err) {
      say(message, err);
    }
  });

  /**
   * A list longer than one request: the job made with the first part (`more: true`), the other parts added, then
   * started; the progress said as each part goes. A part refused cancels the job (nothing was changed yet).
   */
  async function sendInParts(body, list) {
    const parts = [];
    for (let i = 0; i < list.length; i += PART_SKUS) parts.push(list.slice(i, i + PART_SKUS));
    const sent = (n) =>
      say(
        message,
        null,
        `Sending the list: ${count(n)} of ${count(list.length)} skus (part ${Math.ceil(n / PART_SKUS)} of ${parts.length})…`,
      );
    const job = await api(
      'POST',
      '/api/tags/bulk-jobs',
      { ...body, skus: parts[0], more: true },
      { 'Idempotency-Key': newKey() },
    );
    let n = parts[0].length;
    sent(n);
    try {
      for (const part of parts.slice(1)) {
        await api('POST', `/api/tags/bulk-jobs/${job.id}/skus`, { skus: part }, { 'Idempotency-Key': newKey() });
        n += part.length;
        sent(n);
      }
      return await api('POST', `/api/tags/bulk-jobs/${job.id}/start`, {}, { 'Idempotency-Key': newKey() });
    } catch (err) {
      await api('POST', `/api/tags/bulk-jobs/${job.id}/cancel`, {}, { 'Idempotency-Key': newKey() }).catch(() => {});
      throw err;
    }
  }

  const jobsArea = h('div', { class: 'tg-jobs' });
  const failuresArea = h('div', { class: 'tg-failures' });
  let jobs = [];
  let timer;
  let stopped = false;

  async function load() {
    try {
      const before = jobs;
      jobs = listOf(await api('GET', '/api/tags/bulk-jobs'));
      drawJobs();
      // a job that just ended changed products: the tree's counts move
      const ended = jobs.some((j) => !jobActive(j.state) && before.some((b) => b.id === j.id && jobActive(b.state)));
      if (ended) await state.reloadTags();
    } catch (err) {
      say(message, err);
    }
  }
  function poll() {
    clearTimeout(timer);
    if (stopped) return;
    timer = setTimeout(async () => {
      await load();
      if (jobs.some((j) => jobActive(j.state))) poll();
    }, POLL_MS);
  }

  async function act(job, what) {
    try {
      await api('POST', `/api/tags/bulk-jobs/${job.id}/${what}`, {}, { 'Idempotency-Key': newKey() });
      say(
        message,
        null,
        what === 'cancel'
          ? 'The job is cancelling; what it did stays done.'
          : 'The job carries on from where it stopped.',
      );
      await load();
      poll();
    } catch (err) {
      say(message, err);
    }
  }

  async function showFailures(job, after = null, shown = []) {
    try {
      const q = new URLSearchParams({ limit: '100', ...(after ? { after } : {}) });
      const page = await api('GET', `/api/tags/bulk-jobs/${job.id}/failures?${q}`);
      const items = [...shown, ...listOf(page)];
      const more = page.next
        ? h(
            'button',
            { type: 'button', class: 'secondary', onclick: () => showFailures(job, page.next, items) },
            'Show more',
          )
        : '';
      failuresArea.replaceChildren(
        h(
          'table',
          {},
          h(
            'caption',
            { id: 'tg-fail-title', tabindex: -1 },
            `Products job …${String(job.id).slice(-8)} could not change (${plural(job.failed, 'product')})`,
          ),
          h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, 'Sku'), h('th', { scope: 'col' }, 'Why'))),
          h(
            'tbody',
            {},
            items.length
              ? items.map((f) => h('tr', {}, h('td', { class: 'sku' }, f.sku), h('td', {}, f.reason)))
              : h('tr', {}, h('td', { colspan: 2, class: 'empty' }, 'None')),
          ),
        ),
        more,
      );
      if (!after) failuresArea.querySelector('#tg-fail-title')?.focus();
    } catch (err) {
      say(message, err);
    }
  }

  function jobWhat(j) {
    const slugs = (j.tags ?? j.tagIds ?? []).map((t) => tagOf(t, state.byId)?.slug ?? `#${t}`);
    const sel = j.selection ?? {};
    const on = sel.query
      ? `products matching ${sel.query}`
      : typeof sel.skus === 'number'
        ? `${plural(sel.skus, 'listed sku')}`
        : 'listed skus';
    const verb = j.action === 'REMOVE' ? 'Remove' : j.action === 'REPLACE' ? 'Replace with' : 'Add';
    return `${verb} ${slugs.join(', ')} — ${on}`;
  }

  function drawJobs() {
    const focusKey = document.activeElement?.dataset?.key;
    const rows = jobs.map((j) => {
      const pct = jobPercent(j);
      const name = `…${String(j.id).slice(-8)}`;
      const buttons = [];
      if (jobActive(j.state) && j.state !== 'CANCELLING')
        buttons.push(
          h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              'data-key': `cancel-${j.id}`,
              'aria-label': `Cancel job ${name}`,
              onclick: () => act(j, 'cancel'),
            },
            'Cancel',
          ),
        );
      if (j.state === 'FAILED' || j.state === 'CANCELLED')
        buttons.push(
          h(
            'button',
            {
              type: 'button',
              'data-key': `retry-${j.id}`,
              'aria-label': `Retry job ${name}`,
              onclick: () => act(j, 'retry'),
            },
            'Retry',
          ),
        );
      if (j.failed > 0)
        buttons.push(
          h(
            'button',
            {
              type: 'button',
              class: 'secondary',
              'data-key': `fail-${j.id}`,
              'aria-label': `Failures of job ${name}`,
              onclick: () => showFailures(j),
            },
            'Failures',
          ),
        );
      return h(
        'tr',
        { 'data-job': j.id },
        h('td', {}, name, h('br'), h('span', { class: 'muted' }, when(j.createdAt))),
        h('td', {}, jobWhat(j), j.lastError ? h('p', { class: 'error' }, j.lastError) : ''),
        h('td', {}, jobBadge(j.state)),
        h(
          'td',
          {},
          progressBar(`Progress of job ${name}`, pct),
          h('br'),
          h('span', { class: 'muted num' }, `${count(j.done + (j.failed ?? 0))} of ${count(j.total)}`),
        ),
        h(
          'td',
          { class: 'num' },
          jobActive(j.state) ? eta(j.etaSeconds) : j.finishedAt ? `ended ${when(j.finishedAt)}` : '—',
        ),
        h('td', { class: 'num' }, count(j.failed ?? 0)),
        h('td', {}, h('div', { class: 'actions' }, buttons)),
      );
    });
    jobsArea.replaceChildren(
      h(
        'table',
        { class: 'tg-job-table' },
        h('caption', {}, 'Bulk jobs, newest first'),
        h(
          'thead',
          {},
          h(
            'tr',
            {},
            ['Job', 'What', 'State', 'Progress', 'Time left', 'Failed', 'Actions'].map((t) =>
              h('th', { scope: 'col' }, t),
            ),
          ),
        ),
        h('tbody', {}, rows.length ? rows : h('tr', {}, h('td', { colspan: 7, class: 'empty' }, 'No bulk jobs yet'))),
      ),
    );
    if (focusKey) jobsArea.querySelector(`[data-key="${focusKey}"]`)?.focus();
  }

  section.append(h('h2', { id: 'tg-bulk-title' }, 'Bulk jobs'), message, form, jobsArea, failuresArea);
  fromList.checked = true;
  for (const fn of state.onSearch.slice(-1)) fn();
  drawJobs();
  load().then(() => jobs.some((j) => jobActive(j.state)) && poll());
  return {
    section,
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}
